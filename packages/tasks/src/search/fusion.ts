// Hybrid search: fusing a dense ranking and a BM25 ranking into one. Two rules, as search
// engines offer them:
// - reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009): Σ wᵢ / (k + rankᵢ), ranks
//   from 1, k = 60; it needs no score calibration between rankers. Weights default to 1
//   (the paper's RRF); Elastic and OpenSearch take per-retriever weights the same way.
// - relative-score fusion (Weaviate's `relativeScoreFusion`, Elastic's linear retriever
//   with min-max normalisation): each ranker's candidate scores are min-max normalised to
//   [0, 1] and summed with weights, so how far ahead a document is counts, not just its
//   place.
// SearchIndex takes Weaviate's `alpha` ∈ [0, 1] (1: dense only, 0: BM25 only) and turns
// it into the weights with `hybridWeights`.
import { SearchError } from './errors.js';

export interface FusedId {
  id: string;
  score: number;
  /** The document's 1-based rank in each input ranking (undefined where absent). */
  ranks: (number | undefined)[];
}

export const FUSIONS = ['rrf', 'relative-score'] as const;
export type Fusion = (typeof FUSIONS)[number];

function checkWeights(weights: readonly number[] | undefined, lists: number, who: string): number[] {
  const w = weights ? [...weights] : new Array<number>(lists).fill(1);
  if (w.length !== lists)
    throw new SearchError(
      'SEARCH_INVALID',
      `${who}: ${lists} rankings need ${lists} weights, got ${w.length}`,
    );
  for (const x of w)
    if (!(x >= 0) || !Number.isFinite(x))
      throw new SearchError('SEARCH_INVALID', `${who}: weights must be finite numbers ≥ 0, got ${x}`);
  return w;
}

/**
 * Fuses rankings (ids, best first) into one list, best first, by Σ wᵢ / (k + rankᵢ); ties
 * keep first appearance. `weights` default to 1 each.
 */
export function reciprocalRankFusion(
  rankings: readonly (readonly string[])[],
  k = 60,
  weights?: readonly number[],
): FusedId[] {
  if (!(k >= 0) || !Number.isFinite(k))
    throw new SearchError(
      'SEARCH_INVALID',
      `reciprocal-rank fusion: k must be a finite number ≥ 0, got ${k}`,
    );
  const w = checkWeights(weights, rankings.length, 'reciprocal-rank fusion');
  const fused = new Map<string, FusedId>();
  rankings.forEach((ranking, which) => {
    ranking.forEach((id, index) => {
      let entry = fused.get(id);
      if (!entry) fused.set(id, (entry = { id, score: 0, ranks: rankings.map(() => undefined) }));
      // A ranking that lists an id twice counts its best rank only.
      if (entry.ranks[which] !== undefined) return;
      entry.ranks[which] = index + 1;
      entry.score += w[which]! / (k + index + 1);
    });
  });
  // Array.prototype.sort is stable: equal scores keep the order of first appearance.
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/**
 * Fuses scored rankings by Σ wᵢ · (sᵢ − minᵢ) / (maxᵢ − minᵢ) over the rankings that list
 * a document (a ranking whose scores are all equal gives each of its documents 1); ties
 * keep first appearance. `weights` default to 1 each.
 */
export function relativeScoreFusion(
  rankings: readonly (readonly { id: string; score: number }[])[],
  weights?: readonly number[],
): FusedId[] {
  const w = checkWeights(weights, rankings.length, 'relative-score fusion');
  const fused = new Map<string, FusedId>();
  rankings.forEach((ranking, which) => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const { score } of ranking) {
      if (!Number.isFinite(score))
        throw new SearchError('SEARCH_INVALID', `relative-score fusion: scores must be finite, got ${score}`);
      lo = Math.min(lo, score);
      hi = Math.max(hi, score);
    }
    ranking.forEach(({ id, score }, index) => {
      let entry = fused.get(id);
      if (!entry) fused.set(id, (entry = { id, score: 0, ranks: rankings.map(() => undefined) }));
      if (entry.ranks[which] !== undefined) return;
      entry.ranks[which] = index + 1;
      entry.score += w[which]! * (hi > lo ? (score - lo) / (hi - lo) : 1);
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/**
 * [dense, BM25] weights for `alpha` ∈ [0, 1]: 2α and 2(1 − α), so α = ½ (the default) is
 * the unweighted fusion (classic RRF) and α = 1 / 0 keeps one ranker's order alone.
 */
export function hybridWeights(alpha: number): [number, number] {
  if (!(alpha >= 0 && alpha <= 1))
    throw new SearchError('SEARCH_INVALID', `hybrid alpha must be between 0 and 1, got ${alpha}`);
  return [2 * alpha, 2 * (1 - alpha)];
}

// Reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009): a document's fused score is
// Σ over the rankings that contain it of 1 / (k + rank), ranks counted from 1, k = 60 by
// default. It needs no score calibration between rankers, which is why hybrid search
// (BM25 + dense) uses it.
import { SearchError } from './errors.js';

export interface FusedId {
  id: string;
  score: number;
  /** The document's 1-based rank in each input ranking (undefined where absent). */
  ranks: (number | undefined)[];
}

/** Fuses rankings (ids, best first) into one list, best first; ties keep first appearance. */
export function reciprocalRankFusion(rankings: readonly (readonly string[])[], k = 60): FusedId[] {
  if (!(k >= 0) || !Number.isFinite(k))
    throw new SearchError(
      'SEARCH_INVALID',
      `reciprocal-rank fusion: k must be a finite number ≥ 0, got ${k}`,
    );
  const fused = new Map<string, FusedId>();
  rankings.forEach((ranking, which) => {
    ranking.forEach((id, index) => {
      let entry = fused.get(id);
      if (!entry) fused.set(id, (entry = { id, score: 0, ranks: rankings.map(() => undefined) }));
      // A ranking that lists an id twice counts its best rank only.
      if (entry.ranks[which] !== undefined) return;
      entry.ranks[which] = index + 1;
      entry.score += 1 / (k + index + 1);
    });
  });
  // Array.prototype.sort is stable: equal scores keep the order of first appearance.
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

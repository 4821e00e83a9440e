// Search quality on STS-B dev (1,500 sentence pairs with gold similarity 0–5): Spearman's ρ
// between each scorer's pair scores and the gold scores, for
//   bm25    BM25 (k1 1.2, b 0.75) with corpus statistics of the 3,000 dev sentences
//           themselves (no labels), symmetric and length-fair: ½ (bm25(a→b) / bm25(a→a) +
//           bm25(b→a) / bm25(b→b))
//   dense   cosine of the embedding model's mean-pooled, normalised vectors
//   hybrid  reciprocal-rank fusion (k = 60) of the two rankings of the 1,500 pairs —
//           the same fusion SearchIndex's hybrid mode uses over documents
import { readFile } from 'node:fs/promises';
import { Bm25Index, type Embedder, embedInBatches, reciprocalRankFusion } from '../src/index.js';
import { spearman } from './stats.js';

export interface StsPair {
  a: string;
  b: string;
  gold: number;
}

export async function readStsb(path: string): Promise<StsPair[]> {
  const lines = (await readFile(path, 'utf8'))
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
  return lines.map((line) => {
    const f = line.split('\t');
    return { a: f[7]!, b: f[8]!, gold: Number(f[9]) };
  });
}

export function bm25PairScores(pairs: readonly StsPair[]): number[] {
  const index = new Bm25Index();
  pairs.forEach((p, i) => {
    index.add(`a${i}`, p.a);
    index.add(`b${i}`, p.b);
  });
  const directed = (query: string, self: string, other: string) => {
    const selfScore = index.score(query, self);
    return selfScore > 0 ? index.score(query, other) / selfScore : 0;
  };
  return pairs.map((p, i) => (directed(p.a, `a${i}`, `b${i}`) + directed(p.b, `b${i}`, `a${i}`)) / 2);
}

export async function densePairScores(pairs: readonly StsPair[], embedder: Embedder): Promise<number[]> {
  const texts = pairs.flatMap((p) => [p.a, p.b]);
  const { data, dimension: d } = await embedInBatches(embedder, texts, { batchSize: 128 });
  return pairs.map((_, i) => {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += data[2 * i * d + j]! * data[(2 * i + 1) * d + j]!;
    return dot;
  });
}

/** RRF of the pairs ranked by each score list (best first): the fused score per pair. */
export function hybridPairScores(...scoreLists: readonly (readonly number[])[]): number[] {
  const rankings = scoreLists.map((scores) =>
    scores
      .map((s, i) => [s, i] as const)
      .sort((x, y) => y[0] - x[0])
      .map(([, i]) => String(i)),
  );
  const fused = new Map(reciprocalRankFusion(rankings).map((f) => [f.id, f.score]));
  return scoreLists[0]!.map((_, i) => fused.get(String(i)) ?? 0);
}

export function stsSpearman(pairs: readonly StsPair[], scores: readonly number[]): number {
  return spearman(
    scores,
    pairs.map((p) => p.gold),
  );
}

// The HNSW index (usearch) behind the VectorIndex interface: recall@10 against exact
// search on random unit vectors and on clustered ones (a Gaussian mixture, the shape real
// embeddings have), delete, and use inside a SearchIndex. The 1M-vector figures are the
// bench's (bench/ann.ts), not a test's.
import '@tensorlm/backend-cpu';
import { describe, expect, it } from 'vitest';
import { HnswVectorIndex, hnswIndex, recallAtK } from './approximate.node.js';
import { normalizeRows } from './embedder.js';
import { ExactVectorIndex } from './exact-index.js';
import { SearchIndex } from './search-index.js';
import { hashEmbedder } from './test-embedder.js';

function randomUnitRows(n: number, d: number, seed: number): Float32Array {
  let s = seed;
  const data = Float32Array.from({ length: n * d }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  normalizeRows(data, d);
  return data;
}

/** n unit rows around `clusters` random centres (per-coordinate noise `spread`). */
function clusteredUnitRows(
  n: number,
  d: number,
  clusters: number,
  spread: number,
  seed: number,
): Float32Array {
  const centres = randomUnitRows(clusters, d, seed);
  const noise = randomUnitRows(n, d, seed + 1);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++)
      data[i * d + j] = centres[(i % clusters) * d + j]! + spread * noise[i * d + j]!;
  normalizeRows(data, d);
  return data;
}

describe('HnswVectorIndex', () => {
  it('finds at least 95% of the exact top-10 on 3,000 clustered vectors', async () => {
    const d = 64;
    const n = 3000;
    const ids = Array.from({ length: n }, (_, i) => `v${i}`);
    const data = clusteredUnitRows(n, d, 30, 0.5, 21);
    const exact = new ExactVectorIndex(d);
    const approximate = await HnswVectorIndex.create(d);
    exact.add(ids, data);
    approximate.add(ids, data);
    // Queries near the data but not in it.
    const queries = clusteredUnitRows(50, d, 30, 0.5, 21).map((v, i) => v + 0.05 * Math.sin(i));
    normalizeRows(queries, d);
    const truth = await exact.search(queries, 10);
    expect(recallAtK(truth, await approximate.search(queries, 10))).toBeGreaterThanOrEqual(0.95);
    exact.dispose();
    approximate.dispose();
  });

  it('finds at least 95% of the exact top-10 on 2,000 random vectors', async () => {
    const d = 32;
    const n = 2000;
    const ids = Array.from({ length: n }, (_, i) => `v${i}`);
    const data = randomUnitRows(n, d, 11);
    const exact = new ExactVectorIndex(d);
    const approximate = await HnswVectorIndex.create(d);
    exact.add(ids, data);
    approximate.add(ids, data);
    const queries = randomUnitRows(50, d, 12);
    const truth = await exact.search(queries, 10);
    const found = await approximate.search(queries, 10);
    expect(recallAtK(truth, found)).toBeGreaterThanOrEqual(0.95);
    // Scores are cosines, as the exact index's.
    expect(found[0]![0]!.score).toBeCloseTo(
      truth[0]!.find((h) => h.id === found[0]![0]!.id)?.score ?? NaN,
      4,
    );
    expect(approximate.delete(['v0', 'v1', 'nope'])).toBe(2);
    expect(approximate.size).toBe(n - 2);
    const self = await approximate.search(data.slice(0, d), 5);
    expect(self[0]!.map((h) => h.id)).not.toContain('v0');
    exact.dispose();
    approximate.dispose();
  });

  it('serves a SearchIndex behind the same interface, keeping document order for saving', async () => {
    const docs = ['a funny film', 'boring and long', 'a warm story', 'funny and warm'].map((text, i) => ({
      id: `d${i}`,
      text,
    }));
    const { index } = await SearchIndex.build(docs, { embedder: hashEmbedder(), vectorIndex: hnswIndex() });
    expect(index.vectorIndexKind).toBe('hnsw');
    expect((await index.query('boring and long', { k: 1 }))[0]).toMatchObject({
      id: 'd1',
      score: expect.closeTo(1, 4),
    });
    const { index: exact } = await SearchIndex.build(docs, { embedder: hashEmbedder() });
    expect(Array.from(index.vectorData())).toEqual(Array.from(exact.vectorData()));
    index.dispose();
    exact.dispose();
  });

  it('computes recall@k as the share of exact ids found', () => {
    const truth = [
      [
        { id: 'a', score: 1 },
        { id: 'b', score: 0.9 },
      ],
    ];
    expect(
      recallAtK(truth, [
        [
          { id: 'b', score: 0.9 },
          { id: 'c', score: 0.8 },
        ],
      ]),
    ).toBe(0.5);
  });
});

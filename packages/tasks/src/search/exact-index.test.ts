// Exact search (one matmul + top-k on the backend) against a brute-force loop over
// every stored vector, and the bookkeeping of add / delete.
import '@tensorlm/backend-cpu';
import { describe, expect, it } from 'vitest';
import { normalizeRows } from './embedder.js';
import { ExactVectorIndex } from './exact-index.js';

function randomUnitRows(n: number, d: number, seed: number): Float32Array {
  let s = seed;
  const data = Float32Array.from({ length: n * d }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  normalizeRows(data, d);
  return data;
}

function bruteForce(ids: string[], data: Float32Array, query: Float32Array, d: number, k: number) {
  const scored = ids.map((id, row) => {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += data[row * d + j]! * query[j]!;
    return { id, score: dot };
  });
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}

describe('ExactVectorIndex', () => {
  it('returns the same top-k as a brute-force loop, for a batch of queries', async () => {
    const d = 24;
    const n = 500;
    const ids = Array.from({ length: n }, (_, i) => `doc-${i}`);
    const data = randomUnitRows(n, d, 7);
    const index = new ExactVectorIndex(d);
    index.add(ids.slice(0, 200), data.slice(0, 200 * d));
    index.add(ids.slice(200), data.slice(200 * d));
    const queries = randomUnitRows(5, d, 99);
    const results = await index.search(queries, 10);
    expect(results).toHaveLength(5);
    results.forEach((hits, q) => {
      const want = bruteForce(ids, data, queries.subarray(q * d, (q + 1) * d), d, 10);
      expect(hits.map((h) => h.id)).toEqual(want.map((h) => h.id));
      hits.forEach((h, i) => {
        expect(h.score).toBeCloseTo(want[i]!.score, 5);
      });
    });
    index.dispose();
  });

  it('deletes rows (keeping the others in order), re-uploads after a change, and caps k at the size', async () => {
    const d = 8;
    const data = randomUnitRows(6, d, 3);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const index = new ExactVectorIndex(d);
    index.add(ids, data);
    const query = data.slice(2 * d, 3 * d); // c itself
    expect((await index.search(query, 1))[0]![0]).toEqual({ id: 'c', score: expect.closeTo(1, 5) });
    expect(index.delete(['c', 'zzz', 'a'])).toBe(2);
    expect(index.size).toBe(4);
    expect(index.entries().ids).toEqual(['b', 'd', 'e', 'f']);
    const after = (await index.search(query, 10))[0]!;
    expect(after.map((h) => h.id).sort()).toEqual(['b', 'd', 'e', 'f']);
    const want = bruteForce(['b', 'd', 'e', 'f'], index.entries().data, query, d, 4);
    expect(after.map((h) => h.id)).toEqual(want.map((h) => h.id));
    expect(() => index.add(['b'], data.slice(0, d))).toThrow(/already in the index/);
    expect(() => index.add(['x'], data.slice(0, d - 1))).toThrow(/width 8/);
    index.dispose();
  });
});

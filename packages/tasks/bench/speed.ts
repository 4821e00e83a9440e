// Search speed: exact top-10 latency over random unit vectors (10k and 100k documents) on a
// backend, index build throughput with the embedding model, and the approximate (HNSW)
// index at 1M vectors — recall@10 against exact search, and its latency.
import { performance } from 'node:perf_hooks';
import {
  type Embedder,
  ExactVectorIndex,
  HnswVectorIndex,
  normalizeRows,
  recallAtK,
  SearchIndex,
} from '../src/index.js';
import { percentile } from './stats.js';

/** Unit vectors from a seeded LCG (uniform in [-0.5, 0.5) per coordinate, then normalised). */
export function randomUnitRows(n: number, d: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const data = new Float32Array(n * d);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  normalizeRows(data, d);
  return data;
}

export interface Latency {
  medianMs: number;
  p99Ms: number;
  queries: number;
}

/** Per-query latency of `search` over `queries` rows (after `warmup` untimed queries). */
export async function queryLatency(
  search: (query: Float32Array) => Promise<unknown>,
  queries: Float32Array,
  d: number,
  warmup = 3,
): Promise<Latency> {
  const n = queries.length / d;
  for (let i = 0; i < warmup; i++) await search(queries.subarray(0, d));
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = queries.subarray(i * d, (i + 1) * d);
    const t0 = performance.now();
    await search(q);
    samples.push(performance.now() - t0);
  }
  return { medianMs: percentile(samples, 50), p99Ms: percentile(samples, 99), queries: n };
}

/** Exact top-10 over n random unit vectors of width d on the current backend. */
export async function exactLatency(n: number, d: number, queries = 100): Promise<Latency> {
  const index = new ExactVectorIndex(d);
  index.add(
    Array.from({ length: n }, (_, i) => String(i)),
    randomUnitRows(n, d, 1),
  );
  try {
    return await queryLatency((q) => index.search(q, 10), randomUnitRows(queries, d, 2), d);
  } finally {
    index.dispose();
  }
}

/** Documents per second of SearchIndex.build (embedding included) with `embedder`. */
export async function buildThroughput(embedder: Embedder, texts: readonly string[]): Promise<number> {
  // Warm-up: the first batch compiles kernels / fills pools.
  await SearchIndex.build(
    texts.slice(0, 64).map((text, i) => ({ id: String(i), text })),
    { embedder, batchSize: 64 },
  ).then(({ index }) => index.dispose());
  const t0 = performance.now();
  const { index } = await SearchIndex.build(
    texts.map((text, i) => ({ id: String(i), text })),
    { embedder, batchSize: 64 },
  );
  const seconds = (performance.now() - t0) / 1000;
  index.dispose();
  return texts.length / seconds;
}

export interface ApproximateFigures {
  n: number;
  d: number;
  buildSeconds: number;
  recallAt10: number;
  hnsw: Latency;
  exact: Latency;
}

/** HNSW (usearch, M 16, efConstruction 128, ef 64) against exact search over n random unit vectors. */
export async function approximateFigures(n: number, d: number, queries = 100): Promise<ApproximateFigures> {
  const data = randomUnitRows(n, d, 3);
  const ids = Array.from({ length: n }, (_, i) => String(i));
  const probe = randomUnitRows(queries, d, 4);
  const exact = new ExactVectorIndex(d);
  exact.add(ids, data);
  const hnsw = await HnswVectorIndex.create(d, { expansionSearch: 64 });
  const t0 = performance.now();
  hnsw.add(ids, data);
  const buildSeconds = (performance.now() - t0) / 1000;
  try {
    const truth = await exact.search(probe, 10);
    const found = await hnsw.search(probe, 10);
    return {
      n,
      d,
      buildSeconds,
      recallAt10: recallAtK(truth, found),
      hnsw: await queryLatency((q) => hnsw.search(q, 10), probe, d),
      exact: await queryLatency(
        (q) => exact.search(q, 10),
        probe.subarray(0, Math.min(queries, 20) * d),
        d,
        1,
      ),
    };
  } finally {
    exact.dispose();
    hnsw.dispose();
  }
}

// Search speed: exact top-10 latency over random unit vectors (10k and 100k documents) on a
// backend (exact search costs the same whatever the vectors hold), and index build
// throughput with the embedding model. The approximate index, whose quality does depend on
// the vectors, is ./ann.ts's.
import { performance } from 'node:perf_hooks';
import { type Embedder, ExactVectorIndex, normalizeRows, SearchIndex } from '../src/index.js';
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

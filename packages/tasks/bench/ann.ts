// The approximate index at scale, on vectors shaped like real ones: every sentence in
// ../shared/data (SST-2 train + validation phrases, rt-polarity, STS-B dev, tiny
// Shakespeare's lines; ≈ 110k after removing duplicates) embedded by the search model,
// then grown to n vectors by noisy copies around them (a copy = normalise(v + σ·z), z
// standard normal, σ·√d = the median distance from a real vector to its nearest real
// neighbour, so copies sit at the data's own local scale and never outnumber structure
// with noise). Queries: GLUE SST-2 dev sentences (held out of the base), embedded by the
// same model. Uniform random vectors, the old bench, are HNSW's worst case and say little
// about real embeddings. The embeddings are cached by model fingerprint under
// <repo>/runs/bench-cache (gitignored), since embedding 110k sentences takes minutes.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { seededRandom } from '@tensorlm/tensor-core/testing';
import {
  type Embedder,
  ExactVectorIndex,
  embedInBatches,
  HnswVectorIndex,
  normalizeRows,
  recallAtK,
} from '../src/index.js';
import { type Latency, queryLatency } from './speed.js';
import { percentile } from './stats.js';

const BASE_FILES: { path: string; kind: 'tsv' | 'lines' }[] = [
  { path: 'sst2/train.tsv', kind: 'tsv' },
  { path: 'sst2/validation.tsv', kind: 'tsv' },
  { path: 'rt-polarity/rt-polarity.pos', kind: 'lines' },
  { path: 'rt-polarity/rt-polarity.neg', kind: 'lines' },
  { path: 'stsb/dev.tsv', kind: 'tsv' },
  { path: 'tinyshakespeare/input.txt', kind: 'lines' },
];

async function sentencesOf(data: string, path: string, kind: 'tsv' | 'lines'): Promise<string[]> {
  const lines = (await readFile(join(data, path), 'utf8')).split('\n');
  if (kind === 'lines') return lines.map((l) => l.trim()).filter((l) => l !== '');
  if (path.startsWith('stsb/'))
    return lines.slice(1).flatMap((l) => {
      const f = l.split('\t');
      return f.length > 8 ? [f[7]!, f[8]!] : [];
    });
  return lines
    .slice(1)
    .map((l) => l.split('\t')[0]!.trim())
    .filter((l) => l !== '');
}

export interface RealVectors {
  /** Unit rows, (n, d). */
  base: Float32Array;
  queries: Float32Array;
  d: number;
  sentences: number;
  cached: boolean;
}

/** The base sentences' and the query sentences' vectors, from the cache when the model matches. */
export async function realVectors(
  data: string,
  embedder: Embedder,
  cacheDir: string,
  queryCount = 100,
): Promise<RealVectors> {
  const seen = new Set<string>();
  const base: string[] = [];
  for (const { path, kind } of BASE_FILES)
    for (const s of await sentencesOf(data, path, kind)) {
      const key = s.toLowerCase();
      if (!seen.has(key)) {
        seen.add(key);
        base.push(s);
      }
    }
  const queries = (await sentencesOf(data, 'sst2/glue_dev.tsv', 'tsv')).slice(0, queryCount);
  const cache = join(cacheDir, `ann-${embedder.identity.fingerprint.slice(0, 16)}-${base.length}.f32`);
  const q = await embedInBatches(embedder, queries, { batchSize: 128 });
  if (existsSync(cache)) {
    const bytes = await readFile(cache);
    const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    if (vectors.length === base.length * q.dimension)
      return { base: vectors, queries: q.data, d: q.dimension, sentences: base.length, cached: true };
  }
  const b = await embedInBatches(embedder, base, {
    batchSize: 256,
    onProgress: ({ done, total }) => {
      if (done % 10240 < 256) process.stdout.write(`\rembedding ${done}/${total} sentences`);
    },
  });
  process.stdout.write('\n');
  await mkdir(cacheDir, { recursive: true });
  await writeFile(cache, new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength));
  return { base: b.data, queries: q.data, d: q.dimension, sentences: base.length, cached: false };
}

/** Median Euclidean distance from `sample` base rows to their nearest other base row (exact). */
export async function medianNearestDistance(base: Float32Array, d: number, sample = 500): Promise<number> {
  const n = base.length / d;
  const index = new ExactVectorIndex(d);
  index.add(
    Array.from({ length: n }, (_, i) => String(i)),
    base,
  );
  try {
    const step = Math.max(1, Math.floor(n / sample));
    const rows: number[] = [];
    for (let i = 0; i < n && rows.length < sample; i += step) rows.push(i);
    const probe = new Float32Array(rows.length * d);
    for (const [j, r] of rows.entries()) probe.set(base.subarray(r * d, (r + 1) * d), j * d);
    const hits = await index.search(probe, 2);
    // The nearest other row: skip the row itself (cosine 1); unit rows: ‖a − b‖ = √(2 − 2 cos).
    const distances = hits.map((h, j) => {
      const other = h.find((x) => x.id !== String(rows[j])) ?? h[0]!;
      return Math.sqrt(Math.max(0, 2 - 2 * other.score));
    });
    return percentile(distances, 50);
  } finally {
    index.dispose();
  }
}

/** n unit rows: the base rows, then noisy copies of them in turn (σ per coordinate). */
export function growAround(base: Float32Array, d: number, n: number, sigma: number, seed = 5): Float32Array {
  const nBase = base.length / d;
  const out = new Float32Array(n * d);
  out.set(base.subarray(0, Math.min(n, nBase) * d));
  const random = seededRandom(seed);
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  for (let i = nBase; i < n; i++) {
    const src = (i % nBase) * d;
    for (let j = 0; j < d; j++) out[i * d + j] = base[src + j]! + sigma * normal();
  }
  if (n > nBase) normalizeRows(out.subarray(nBase * d), d);
  return out;
}

export interface HnswBuild {
  connectivity: number;
  expansionAdd: number;
}

export interface HnswFigures extends HnswBuild {
  buildSeconds: number;
  /** Per search breadth ef: recall@10 against exact search and per-query latency. */
  searches: { ef: number; recallAt10: number; latency: Latency }[];
}

export interface ApproximateFigures {
  n: number;
  d: number;
  exact: Latency;
  hnsw: HnswFigures[];
}

/**
 * Each HNSW build against exact search over `data`, queried by `queries` with each search
 * breadth in `efs`. usearch searches with max(ef, k) candidates, so ef is varied on one
 * graph by asking for the top ef and keeping the first 10.
 */
export async function approximateFigures(
  data: Float32Array,
  queries: Float32Array,
  d: number,
  builds: readonly HnswBuild[],
  efs: readonly number[],
): Promise<ApproximateFigures> {
  const n = data.length / d;
  const ids = Array.from({ length: n }, (_, i) => String(i));
  const exact = new ExactVectorIndex(d);
  exact.add(ids, data);
  let truth: Awaited<ReturnType<ExactVectorIndex['search']>>;
  let exactLatency: Latency;
  try {
    truth = await exact.search(queries, 10);
    exactLatency = await queryLatency(
      (q) => exact.search(q, 10),
      queries.subarray(0, Math.min(queries.length / d, 30) * d),
      d,
      1,
    );
  } finally {
    exact.dispose();
  }
  const hnsw: HnswFigures[] = [];
  for (const build of builds) {
    const index = await HnswVectorIndex.create(d, { ...build, expansionSearch: Math.min(...efs) });
    try {
      const t0 = performance.now();
      index.add(ids, data);
      const buildSeconds = (performance.now() - t0) / 1000;
      const searches: HnswFigures['searches'] = [];
      for (const ef of efs) {
        const top10 = async (q: Float32Array) =>
          (await index.search(q, Math.max(10, ef))).map((hits) => hits.slice(0, 10));
        searches.push({
          ef,
          recallAt10: recallAtK(truth, await top10(queries)),
          latency: await queryLatency(top10, queries, d),
        });
      }
      hnsw.push({ ...build, buildSeconds, searches });
    } finally {
      index.dispose();
    }
  }
  return { n, d, exact: exactLatency, hnsw };
}

// A small k-means (Lloyd's algorithm with k-means++ seeding and several seeded restarts,
// keeping the lowest inertia, as scikit-learn's KMeans), in f64 on the host. Used to look
// at what a model learned: clustering the token embeddings of the toy grammar should put
// words of one part of speech together.
import { rng } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { parseWith, TrainerError } from '../errors.js';
import { deriveIntSeed } from '../util/seed.js';

const optionsSchema = z
  .object({
    k: z.number().int().positive(),
    seed: z.number().int().nonnegative().default(0),
    /** Restarts from different seeds; the best (lowest inertia) wins. */
    nInit: z.number().int().positive().default(10),
    maxIter: z.number().int().positive().default(300),
  })
  .strict();

export type KMeansOptions = z.input<typeof optionsSchema>;

export interface KMeansResult {
  /** Cluster of each point, 0…k−1. */
  labels: number[];
  centroids: number[][];
  /** Sum of squared distances of points to their centroid. */
  inertia: number;
  /** Lloyd iterations of the winning restart. */
  iterations: number;
}

function dist2(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Uniform [0, 1) draws from the counter-based stream of `seed`. */
function stream(seed: number): () => number {
  const key = rng.keyFromSeed(seed);
  let counter = 0;
  return () => rng.uniformAt(key, counter++);
}

function plusPlusInit(points: readonly number[][], k: number, next: () => number): number[][] {
  const centroids = [[...points[Math.floor(next() * points.length)]!]];
  const d = points.map((p) => dist2(p, centroids[0]!));
  while (centroids.length < k) {
    const total = d.reduce((a, b) => a + b, 0);
    let chosen = points.length - 1;
    if (total > 0) {
      let u = next() * total;
      for (let i = 0; i < points.length; i++) {
        u -= d[i]!;
        if (u < 0) {
          chosen = i;
          break;
        }
      }
    } else {
      chosen = Math.floor(next() * points.length);
    }
    const c = [...points[chosen]!];
    centroids.push(c);
    points.forEach((p, i) => {
      d[i] = Math.min(d[i]!, dist2(p, c));
    });
  }
  return centroids;
}

function lloyd(points: readonly number[][], centroids: number[][], maxIter: number): KMeansResult {
  const k = centroids.length;
  const dim = points[0]!.length;
  const labels = new Array<number>(points.length).fill(-1);
  let iterations = 0;
  for (; iterations < maxIter; iterations++) {
    let changed = false;
    points.forEach((p, i) => {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      centroids.forEach((c, j) => {
        const dd = dist2(p, c);
        if (dd < bestD) {
          bestD = dd;
          best = j;
        }
      });
      if (labels[i] !== best) {
        labels[i] = best;
        changed = true;
      }
    });
    if (!changed) break;
    const sums = Array.from({ length: k }, () => new Array<number>(dim).fill(0));
    const counts = new Array<number>(k).fill(0);
    points.forEach((p, i) => {
      const l = labels[i]!;
      counts[l]!++;
      for (let d = 0; d < dim; d++) sums[l]![d]! += p[d]!;
    });
    // An empty cluster keeps its centroid (it may win points back next round).
    centroids = centroids.map((c, j) => (counts[j]! > 0 ? sums[j]!.map((s) => s / counts[j]!) : c));
  }
  const inertia = points.reduce((s, p, i) => s + dist2(p, centroids[labels[i]!]!), 0);
  return { labels, centroids, inertia, iterations };
}

/** Clusters `points` (rows of equal length) into k groups. */
export function kmeans(points: readonly ArrayLike<number>[], options: KMeansOptions): KMeansResult {
  const o = parseWith(optionsSchema, options, 'kmeans options');
  if (!Array.isArray(points) || points.length === 0)
    throw new TrainerError('kmeans: points must be a non-empty list of rows');
  const rows = points.map((p) => Array.from(p, Number));
  const dim = rows[0]!.length;
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new TrainerError(`kmeans: row ${i} has ${r.length} values, row 0 has ${dim}`);
    if (r.some((v) => !Number.isFinite(v))) throw new TrainerError(`kmeans: row ${i} has a non-finite value`);
  });
  if (o.k > rows.length)
    throw new TrainerError(`kmeans: k (${o.k}) is larger than the number of points (${rows.length})`);
  let best: KMeansResult | null = null;
  for (let run = 0; run < o.nInit; run++) {
    const next = stream(deriveIntSeed(o.seed, 'kmeans', run));
    const result = lloyd(rows, plusPlusInit(rows, o.k, next), o.maxIter);
    if (!best || result.inertia < best.inertia - 1e-12) best = result;
  }
  return best!;
}

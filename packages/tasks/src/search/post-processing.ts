// Post-processing of sentence vectors, fitted on the indexed corpus without labels and
// stored with the index so queries get the same transform. Mean-pooled vectors of a
// small or language-model-trained encoder are anisotropic: they share one dominant
// direction (every pair of review sentences has a cosine near 0.99 with the review LMs),
// so cosine ranks by that shared part rather than by meaning.
//   center  subtract the corpus mean (the common component).
//   whiten  BERT-whitening (Su et al. 2021): x ↦ (x − μ)·U·Λ^(−1/2), with U Λ Uᵀ the
//           corpus covariance; optionally only the top `dims` components are kept. The
//           fitted corpus then has identity covariance, so no direction dominates.
// Rows are L2-normalised after the transform (the vector indexes compare unit rows).
// Components whose variance is below 1e-6 of the largest (a corpus with fewer documents
// than dimensions, or constant coordinates) are dropped: scaling noise up by 1/√λ → ∞
// would make them dominate.
import { matmul, noGrad, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { normalizeRows } from './embedder.js';
import { SearchError } from './errors.js';
import { symmetricEigen } from './symmetric-eigen.js';

export const POST_PROCESSINGS = ['none', 'center', 'whiten'] as const;
export type PostProcessingKind = (typeof POST_PROCESSINGS)[number];

export const postProcessingSchema = z.union([
  z.enum(POST_PROCESSINGS),
  z.strictObject({
    kind: z.literal('whiten'),
    /** Keep the `dims` components of largest variance (default: all that are not degenerate). */
    dims: z.number().int().positive().optional(),
  }),
]);
/** 'none', 'center', 'whiten' or { kind: 'whiten', dims }. */
export type PostProcessing = z.infer<typeof postProcessingSchema>;

/** A fitted transform: y = normalise((x − mean) · matrix), matrix (inputDimension × outputDimension). */
export interface VectorTransform {
  kind: 'center' | 'whiten';
  inputDimension: number;
  outputDimension: number;
  /** The fitted corpus's mean (inputDimension). */
  mean: Float32Array;
  /** Row-major inputDimension × outputDimension; null for 'center' (the identity). */
  matrix: Float32Array | null;
  /** How many vectors it was fitted on. */
  fittedOn: number;
}

/** Relative variance below which a whitening component counts as degenerate. */
const DEGENERATE = 1e-6;

/**
 * Fits a transform on `data` (row-major n × dimension). Returns null for 'none'. Needs at
 * least two vectors; whitening keeps at most n − 1 components (the covariance's rank).
 */
export function fitVectorTransform(
  data: Float32Array,
  dimension: number,
  postProcessing: PostProcessing,
): VectorTransform | null {
  const parsed = postProcessingSchema.safeParse(postProcessing);
  if (!parsed.success)
    throw new SearchError(
      'SEARCH_INVALID',
      `post-processing must be 'none', 'center', 'whiten' or { kind: 'whiten', dims }, got ${JSON.stringify(postProcessing)}`,
    );
  const spec = parsed.data;
  const kind = typeof spec === 'string' ? spec : spec.kind;
  if (kind === 'none') return null;
  const n = dimension > 0 ? data.length / dimension : 0;
  if (!Number.isInteger(n) || n < 2)
    throw new SearchError(
      'SEARCH_INVALID',
      `fitting '${kind}' post-processing needs at least 2 vectors of width ${dimension}, got ${data.length} values`,
    );
  const mean = new Float64Array(dimension);
  for (let r = 0; r < n; r++) for (let j = 0; j < dimension; j++) mean[j]! += data[r * dimension + j]!;
  for (let j = 0; j < dimension; j++) mean[j]! /= n;
  if (kind === 'center')
    return {
      kind,
      inputDimension: dimension,
      outputDimension: dimension,
      mean: Float32Array.from(mean),
      matrix: null,
      fittedOn: n,
    };
  const { values, vectors } = symmetricEigen(covariance(data, dimension, mean), dimension);
  // Largest variance first.
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!);
  const largest = Math.max(values[order[0]!]!, 0);
  const usable = order.filter((c) => values[c]! > largest * DEGENERATE && values[c]! > 0);
  const wanted =
    typeof spec === 'string' ? usable.length : Math.min(spec.dims ?? usable.length, usable.length);
  if (wanted === 0)
    throw new SearchError(
      'SEARCH_INVALID',
      `cannot whiten: the ${n} vectors do not vary (all equal); use 'center' or 'none'`,
    );
  const kept = usable.slice(0, wanted);
  const matrix = new Float32Array(dimension * kept.length);
  kept.forEach((c, k) => {
    const scale = 1 / Math.sqrt(values[c]!);
    for (let i = 0; i < dimension; i++) matrix[i * kept.length + k] = vectors[i * dimension + c]! * scale;
  });
  return {
    kind,
    inputDimension: dimension,
    outputDimension: kept.length,
    mean: Float32Array.from(mean),
    matrix,
    fittedOn: n,
  };
}

/** Sample covariance (divided by n − 1), row-major dimension × dimension, in f64. */
function covariance(data: Float32Array, d: number, mean: Float64Array): Float64Array {
  const n = data.length / d;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) row[j] = data[r * d + j]! - mean[j]!;
    for (let i = 0; i < d; i++) {
      const ri = row[i]!;
      if (ri === 0) continue;
      const base = i * d;
      for (let j = i; j < d; j++) cov[base + j]! += ri * row[j]!;
    }
  }
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      const v = cov[i * d + j]! / (n - 1);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  return cov;
}

/** Rows per matmul when applying a transform (bounds the device memory it takes). */
const APPLY_ROWS = 8192;

/**
 * Applies `transform` to row-major vectors (n × inputDimension), returning unit rows
 * (n × outputDimension; `normalize: false` keeps their length); the projection runs as
 * matmuls on the current backend.
 */
export async function applyVectorTransform(
  transform: VectorTransform,
  data: Float32Array,
  options: { normalize?: boolean } = {},
): Promise<Float32Array> {
  const d = transform.inputDimension;
  const k = transform.outputDimension;
  if (data.length % d !== 0)
    throw new SearchError(
      'SEARCH_EMBEDDER',
      `the post-processing was fitted on vectors of width ${d}; got ${data.length} values, not a multiple of it`,
    );
  const n = data.length / d;
  const centered = new Float32Array(data.length);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < d; j++) centered[r * d + j] = data[r * d + j]! - transform.mean[j]!;
  let out = centered;
  if (transform.matrix) {
    out = new Float32Array(n * k);
    const projection = tensor(transform.matrix, [d, k]);
    try {
      for (let start = 0; start < n; start += APPLY_ROWS) {
        const rows = Math.min(APPLY_ROWS, n - start);
        const product: Tensor = tidy(() =>
          noGrad(() =>
            matmul(tensor(centered.subarray(start * d, (start + rows) * d), [rows, d]), projection),
          ),
        );
        try {
          out.set((await product.data()) as Float32Array, start * k);
        } finally {
          product.dispose();
        }
      }
    } finally {
      projection.dispose();
    }
  }
  if (options.normalize ?? true) normalizeRows(out, k);
  return out;
}

/** What the manifest records of a transform (its tensors go in the vectors file). */
export const transformRecordSchema = z.strictObject({
  kind: z.enum(['center', 'whiten']),
  inputDimension: z.number().int().positive(),
  outputDimension: z.number().int().positive(),
  fittedOn: z.number().int().min(2),
});
export type TransformRecord = z.infer<typeof transformRecordSchema>;

export function transformRecord(t: VectorTransform): TransformRecord {
  return {
    kind: t.kind,
    inputDimension: t.inputDimension,
    outputDimension: t.outputDimension,
    fittedOn: t.fittedOn,
  };
}

/** A short description for people: "whitening (128 → 96 dims, fitted on 3,000 documents)". */
export function describeTransform(t: VectorTransform | null): string {
  if (!t) return 'none';
  const fitted = `fitted on ${t.fittedOn.toLocaleString('en-US')} documents`;
  return t.kind === 'center'
    ? `centering (${fitted})`
    : `whitening (${t.inputDimension} → ${t.outputDimension} dims, ${fitted})`;
}

// Principal component analysis of a few dozen embedding rows onto two axes: the rows are
// centred, the covariance matrix formed, and its two leading eigenvectors found by power
// iteration with deflation — exact enough for a picture, and small (d ≤ 256, n ≤ 100).

export interface Projection {
  /** [x, y] per row. */
  points: [number, number][];
  /** Share of the total variance along each axis (0…1). */
  explained: [number, number];
}

/** The leading eigenvector of the symmetric `cov` from `seedVector` (unit length); `scale`: the total variance. */
function powerIteration(
  cov: Float64Array,
  d: number,
  seedVector: Float64Array,
  scale: number,
): { vector: Float64Array; value: number } {
  let v = seedVector;
  let value = 0;
  for (let iter = 0; iter < 500; iter++) {
    const next = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += cov[i * d + j]! * v[j]!;
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    // Nothing left along any axis (rounding noise only): the start vector will do.
    if (norm <= 1e-12 * scale) return { vector: v, value: 0 };
    for (let i = 0; i < d; i++) next[i]! /= norm;
    let change = 0;
    for (let i = 0; i < d; i++) change = Math.max(change, Math.abs(Math.abs(next[i]!) - Math.abs(v[i]!)));
    v = next;
    value = norm;
    if (change < 1e-10) break;
  }
  return { vector: v, value };
}

/** Projects `rows` (each of the same length) onto their two principal axes. */
export function pca2(rows: readonly ArrayLike<number>[]): Projection {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  if (n === 0 || d === 0) return { points: [], explained: [0, 0] };
  const mean = new Float64Array(d);
  for (const row of rows) for (let j = 0; j < d; j++) mean[j]! += row[j]! / n;
  const centred = rows.map((row) => Float64Array.from({ length: d }, (_, j) => row[j]! - mean[j]!));
  const cov = new Float64Array(d * d);
  for (const row of centred) {
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j]! += (row[i]! * row[j]!) / n;
  }
  let trace = 0;
  for (let i = 0; i < d; i++) trace += cov[i * d + i]!;
  // A fixed, non-symmetric start vector: deterministic and unlikely to be orthogonal to the top axis.
  const start = Float64Array.from({ length: d }, (_, i) => 1 + i / d);
  const first = powerIteration(cov, d, start, trace);
  const deflated = cov.slice();
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) deflated[i * d + j]! -= first.value * first.vector[i]! * first.vector[j]!;
  // The second start vector, orthogonal to the first axis: when no variance is left, it is the axis.
  const start2 = Float64Array.from({ length: d }, (_, i) => (i % 2 ? 1 : -1) * (1 + i / d));
  const along = start2.reduce((s, x, i) => s + x * first.vector[i]!, 0);
  for (let i = 0; i < d; i++) start2[i]! -= along * first.vector[i]!;
  const length = Math.hypot(...start2);
  for (let i = 0; i < d; i++) start2[i]! /= length || 1;
  const second = powerIteration(deflated, d, start2, trace);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  return {
    points: centred.map((row) => [dot(row, first.vector), dot(row, second.vector)]),
    explained: trace > 0 ? [first.value / trace, second.value / trace] : [0, 0],
  };
}

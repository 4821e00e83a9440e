// Post-processing against hand-computed values and its defining properties: whitened
// vectors of the fitted set have zero mean and identity covariance; a 2-D example worked
// by hand; centering subtracts the mean; degenerate directions are dropped; the
// eigen-decomposition reconstructs its matrix with orthonormal vectors.
import '@tensorlm/backend-cpu';
import { setBackend } from '@tensorlm/tensor-core';
import { seededRandom } from '@tensorlm/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyVectorTransform, describeTransform, fitVectorTransform } from './post-processing.js';
import { symmetricEigen } from './symmetric-eigen.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** n rows of width d, correlated: a random mixing of independent coordinates plus an offset. */
function correlated(n: number, d: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const mix = Array.from({ length: d * d }, () => rand() * 2 - 1);
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    const z = Array.from({ length: d }, (_, j) => (rand() * 2 - 1) * (j + 1));
    for (let i = 0; i < d; i++) {
      let v = 5 + i; // the common offset anisotropy comes from
      for (let j = 0; j < d; j++) v += mix[i * d + j]! * z[j]!;
      out[r * d + i] = v;
    }
  }
  return out;
}

function meanAndCovariance(data: Float32Array, d: number) {
  const n = data.length / d;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j]! += data[r * d + j]! / n;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++)
        cov[i * d + j]! += ((data[r * d + i]! - mean[i]!) * (data[r * d + j]! - mean[j]!)) / (n - 1);
  return { mean, cov };
}

const cosine = (v: Float32Array, a: number, b: number, d: number) => {
  let dot = 0;
  for (let j = 0; j < d; j++) dot += v[a * d + j]! * v[b * d + j]!;
  return dot;
};

describe('symmetricEigen', () => {
  it('finds the eigenpairs of [[2, 1], [1, 2]] (3 along (1, 1), 1 along (1, −1))', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 12);
    expect(values[1]).toBeCloseTo(3, 12);
    // Column 1 ∥ (1, 1)/√2, column 0 ∥ (1, −1)/√2 (up to sign).
    expect(Math.abs(vectors[0 * 2 + 1]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0 * 2 + 1]! * vectors[1 * 2 + 1]!).toBeCloseTo(0.5, 12);
    expect(vectors[0 * 2 + 0]! * vectors[1 * 2 + 0]!).toBeCloseTo(-0.5, 12);
  });

  it('reconstructs a random symmetric 12 × 12 matrix as V Λ Vᵀ with Vᵀ V = I', () => {
    const d = 12;
    const rand = seededRandom(3);
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) a[i * d + j] = a[j * d + i] = rand() * 2 - 1;
    const { values, vectors } = symmetricEigen(a, d);
    for (let i = 1; i < d; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let rebuilt = 0;
        let gram = 0;
        for (let c = 0; c < d; c++) {
          rebuilt += vectors[i * d + c]! * values[c]! * vectors[j * d + c]!;
          gram += vectors[c * d + i]! * vectors[c * d + j]!;
        }
        expect(rebuilt).toBeCloseTo(a[i * d + j]!, 10);
        expect(gram).toBeCloseTo(i === j ? 1 : 0, 10);
      }
  });
});

describe('fitVectorTransform / applyVectorTransform', () => {
  it('whitens the fitted set to zero mean and identity covariance', async () => {
    const d = 6;
    const data = correlated(400, d, 11);
    const t = fitVectorTransform(data, d, 'whiten')!;
    expect(t.outputDimension).toBe(d);
    const out = await applyVectorTransform(t, data, { normalize: false });
    const { mean, cov } = meanAndCovariance(out, d);
    for (let i = 0; i < d; i++) {
      expect(mean[i]!).toBeCloseTo(0, 4);
      for (let j = 0; j < d; j++) expect(cov[i * d + j]!).toBeCloseTo(i === j ? 1 : 0, 4);
    }
  });

  it('keeps the top `dims` components: identity covariance in fewer dimensions', async () => {
    const d = 6;
    const data = correlated(400, d, 12);
    const t = fitVectorTransform(data, d, { kind: 'whiten', dims: 3 })!;
    expect([t.inputDimension, t.outputDimension]).toEqual([6, 3]);
    const out = await applyVectorTransform(t, data, { normalize: false });
    const { cov } = meanAndCovariance(out, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect(cov[i * 3 + j]!).toBeCloseTo(i === j ? 1 : 0, 4);
  });

  it('matches a 2-D example worked by hand', async () => {
    // Points (2, 1), (−2, −1), (1, 2), (−1, −2): mean 0, covariance [[10, 8], [8, 10]] / 3,
    // eigenvalues 6 along (1, 1)/√2 and 2/3 along (1, −1)/√2. Whitened and normalised,
    // (1, 0) ↦ (1, 3)/√10 and (0, 1) ↦ (1, −3)/√10 (up to each axis's sign): their cosine
    // is (1 − 9)/10 = −0.8 where it was 0; (2, 1) and (1, 2) go from 0.8 to 0.
    const t = fitVectorTransform(new Float32Array([2, 1, -2, -1, 1, 2, -1, -2]), 2, 'whiten')!;
    expect(Array.from(t.mean)).toEqual([0, 0]);
    const out = await applyVectorTransform(t, new Float32Array([1, 0, 0, 1, 2, 1, 1, 2]));
    expect(cosine(out, 0, 1, 2)).toBeCloseTo(-0.8, 6);
    expect(cosine(out, 2, 3, 2)).toBeCloseTo(0, 6);
    // The larger-variance axis comes first: |first coordinate| of (1, 0) is 1/√10.
    expect(Math.abs(out[0]!)).toBeCloseTo(1 / Math.sqrt(10), 6);
    expect(Math.abs(out[1]!)).toBeCloseTo(3 / Math.sqrt(10), 6);
  });

  it('centers by the fitted mean: (3, 1) and (1, 3) around mean (2, 2) become opposite', async () => {
    const t = fitVectorTransform(new Float32Array([3, 1, 1, 3, 2, 2, 2, 2]), 2, 'center')!;
    expect(t.kind).toBe('center');
    expect(Array.from(t.mean)).toEqual([2, 2]);
    expect(t.matrix).toBeNull();
    const out = await applyVectorTransform(t, new Float32Array([3, 1, 1, 3]));
    const h = Math.SQRT1_2;
    expect(Array.from(out)).toEqual([h, -h, -h, h].map((v) => expect.closeTo(v, 6)));
    expect(describeTransform(t)).toBe('centering (fitted on 4 documents)');
  });

  it("returns null for 'none' and refuses fewer than 2 vectors or a bad option", () => {
    expect(fitVectorTransform(new Float32Array([1, 2]), 2, 'none')).toBeNull();
    expect(() => fitVectorTransform(new Float32Array([1, 2]), 2, 'whiten')).toThrow(/at least 2 vectors/);
    // @ts-expect-error: not a post-processing
    expect(() => fitVectorTransform(new Float32Array(4), 2, 'pca')).toThrow(/post-processing must be/);
  });

  it('drops directions without variance (fewer documents than dimensions)', async () => {
    // 3 points in 4-D span a plane: the covariance has rank 2, so 2 components are kept.
    const data = new Float32Array([1, 0, 0, 7, 0, 1, 0, 7, 0, 0, 1, 7]);
    const t = fitVectorTransform(data, 4, 'whiten')!;
    expect(t.outputDimension).toBe(2);
    const out = await applyVectorTransform(t, data);
    for (const v of out) expect(Number.isFinite(v)).toBe(true);
    expect(() => fitVectorTransform(new Float32Array([1, 1, 1, 1]), 2, 'whiten')).toThrow(/do not vary/);
  });
});

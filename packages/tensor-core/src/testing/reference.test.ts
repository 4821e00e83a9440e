// The conformance suite's f64 reference checked against values worked out by hand (or
// closed forms), so the oracle every backend is compared with is itself tested — here,
// in tensor-core, with no backend at all.
import { describe, expect, it } from 'vitest';
import * as R from './reference.js';

const close = (actual: ArrayLike<number>, expected: readonly number[], digits = 12) => {
  expect(actual.length).toBe(expected.length);
  for (const [i, e] of expected.entries()) expect(actual[i]).toBeCloseTo(e, digits);
};

describe('f64 reference: hand-computed values', () => {
  it('matmul: [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]], batch dims broadcast', () => {
    const a = R.nd([2, 2], [1, 2, 3, 4]);
    const b = R.nd([2, 2], [5, 6, 7, 8]);
    expect(R.matmul(a, b)).toEqual(R.nd([2, 2], [19, 22, 43, 50]));
    const batched = R.matmul(R.nd([2, 1, 2], [1, 0, 0, 1]), b); // rows e1 and e2 of b
    expect(batched.shape).toEqual([2, 1, 2]);
    close(batched.data, [5, 6, 7, 8]);
  });

  it('reductions along axes: sum [[1,2,3],[4,5,6]]', () => {
    const x = R.nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(R.sum(x, [0])).toEqual(R.nd([3], [5, 7, 9]));
    expect(R.sum(x, [1], true)).toEqual(R.nd([2, 1], [6, 15]));
    expect(R.mean(x).data[0]).toBe(3.5);
    expect(R.argReduce(x, 1, (v, best) => v > best).data).toEqual(Float64Array.from([2, 2]));
  });

  it('softmax([0, ln 3]) = [1/4, 3/4], and log-softmax its log', () => {
    const x = R.nd([1, 2], [0, Math.log(3)]);
    close(R.softmax(x).data, [0.25, 0.75]);
    close(R.softmax(x, -1, true).data, [Math.log(0.25), Math.log(0.75)]);
  });

  it('layerNorm([1,2,3]): mean 2, variance 2/3 → ±√1.5', () => {
    const out = R.layerNorm(R.nd([1, 3], [1, 2, 3]), 3, null, null, 0);
    close(out.data, [-Math.sqrt(1.5), 0, Math.sqrt(1.5)]);
    const affine = R.layerNorm(R.nd([1, 3], [1, 2, 3]), 3, R.nd([3], [2, 2, 2]), R.nd([3], [1, 1, 1]), 0);
    close(affine.data, [1 - 2 * Math.sqrt(1.5), 1, 1 + 2 * Math.sqrt(1.5)]);
  });

  it('cross-entropy rows: −log p(target), 0 for the ignored index', () => {
    const logits = R.nd([3, 2], [0, Math.log(3), 0, Math.log(3), 5, 5]);
    close(R.crossEntropyRows(logits, [1, 0, -100], -100), [-Math.log(0.75), -Math.log(0.25), 0]);
  });

  it('erf and GELU at tabulated points', () => {
    // erf values from Abramowitz & Stegun table 7.1 (and erf(−x) = −erf(x)).
    close(
      [R.erf(0), R.erf(0.5), R.erf(1), R.erf(-1), R.erf(2)],
      [0, 0.5204998778, 0.8427007929, -0.8427007929, 0.995322265],
      9,
    );
    expect(R.erf(3.5)).toBeCloseTo(0.999999257, 9);
    // GELU(1) = Φ(1) = 0.841344746; the tanh form 0.5·(1 + tanh(√(2/π)·1.044715)).
    expect(R.geluExact(1)).toBeCloseTo(0.841344746, 9);
    expect(R.geluTanh(1)).toBeCloseTo(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), 12);
    expect(R.geluExact(-3)).toBeCloseTo(-3 * (1 - 0.998650102), 8);
  });

  it('movement: permute, strided slice, concat, broadcasting zip', () => {
    const x = R.nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(R.permute(x, [1, 0])).toEqual(R.nd([3, 2], [1, 4, 2, 5, 3, 6]));
    expect(R.transposeLast(x)).toEqual(R.nd([3, 2], [1, 4, 2, 5, 3, 6]));
    expect(R.sliceAxis(R.nd([6], [0, 1, 2, 3, 4, 5]), 0, 1, 6, 2)).toEqual(R.nd([3], [1, 3, 5]));
    expect(R.concat([R.nd([1, 2], [1, 2]), R.nd([1, 2], [3, 4])], 0)).toEqual(R.nd([2, 2], [1, 2, 3, 4]));
    expect(R.concat([R.nd([1, 2], [1, 2]), R.nd([1, 1], [9])], 1)).toEqual(R.nd([1, 3], [1, 2, 9]));
    const sum = R.zip(R.nd([2, 1], [1, 2]), R.nd([3], [10, 20, 30]), (a, b) => a + b);
    expect(sum).toEqual(R.nd([2, 3], [11, 21, 31, 12, 22, 32]));
    expect(R.get(x, [1, 2])).toBe(6);
  });

  it('refuses shapes that do not fit', () => {
    expect(() => R.nd([2, 2], [1, 2, 3])).toThrow(/3 values for shape \[2,2\]/);
    expect(() => R.zip(R.nd([2], [1, 2]), R.nd([3], [1, 2, 3]), (a, b) => a + b)).toThrow(/cannot broadcast/);
  });
});

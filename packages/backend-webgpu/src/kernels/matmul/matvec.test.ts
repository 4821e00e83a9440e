// The vec4 matvec (skinny products of a decoding step) against the CPU backend, in
// every layout it takes — 1 to 4 rows, B and Bᵀ, a column count that is not a multiple
// of 4, batches with broadcasting — and beside the layouts it leaves to the
// per-element kernel.
import '@tensorlm/backend-cpu';
import { type Backend, initBackend, matmul, randn, type Tensor, toBackend } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../index.js';
import { fitsMatvec } from './matvec.js';
import { denseLayout } from './shaders.js';

let gpu: Backend;
let cpu: Backend;

beforeAll(async () => {
  gpu = await initBackend('webgpu');
  cpu = await initBackend('cpu');
});

async function agree(aShape: number[], bShape: number[], transposeB: boolean): Promise<void> {
  const a = randn(aShape, { seed: 1, backend: cpu });
  const b = randn(bShape, { seed: 2, backend: cpu });
  const expected: Tensor = matmul(a, b, { transposeB });
  const actual = matmul(await toBackend(a, gpu), await toBackend(b, gpu), { transposeB });
  expect(actual.shape).toEqual(expected.shape);
  const [x, y] = await Promise.all([actual.data(), expected.data()]);
  let worst = 0;
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(Number(x[i]) - Number(y[i])));
  expect(worst).toBeLessThan(1e-4);
}

describe('matvec', () => {
  it('takes skinny products whose offsets are whole vec4s, and leaves the rest', () => {
    const p = (m: number, n: number, k: number, transB = false) => ({
      transA: false,
      transB,
      m,
      n,
      k,
      batchShape: [],
      aBatchStrides: [],
      bBatchStrides: [],
    });
    expect(fitsMatvec(p(1, 2304, 768), denseLayout(p(1, 2304, 768)))).toBe(true);
    // The tied LM head: 50,257 columns of Bᵀ, read row by row.
    expect(fitsMatvec(p(1, 50_257, 768, true), denseLayout(p(1, 50_257, 768, true)))).toBe(true);
    expect(fitsMatvec(p(1, 50_257, 768), denseLayout(p(1, 50_257, 768)))).toBe(false);
    expect(fitsMatvec(p(1, 64, 30), denseLayout(p(1, 64, 30)))).toBe(false);
    expect(fitsMatvec(p(5, 64, 64), denseLayout(p(5, 64, 64)))).toBe(false);
  });

  it('agrees with the CPU backend for one row and several, through B and Bᵀ', async () => {
    for (const m of [1, 3]) {
      await agree([m, 64], [64, 40], false);
      await agree([m, 64], [37, 64], true);
    }
  });

  it('agrees in batches, broadcast and not (one query against a cache of keys)', async () => {
    await agree([3, 1, 64], [3, 64, 20], false);
    await agree([2, 12, 1, 64], [2, 12, 9, 64], true);
    await agree([2, 1, 32], [32, 16], false);
  });
});

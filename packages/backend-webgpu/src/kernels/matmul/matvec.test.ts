// The vec4 matvec (skinny products of a decoding step) against the CPU backend, in
// every layout it takes — 1 to 4 rows, B and Bᵀ, a column count that is not a multiple
// of 4, batches with broadcasting, B split into k-chunks (partial sums added by a second
// dispatch) or one chunk (written directly), GPT-2's weight shapes, and blocks of a B past
// a (test-capped) storage binding, which accumulate into C — and beside the layouts it
// leaves to the per-element kernel.
import '@tensorlm/backend-cpu';
import {
  type Backend,
  initBackend,
  matmul,
  randn,
  registerBackend,
  type Tensor,
  toBackend,
} from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebGPUBackend, type WebGPUBackend } from '../../index.js';
import { fitsMatvec, splitPlan } from './matvec.js';
import { denseLayout } from './shaders.js';

const SMALL_BINDINGS = 'webgpu-matvec-4KiB-bindings';
registerBackend({
  name: SMALL_BINDINGS,
  priority: 0,
  create: () => createWebGPUBackend({ maxBindingBytes: 4096 }),
});

let gpu: Backend;
let cpu: Backend;
let small: Backend;

beforeAll(async () => {
  gpu = await initBackend('webgpu');
  cpu = await initBackend('cpu');
  small = await initBackend(SMALL_BINDINGS);
});

async function agree(aShape: number[], bShape: number[], transposeB: boolean, on = gpu): Promise<void> {
  const a = randn(aShape, { seed: 1, backend: cpu });
  const b = randn(bShape, { seed: 2, backend: cpu });
  const expected: Tensor = matmul(a, b, { transposeB });
  const actual = matmul(await toBackend(a, on), await toBackend(b, on), { transposeB });
  expect(actual.shape).toEqual(expected.shape);
  const [x, y] = await Promise.all([actual.data(), expected.data()]);
  let worst = 0;
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(Number(x[i]) - Number(y[i])));
  // f32 sums in another order: the error grows with k (randn terms, |sum| ~ √k).
  const k = aShape.at(-1)!;
  expect(worst).toBeLessThan(1e-4 * Math.max(1, k / 64));
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

  it('splits B into k-chunks of whole vec4s, with enough workgroups for every core', () => {
    // GPT-2's c_attn, c_fc and the two c_proj: 3 column quads per thread fill whole groups.
    expect(splitPlan({ n: 2304, k: 768 })).toEqual({ chunk: 32, chunks: 24, quadsPerThread: 3, groups: 3 });
    expect(splitPlan({ n: 768, k: 3072 })).toEqual({ chunk: 64, chunks: 48, quadsPerThread: 3, groups: 1 });
    expect(splitPlan({ n: 3072, k: 768 }).groups * splitPlan({ n: 3072, k: 768 }).chunks).toBe(96);
    // A short k is one chunk: no partial sums.
    expect(splitPlan({ n: 64, k: 16 }).chunks).toBe(1);
    // Past 48 chunks the chunk grows, in whole vec4s.
    expect(splitPlan({ n: 64, k: 10_000 })).toMatchObject({ chunk: 212, chunks: 48 });
  });

  it('agrees through B in one chunk, in several, with 4 rows, and at GPT-2 weight shapes', async () => {
    await agree([1, 16], [16, 24], false); // one chunk: written directly
    await agree([4, 36], [36, 20], false); // two chunks, the last of 4 rows; 4 rows of A
    await agree([2, 200], [200, 1028], false); // columns past one workgroup's 768
    await agree([1, 768], [768, 2304], false);
    await agree([1, 3072], [3072, 768], false);
  });

  it('agrees when B is past one binding: blocks through windows, later k blocks adding to C', async () => {
    // 4 KiB bindings: B (96 × 40 floats, 15 KiB) is cut into blocks, some along k.
    await agree([1, 96], [96, 40], false, small);
    await agree([2, 96], [96, 40], false, small);
    await agree([1, 96], [40, 96], true, small);
    await agree([3, 1, 32], [3, 32, 40], false, small);
    // The blocks did run the split kernel, adding later k blocks to C.
    const keys = [...(small as WebGPUBackend).runtime.pipelines.keys()];
    expect(keys.some((key) => /^matvec:split.*:acc/.test(key))).toBe(true);
  });
});

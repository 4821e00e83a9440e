// Mesa llvmpipe stops any shader loop after 65,535 iterations without an error. A
// column sum over 70,000 rows done in one loop would silently come out as 65,535 there;
// the backend runs such reductions in passes under the limit (and declares the limit in
// its capabilities), so the answer is right on every adapter.
import '@tensorlm/backend-cpu';
import { argmax, initBackend, matmul, ones, randn, sum, tensor, toBackend } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import './index.js';

describe('loops past what the adapter runs', () => {
  it('a 70,000-row column sum is 70,000 everywhere, never 65,535', async () => {
    const gpu = await initBackend('webgpu');
    const x = ones([70_000, 3], { backend: gpu });
    expect(Array.from(await sum(x, 0).data())).toEqual([70_000, 70_000, 70_000]);
    // Callers plan around the limit through the capabilities, not the adapter's name.
    const device = gpu.describe().device;
    const software = /llvmpipe|lavapipe|softpipe|swiftshader/i.test(device);
    expect(gpu.capabilities).toMatchObject({ hostMemory: software, f16: false });
    expect(gpu.capabilities.maxLoopIterations).toBe(/llvmpipe/i.test(device) ? 65_535 : undefined);
  });

  it('a column argmax across passes keeps the first index of a tie', async () => {
    const gpu = await initBackend('webgpu');
    // Column 0: the maximum 2 at rows 3 and 69,000 (the first wins); column 1: at 68,000 only.
    const values = new Float32Array(70_000 * 2);
    values[3 * 2] = 2;
    values[69_000 * 2] = 2;
    values[68_000 * 2 + 1] = 5;
    const x = tensor(values, [70_000, 2], { backend: gpu });
    expect(Array.from(await argmax(x, 0).data())).toEqual([3, 68_000]);
  });

  it('a matmul over k = 70,000 agrees with the CPU backend', async () => {
    const gpu = await initBackend('webgpu');
    const cpu = await initBackend('cpu');
    const a = randn([2, 70_000], { seed: 1, backend: cpu });
    const b = randn([70_000, 3], { seed: 2, backend: cpu });
    const expected = await matmul(a, b).data();
    const actual = await matmul(await toBackend(a, gpu), await toBackend(b, gpu)).data();
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 1);
  });
});

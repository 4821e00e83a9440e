// Tensors past one storage binding (GPT-2's 50257 × 768 embedding is 154 MB against
// llvmpipe's 128 MiB): a backend whose bindings are capped at 1 KiB runs the split
// paths on small tensors, and every result must equal the CPU backend's — forward and
// backward, for every kernel (tensor-core's large-tensor conformance cases).
import '@tensorlm/backend-cpu';
import {
  add,
  type Backend,
  embedding,
  exp,
  full,
  initBackend,
  linear,
  mul,
  randn,
  registerBackend,
  sum,
  type Tensor,
  tensor,
  toBackend,
} from '@tensorlm/tensor-core';
import { runLargeTensorConformance } from '@tensorlm/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebGPUBackend } from './index.js';

const SMALL_BINDINGS = 'webgpu-1KiB-bindings';
registerBackend({
  name: SMALL_BINDINGS,
  priority: 0,
  create: () => createWebGPUBackend({ maxBindingBytes: 1024 }),
});

let gpu: Backend;
let cpu: Backend;

beforeAll(async () => {
  gpu = await initBackend(SMALL_BINDINGS);
  cpu = await initBackend('cpu');
});

async function expectClose(actual: Tensor, expected: Tensor, tolerance = 1e-5): Promise<void> {
  expect(actual.shape).toEqual(expected.shape);
  const [a, e] = await Promise.all([actual.data(), expected.data()]);
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(Number(a[i]) - Number(e[i])));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe('tensors larger than one storage binding', () => {
  it('draws the same random stream as the CPU backend across binding windows', async () => {
    // 1000 floats = 4000 bytes: four windows.
    await expectClose(
      randn([1000], { seed: 7, backend: gpu }),
      randn([1000], { seed: 7, backend: cpu }),
      1e-5,
    );
    await expectClose(full([999], 2.5, { backend: gpu }), full([999], 2.5, { backend: cpu }), 0);
  });

  it('maps element-wise ops window by window', async () => {
    const a = randn([37, 29], { seed: 1, backend: cpu });
    const b = randn([37, 29], { seed: 2, backend: cpu });
    const ga = await toBackend(a, gpu);
    const gb = await toBackend(b, gpu);
    await expectClose(add(ga, gb), add(a, b));
    await expectClose(mul(ga, gb), mul(a, b));
    await expectClose(exp(ga), exp(a), 1e-4);
  });

  it('gathers embedding rows from row windows, forward and backward', async () => {
    // A 301 × 7 table (8428 bytes) spans nine windows; ids hit first, middle, last rows.
    const weight = randn([301, 7], { seed: 3, backend: cpu });
    const ids = tensor(
      [
        [0, 300, 150],
        [36, 37, 299],
      ],
      { dtype: 'i32', backend: cpu },
    );
    const gpuWeight = (await toBackend(weight, gpu)).requireGrad();
    const cpuWeight = weight.clone().requireGrad();
    const gpuOut = embedding(await toBackend(ids, gpu), gpuWeight);
    const cpuOut = embedding(ids, cpuWeight);
    await expectClose(gpuOut, cpuOut, 0);
    const upstream = randn([2, 3, 7], { seed: 4, backend: cpu });
    sum(mul(gpuOut, await toBackend(upstream, gpu))).backward();
    sum(mul(cpuOut, upstream)).backward();
    await expectClose(gpuWeight.grad!, cpuWeight.grad!, 1e-6);
  });

  it('splits a tied LM head (x · Wᵀ with W past one binding) into column blocks', async () => {
    // W is 19,200 bytes; C's rows (200 floats) still fit, and are blocked too.
    const weight = randn([200, 24], { seed: 5, backend: cpu });
    const x = randn([2, 5, 24], { seed: 6, backend: cpu });
    const gpuLogits = linear(await toBackend(x, gpu), await toBackend(weight, gpu));
    await expectClose(gpuLogits, linear(x, weight), 1e-4);
  });

  it('sums a tensor past one binding in passes over chunks of the axis', async () => {
    const big = randn([4000], { seed: 8, backend: cpu });
    await expectClose(sum(await toBackend(big, gpu)), sum(big), 1e-3);
  });
});

// Every kernel path past the cap (tensor-core's large-tensor cases), with the backend's
// fused kernels and with tensor-core's composed defaults on its primitives.
runLargeTensorConformance({ backend: SMALL_BINDINGS, reference: 'cpu', describe, it });
runLargeTensorConformance({
  backend: SMALL_BINDINGS,
  reference: 'cpu',
  fusedKernels: 'composed',
  describe,
  it,
});

// How ops reach the CPU's fused kernels: one call of the backend's own kernel and no
// primitive on the overridden path; the composed defaults (the same backend with its
// fused kernels hidden) run on primitives only and release every intermediate.
import {
  adamwUpdate,
  crossEntropy,
  FUSED_KERNEL_NAMES,
  fusedKernelsOf,
  gelu,
  layerNorm,
  noGrad,
  randn,
  softmax,
  type Tensor,
  tensor,
  tidy,
  withoutFusedKernels,
  zeros,
} from '@tensorlm/tensor-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cpuBackend } from './index.js';

const PRIMITIVES = [
  'reduce',
  'binary',
  'unary',
  'where',
  'gatherAlong',
  'scatterAddAlong',
  'copyStrided',
] as const;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('fused kernels on the cpu backend', () => {
  it('declares every fused kernel but attention (composed here) and the capabilities of a host backend', () => {
    const attention = ['attention', 'attentionBackward'];
    expect(fusedKernelsOf(cpuBackend)).toEqual(FUSED_KERNEL_NAMES.filter((n) => !attention.includes(n)));
    expect(cpuBackend.capabilities).toEqual({ f16: false, hostMemory: true, deviceSampling: true });
  });

  it('an overridden kernel is one call, with no primitive run beside it', () => {
    const x = randn([4, 6], { seed: 1, backend: cpuBackend });
    const targets = tensor([0, 5, 2, 3], { dtype: 'i32', backend: cpuBackend });
    const p = randn([6], { seed: 2, backend: cpuBackend });
    const m = zeros([6], { backend: cpuBackend });
    const v = zeros([6], { backend: cpuBackend });
    const spies = PRIMITIVES.map((name) => vi.spyOn(cpuBackend, name));
    const calls = (['softmax', 'layerNorm', 'crossEntropy', 'activation', 'adamw'] as const).map((name) =>
      vi.spyOn(cpuBackend, name),
    );
    const outs: Tensor[] = [
      softmax(x),
      layerNorm(x, 6),
      crossEntropy(x, targets, { reduction: 'none' }),
      gelu(x),
    ];
    noGrad(() =>
      adamwUpdate(p, p, m, v, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, step: 1 }),
    );
    for (const spy of calls) expect(spy).toHaveBeenCalledTimes(1);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    for (const t of [x, targets, p, m, v, ...outs]) t.dispose();
  });

  it('the composed defaults run on primitives and release every intermediate', async () => {
    // Spies first: the wrapper binds the backend's methods when it is made.
    const reduce = vi.spyOn(cpuBackend, 'reduce');
    const fusedSoftmax = vi.spyOn(cpuBackend, 'softmax');
    const composed = withoutFusedKernels(cpuBackend);
    expect(composed.name).toBe('cpu:composed');
    expect(fusedKernelsOf(composed)).toEqual([]);
    const x = randn([3, 5], { seed: 3, backend: composed });
    const p = tensor([1, -2, 3], { backend: composed });
    const m = zeros([3], { backend: composed });
    const v = zeros([3], { backend: composed });
    const before = cpuBackend.memory();
    const y = tidy(() => softmax(x));
    noGrad(() =>
      adamwUpdate(p, p, m, v, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5, step: 1 }),
    );
    expect(reduce).toHaveBeenCalled();
    expect(fusedSoftmax).not.toHaveBeenCalled();
    // One storage more: softmax's result. AdamW wrote in place.
    expect(cpuBackend.memory().storages).toBe(before.storages + 1);
    const rows = await y.toArray();
    for (const row of rows as number[][]) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // First step with zero moments: p·(1 − lr·λ) − lr·sign(g) (up to ε), g = p.
    const updated = await p.data();
    for (const [i, w] of [1, -2, 3].entries()) {
      expect(updated[i]).toBeCloseTo(w * 0.95 - 0.1 * Math.sign(w), 6);
    }
    for (const t of [x, p, m, v, y]) t.dispose();
  });
});

// Bind groups are cached by what they bind, so a training step that repeats — the pool
// hands its buffers out in the same order each time — creates none after the first; and
// kernel layouts come from the bindings each WGSL program declares.
import '@tensorlm/backend-cpu';
import {
  adamwUpdate,
  crossEntropy,
  gelu,
  initBackend,
  layerNorm,
  linear,
  noGrad,
  randn,
  type Tensor,
  tensor,
  tidy,
  zerosLike,
} from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import './index.js';
import type { WebGPUBackend } from './index.js';
import { bindingTypes } from './runtime.js';

describe('bind groups', () => {
  it('reads each binding type from the WGSL', () => {
    const code = `
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage> Y: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> p: Params;`;
    expect(bindingTypes(code)).toEqual(['read-only-storage', 'read-only-storage', 'storage', 'uniform']);
  });

  it('a steady-state training step creates none', async () => {
    const gpu = (await initBackend('webgpu')) as WebGPUBackend;
    const on = { backend: gpu };
    const params = [randn([16, 8], { seed: 1, ...on }), randn([5, 16], { seed: 2, ...on })];
    for (const p of params) p.requireGrad();
    const moments = params.map((p) => [zerosLike(p), zerosLike(p)]);
    const x = randn([12, 8], { seed: 3, ...on });
    const targets = tensor([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1], { dtype: 'i32', ...on });
    const step = async (t: number): Promise<number> => {
      const loss: Tensor = tidy(() => {
        const h = layerNorm(gelu(linear(x, params[0]!)), 16);
        const l = crossEntropy(linear(h, params[1]!), targets);
        l.backward();
        return l.detach();
      });
      noGrad(() =>
        params.forEach((p, i) => {
          adamwUpdate(p, p.grad!, moments[i]![0]!, moments[i]![1]!, {
            lr: 1e-2,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weightDecay: 0,
            step: t,
          });
          p.grad!.dispose();
          p.grad = null;
        }),
      );
      const value = await loss.item();
      loss.dispose();
      return value;
    };
    const created: number[] = [];
    let loss = 0;
    for (let t = 1; t <= 3; t++) {
      const before = gpu.runtime.bindGroupsCreated;
      loss = await step(t);
      created.push(gpu.runtime.bindGroupsCreated - before);
    }
    // The first step creates its bind groups; the next ones find them all cached.
    expect(created[0]).toBeGreaterThan(10);
    expect(created.slice(1)).toEqual([0, 0]);
    expect(Number.isFinite(loss)).toBe(true);
  });
});

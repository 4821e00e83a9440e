// Linear (W as (out, in)) and HF Conv1D (W as (in, out)) against hand-computed products; init laws.
import '@tensorlm/backend-cpu';
import { manualSeed, tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { Conv1D } from './conv1d.js';
import { Linear } from './linear.js';

describe('Linear', () => {
  it('computes x·Wᵀ + b with W stored (out, in)', async () => {
    const fc = new Linear(3, 2);
    fc.loadStateDict({
      weight: tensor([
        [1, 0, -1],
        [2, 1, 0],
      ]),
      bias: tensor([0.5, -1]),
    });
    // [1,2,3]: 1−3+0.5 = −1.5, 2+2−1 = 3;  [0,1,0]: 0.5, 0
    const y = tidy(() => fc.forward(tensor([[[1, 2, 3]], [[0, 1, 0]]])));
    expect(y.shape).toEqual([2, 1, 2]);
    expect(await y.toArray()).toEqual([[[-1.5, 3]], [[0.5, 0]]]);
    fc.dispose();
  });

  it('without bias has no bias parameter', () => {
    const fc = new Linear(4, 5, { bias: false });
    expect(fc.bias).toBeNull();
    expect(fc.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(fc.toString()).toBe('Linear(in_features=4, out_features=5, bias=False)');
    fc.dispose();
  });

  it("uses PyTorch's default init U(±1/√in), or N(0, σ²) with zero bias", async () => {
    manualSeed(1);
    const fc = new Linear(16, 64);
    const bound = 1 / Math.sqrt(16);
    const w = Float64Array.from(await fc.weight.data());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    // U(−b, b) has variance b²/3.
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(Math.sqrt(variance)).toBeCloseTo(bound / Math.sqrt(3), 2);
    const g = new Linear(64, 64, { initStd: 0.02 });
    const gw = Float64Array.from(await g.weight.data());
    const std = Math.sqrt(gw.reduce((s, v) => s + v * v, 0) / gw.length);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect([...(await g.bias!.data())].every((v) => v === 0)).toBe(true);
    fc.dispose();
    g.dispose();
  });

  it('rejects bad sizes naming the field', () => {
    expect(() => new Linear(0, 2)).toThrow(/inFeatures must be a positive integer, got 0/);
    expect(() => new Linear(2, 1.5)).toThrow(/outFeatures must be a positive integer/);
  });
});

describe('Conv1D (HF GPT-2 layout)', () => {
  it('computes x·W + b with W stored (in, out)', async () => {
    const conv = new Conv1D(2, 3);
    expect(conv.weight.shape).toEqual([3, 2]);
    conv.loadStateDict({
      weight: tensor([
        [1, 2],
        [0, 1],
        [-1, 0],
      ]),
      bias: tensor([1, 1]),
    });
    // [1,2,3]·W = [1−3, 2+2] = [−2, 4], + 1
    const y = tidy(() => conv.forward(tensor([[[1, 2, 3]]])));
    expect(await y.toArray()).toEqual([[[-1, 5]]]);
    expect(conv.toString()).toBe('Conv1D(nf=2, nx=3)');
    conv.dispose();
  });
});

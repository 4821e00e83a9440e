// Global-norm clipping against the definition: ‖g‖ = √Σ g² over all gradients; scaled by
// maxNorm / (‖g‖ + 1e-6) only when that is below 1 (torch.nn.utils.clip_grad_norm_).
import '@tensorlm/backend-cpu';
import { setBackend, tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipGradNorm, gradNorm } from './clip.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function params(grads: number[][]) {
  return grads.map((g) => {
    const p = tensor(g.map(() => 0)).requireGrad();
    p.grad = tensor(g).keep();
    return p;
  });
}

describe('clipGradNorm', () => {
  it('returns the pre-clip norm and scales every gradient by maxNorm / (norm + 1e-6)', async () => {
    const ps = params([[3, 4], [12]]); // √(9 + 16 + 144) = 13
    const norm = clipGradNorm(ps, 6.5);
    expect(await norm.item()).toBeCloseTo(13, 5);
    const coef = 6.5 / (13 + 1e-6);
    expect(Array.from(await ps[0]!.grad!.data())).toEqual([3, 4].map((v) => Math.fround(v * coef)));
    expect((await ps[1]!.grad!.data())[0]).toBeCloseTo(12 * coef, 5);
    expect(await gradNorm(ps).item()).toBeCloseTo(6.5, 4);
  });

  it('leaves gradients below maxNorm untouched', async () => {
    const ps = params([[0.3, -0.4]]);
    const norm = clipGradNorm(ps, 1);
    expect(await norm.item()).toBeCloseTo(0.5, 6);
    expect(Array.from(await ps[0]!.grad!.data())).toEqual([Math.fround(0.3), Math.fround(-0.4)]);
  });

  it('supports other norms and skips parameters without gradients', async () => {
    const ps = params([[1, -2], [2]]);
    ps.push(tensor([5]).requireGrad()); // no grad
    expect(await gradNorm(ps, { normType: 1 }).item()).toBeCloseTo(5, 6);
    expect(await gradNorm(ps, { normType: Number.POSITIVE_INFINITY }).item()).toBeCloseTo(2, 6);
    expect(await gradNorm(ps, { normType: 3 }).item()).toBeCloseTo((1 + 8 + 8) ** (1 / 3), 5);
  });

  it('propagates a non-finite norm and rejects bad maxNorm', async () => {
    const ps = params([[Number.NaN, 1]]);
    expect(Number.isNaN(await clipGradNorm(ps, 1).item())).toBe(true);
    expect(() => clipGradNorm(ps, 0)).toThrow(/maxNorm/);
    expect(() => clipGradNorm([tensor([1]).requireGrad()], 1)).toThrow(/no parameter has a gradient/);
  });
});

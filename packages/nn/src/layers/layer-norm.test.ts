// LayerNorm against hand-computed normalisation, and the effect of eps (GPT-2 vs BERT).
import '@tensorlm/backend-cpu';
import { tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { expectAllClose } from '../../test/assert.js';
import { LayerNorm } from './layer-norm.js';

describe('LayerNorm', () => {
  it('normalises the last axis to zero mean and unit variance, then scales and shifts', async () => {
    const ln = new LayerNorm(3);
    // [1, 2, 3]: mean 2, variance 2/3 → ±1/√(2/3 + 1e-5)
    const y = tidy(() => ln.forward(tensor([[1, 2, 3]])));
    const s = 1 / Math.sqrt(2 / 3 + 1e-5);
    expectAllClose(await y.data(), [-s, 0, s], 5);
    ln.loadStateDict({ weight: tensor([2, 2, 2]), bias: tensor([1, 0, -1]) });
    const z = tidy(() => ln.forward(tensor([[1, 2, 3]])));
    expectAllClose(await z.data(), [1 - 2 * s, 0, -1 + 2 * s], 5);
    ln.dispose();
  });

  it('eps matters for tiny variance: 1e-5 (GPT-2) vs 1e-12 (BERT)', async () => {
    // [0, 1e-3]: variance 2.5e-7, deviations ±5e-4.
    const x = tensor([[0, 1e-3]]);
    const gpt = new LayerNorm(2, { eps: 1e-5 });
    const bert = new LayerNorm(2, { eps: 1e-12 });
    const [g, b] = tidy(() => [gpt.forward(x), bert.forward(x)]);
    expect(((await g!.toArray()) as number[][])[0]![1]).toBeCloseTo(5e-4 / Math.sqrt(2.5e-7 + 1e-5), 3);
    expect(((await b!.toArray()) as number[][])[0]![1]).toBeCloseTo(1, 3);
    expect(gpt.toString()).toBe('LayerNorm((2,), eps=1e-05, elementwise_affine=True)');
    expect(bert.toString()).toBe('LayerNorm((2,), eps=1e-12, elementwise_affine=True)');
    gpt.dispose();
    bert.dispose();
  });

  it('without affine parameters has none', () => {
    const ln = new LayerNorm([2, 3], { elementwiseAffine: false });
    expect(ln.numParameters()).toBe(0);
    expect(ln.toString()).toBe('LayerNorm((2, 3), eps=1e-05, elementwise_affine=False)');
  });
});

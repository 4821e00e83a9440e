import { describe, expect, it } from 'vitest';
import './index.js';
import { crossEntropy, matmul, memory, randn, softmax, tensor, tidy } from '@tensorlm/tensor-core';

describe('smoke', () => {
  it('runs ops and backward', async () => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const b = tensor([
      [5, 6],
      [7, 8],
    ]);
    const c = matmul(a, b);
    expect(await c.toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    const loss = c.sum();
    loss.backward();
    expect(await a.grad!.toArray()).toEqual([
      [11, 15],
      [11, 15],
    ]);
    const s = softmax(tensor([[1000, 0]]));
    expect(await s.toArray()).toEqual([[1, 0]]);
    const ce = crossEntropy(tensor([[0, 0, 0]]), tensor([1], { dtype: 'i32' }));
    expect(await ce.item()).toBeCloseTo(Math.log(3), 5);
    const before = memory().numTensors;
    tidy(() => {
      randn([3, 3]).mul(2).sum();
    });
    expect(memory().numTensors).toBe(before);
  });
});

// Matmul plans for shapes whose right plan is computed by hand in each test.
import type { MatmulParams } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { kernelShape, LARGE_TILE, planMatmul, SMALL_TILE, splitKFactor } from './plan.js';

const UNLIMITED = { maxBindingBytes: 2 ** 31, offsetAlignment: 256 };

function product(m: number, n: number, k: number, extra: Partial<MatmulParams> = {}): MatmulParams {
  return {
    transA: false,
    transB: false,
    m,
    n,
    k,
    batchShape: [],
    aBatchStrides: [],
    bBatchStrides: [],
    ...extra,
  };
}

describe('kernelShape', () => {
  it('runs tiny and skinny products one thread per element, others in tiles', () => {
    expect(kernelShape(product(8, 8, 8), false)).toEqual({ tiny: true });
    // A cached decoding step: one row through the 50257-wide LM head.
    expect(kernelShape(product(1, 50257, 768), false)).toEqual({ tiny: true });
    expect(kernelShape(product(20, 100, 100), false)).toEqual({ tiny: false, tile: SMALL_TILE });
    expect(kernelShape(product(64, 64, 64), false)).toEqual({ tiny: false, tile: LARGE_TILE });
    // Split-k slices always tile.
    expect(kernelShape(product(8, 8, 8), true)).toEqual({ tiny: false, tile: SMALL_TILE });
  });
});

describe('planMatmul', () => {
  it('dispatches a product once when it has enough tiles or a short k', () => {
    expect(planMatmul(product(1024, 1024, 1024), UNLIMITED)).toEqual({ kind: 'direct' });
    expect(planMatmul(product(64, 192, 511), UNLIMITED)).toEqual({ kind: 'direct' });
    // Batched products never split k.
    const batched = product(64, 192, 10_240, { batchShape: [2], aBatchStrides: [0], bBatchStrides: [0] });
    expect(splitKFactor(batched)).toBe(1);
  });

  it('splits the k of a weight gradient (64 × 192 over 10,240 tokens) into 6 slices of 1712', () => {
    // Large tiles are 128 × 64: 1 × 3 = 3 tiles, so ⌈16 / 3⌉ = 6 slices (⌊10240 / 256⌋ = 40
    // allows it); a chunk is ⌈10240 / 6 / 16⌉ · 16 = 1712, and ⌈10240 / 1712⌉ = 6.
    const p = product(64, 192, 10_240, { transA: true });
    expect(splitKFactor(p)).toBe(6);
    expect(planMatmul(p, UNLIMITED)).toEqual({
      kind: 'splitK',
      slices: 6,
      chunk: 1712,
      sliced: { ...p, k: 1712, batchShape: [6], aBatchStrides: [1712 * 64], bBatchStrides: [1712 * 192] },
    });
  });

  it('blocks a tied LM head past one binding into rows of C × rows of W', () => {
    // x (10 × 24) · Wᵀ (W: 200 × 24) with 1 KiB bindings of 256 floats, 16-byte offsets:
    // C's rows of 200 allow one row per block, W's rows of 24 allow ⌊256 / 24⌋ = 10.
    const plan = planMatmul(product(10, 200, 24, { transB: true }), {
      maxBindingBytes: 1024,
      offsetAlignment: 16,
    });
    if (plan.kind !== 'blocks') throw new Error(`expected blocks, got ${plan.kind}`);
    expect(plan.rows).toHaveLength(10);
    expect(plan.rows[9]).toEqual({ start: 9, count: 1 });
    expect(plan.cols).toHaveLength(20);
    expect(plan.cols[19]).toEqual({ start: 190, count: 10 });
  });

  it('leaves other layouts past the limit to the dispatch, which names the limit', () => {
    const limits = { maxBindingBytes: 1024, offsetAlignment: 16 };
    expect(planMatmul(product(10, 200, 24), limits)).toEqual({ kind: 'direct' });
  });
});

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
});

describe('planMatmul past one binding (1 KiB bindings: 256 floats, 253 from an unaligned start)', () => {
  const KIB = { maxBindingBytes: 1024, offsetAlignment: 16 };

  it('blocks a tied LM head x · Wᵀ into C rows × W rows', () => {
    // x 10 × 24 fits; W (200 × 24) and C (10 × 200) do not. W's rows: ⌊(253 − 24) / 24⌋ + 1
    // = 10 per block; then C's: ⌊(253 − 10) / 200⌋ + 1 = 2. 5 × 20 blocks, k whole.
    const plan = planMatmul(product(10, 200, 24, { transB: true }), KIB);
    if (plan.kind !== 'blocks') throw new Error(`expected blocks, got ${plan.kind}`);
    expect(plan.blocks).toHaveLength(100);
    expect(plan.blocks[99]).toEqual({
      batchStart: 0,
      batches: 1,
      rows: { start: 8, count: 2 },
      cols: { start: 190, count: 10 },
      depth: { start: 0, count: 24 },
      accumulate: false,
    });
  });

  it("splits the head's weight gradient dyᵀ · x over k, adding later k blocks to C", () => {
    // C (200 × 24): ⌊(253 − 24) / 24⌋ + 1 = 10 rows per block; then dyᵀ (dy is 10 × 200)
    // spans 9 + 200·(k − 1) + 1 over a block: k blocks of ⌊(253 − 10) / 200⌋ + 1 = 2.
    const plan = planMatmul(product(200, 24, 10, { transA: true }), KIB);
    if (plan.kind !== 'blocks') throw new Error(`expected blocks, got ${plan.kind}`);
    expect(plan.blocks).toHaveLength(100);
    expect(plan.blocks.slice(0, 5).map((b) => [b.rows.start, b.depth.start, b.accumulate])).toEqual([
      [0, 0, false],
      [0, 2, true],
      [0, 4, true],
      [0, 6, true],
      [0, 8, true],
    ]);
  });

  it('groups small batches while each span over the group fits', () => {
    // 64 batches of 4 × 8 · (4 × 8)ᵀ: A's batches lie 32 apart, so a group of g spans
    // 32(g − 1) + 32 ≤ 253: 7 batches per group.
    const p = product(4, 4, 8, {
      transB: true,
      batchShape: [64],
      aBatchStrides: [32],
      bBatchStrides: [32],
    });
    const plan = planMatmul(p, KIB);
    if (plan.kind !== 'blocks') throw new Error(`expected blocks, got ${plan.kind}`);
    expect(plan.blocks.map((b) => b.batches)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 7, 1]);
    expect(plan.blocks[9]!.batchStart).toBe(63);
  });

  it('cuts k past what one invocation loops (llvmpipe) into blocks that add up', () => {
    // ⌊(65,535 − 8) / 17⌋ · 16 = 61,664 per block: 200,000 in 4 blocks of 50,000.
    const plan = planMatmul(product(4, 4, 200_000), UNLIMITED, 65_535);
    if (plan.kind !== 'blocks') throw new Error(`expected blocks, got ${plan.kind}`);
    expect(plan.blocks.map((b) => [b.depth.start, b.depth.count, b.accumulate])).toEqual([
      [0, 50_000, false],
      [50_000, 50_000, true],
      [100_000, 50_000, true],
      [150_000, 50_000, true],
    ]);
  });
});

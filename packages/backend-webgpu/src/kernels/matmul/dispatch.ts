// Carries out a matmul plan (plan.ts) on the GPU: one dispatch, split-k partial
// products and their sum, or the blocks of a product with an operand past one storage
// binding, each reading and writing through spans of the big buffers.
import type { MatmulParams } from '@tensorlm/tensor-core';
import { type BindingLimits, extentOf, spanOf, WORD } from '../../binding-windows.js';
import type { GpuRuntime } from '../../runtime.js';
import { reduceKernel } from '../reduce.js';
import { batchOffsets, type MatmulBlock, operandStrides, planMatmul } from './plan.js';
import { denseLayout, matmulKernel } from './shaders.js';

/** C = A · B (per `params`) into `out`, a buffer of batch × m × n floats. */
export function matmul(
  rt: GpuRuntime,
  a: GPUBuffer,
  b: GPUBuffer,
  out: GPUBuffer,
  params: MatmulParams,
  limits: BindingLimits,
): void {
  const plan = planMatmul(params, limits, rt.loopLimit);
  switch (plan.kind) {
    case 'direct':
      matmulKernel(rt, a, b, out, params);
      return;
    case 'splitK': {
      const { m, n, k } = params;
      const partial = rt.allocate(plan.slices * m * n * WORD);
      matmulKernel(rt, a, b, partial.buffer, plan.sliced, {
        ...denseLayout(plan.sliced),
        lda: params.transA ? m : k,
        ldb: params.transB ? k : n,
        kTotal: k,
      });
      reduceKernel(rt, 'sum', partial.buffer, 'f32', { outer: 1, size: plan.slices, inner: m * n }, out);
      rt.release(partial);
      return;
    }
    case 'blocks':
      for (const block of plan.blocks) matmulBlock(rt, a, b, out, params, block, limits);
      return;
  }
}

/** One block of a blocked product: spans of A, B and C that hold its batches' elements. */
function matmulBlock(
  rt: GpuRuntime,
  a: GPUBuffer,
  b: GPUBuffer,
  out: GPUBuffer,
  p: MatmulParams,
  block: MatmulBlock,
  limits: BindingLimits,
): void {
  const strides = operandStrides(p);
  const origin = [block.rows.start, block.cols.start, block.depth.start];
  const shape = [block.rows.count, block.cols.count, block.depth.count];
  const at = (s: readonly number[]) => origin.reduce((acc, i, d) => acc + i * s[d]!, 0);
  // Each operand's offsets over the block's batches: the span runs from the lowest to
  // the highest, plus one batch's block.
  const offsets = { a: [] as number[], b: [] as number[], c: [] as number[] };
  for (let batch = block.batchStart; batch < block.batchStart + block.batches; batch++) {
    const o = batchOffsets(p, batch);
    offsets.a.push(o.a);
    offsets.b.push(o.b);
    offsets.c.push(batch * p.m * p.n);
  }
  const span = (buffer: GPUBuffer, batchOffs: number[], s: readonly number[]) => {
    const low = Math.min(...batchOffs);
    const high = Math.max(...batchOffs);
    const first = low + at(s);
    const bound = spanOf(buffer, first, high - low + extentOf(shape, s), limits);
    // The kernel adds each batch's offset to the adjustment: base − low, modulo 2³².
    return { binding: bound.binding, adjust: (bound.base - low) >>> 0 };
  };
  const sa = span(a, offsets.a, strides.a);
  const sb = span(b, offsets.b, strides.b);
  const sc = span(out, offsets.c, strides.c);
  const blockParams: MatmulParams = { ...p, m: block.rows.count, n: block.cols.count, k: block.depth.count };
  matmulKernel(rt, sa.binding, sb.binding, sc.binding, blockParams, {
    lda: p.transA ? p.m : p.k,
    ldb: p.transB ? p.k : p.n,
    ldc: p.n,
    cBatch: p.m * p.n,
    batchStart: block.batchStart,
    batches: block.batches,
    aAdjust: sa.adjust,
    bAdjust: sb.adjust,
    cAdjust: sc.adjust,
    accumulate: block.accumulate,
  });
}

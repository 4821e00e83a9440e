// Carries out a matmul plan (plan.ts) on the GPU: one dispatch, split-k partial
// products and their sum, or the blocks of a product past one storage binding.
import type { MatmulParams } from '@tensorlm/tensor-core';
import { type BindingLimits, WORD, windowOf } from '../../binding-windows.js';
import type { GpuRuntime } from '../../runtime.js';
import { reduceKernel } from '../reduce.js';
import { planMatmul } from './plan.js';
import { matmulKernel } from './shaders.js';

/** C = A · B (per `params`) into `out`, a buffer of batch × m × n floats. */
export function matmul(
  rt: GpuRuntime,
  a: GPUBuffer,
  b: GPUBuffer,
  out: GPUBuffer,
  params: MatmulParams,
  limits: BindingLimits,
): void {
  const plan = planMatmul(params, limits);
  switch (plan.kind) {
    case 'direct':
      matmulKernel(rt, a, b, out, params);
      return;
    case 'splitK': {
      const { m, n, k } = params;
      const partial = rt.allocate(plan.slices * m * n * WORD);
      matmulKernel(rt, a, b, partial.buffer, plan.sliced, { kTotal: k });
      reduceKernel(rt, 'sum', partial.buffer, 'f32', { outer: 1, size: plan.slices, inner: m * n }, out);
      rt.release(partial);
      return;
    }
    case 'blocks': {
      const { n, k } = params;
      for (const rows of plan.rows) {
        const aWindow = windowOf(a, [rows.start * k, rows.count * k]);
        const cWindow = windowOf(out, [rows.start * n, rows.count * n]);
        for (const cols of plan.cols) {
          const bWindow = windowOf(b, [cols.start * k, cols.count * k]);
          const block = { ...params, m: rows.count, n: cols.count };
          matmulKernel(rt, aWindow, bWindow, cWindow, block, { ldc: n, cCol: cols.start });
        }
      }
      return;
    }
  }
}

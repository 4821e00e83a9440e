// Default layer norm forward and backward over rows of the last axis, composed from
// row reductions and broadcast element-wise primitives. The variance is two-pass
// (mean of (x − mean)²), as in the fused kernels, so a large mean costs no precision.
import type { BackendPrimitives, KernelTensor, RowsLayout, Storage } from '../../backend.js';
import { composeKernel } from '../compose.js';

export function layerNormDefault(
  backend: BackendPrimitives,
  xIn: KernelTensor,
  weight: KernelTensor | null,
  bias: KernelTensor | null,
  { rows, cols }: RowsLayout,
  eps: number,
): { y: Storage; mean: Storage; rstd: Storage } {
  if (rows * cols === 0) {
    return {
      y: backend.alloc(rows * cols, 'f32'),
      mean: backend.alloc(rows, 'f32'),
      rstd: backend.alloc(rows, 'f32'),
    };
  }
  return composeKernel(backend, (k) => {
    const x = k.view(xIn, [rows, cols]);
    const mean = k.reduceRows('mean', x, rows, cols);
    const centered = k.sub(x, mean);
    const variance = k.reduceRows('mean', k.mul(centered, centered), rows, cols);
    const rstd = k.unary('rsqrt', k.add(variance, eps));
    let y = k.mul(centered, rstd);
    if (weight) y = k.mul(y, weight);
    if (bias) y = k.add(y, bias);
    return { y: k.keep(y), mean: k.keep(mean), rstd: k.keep(rstd) };
  });
}

export function layerNormBackwardDefault(
  backend: BackendPrimitives,
  dyIn: KernelTensor,
  xIn: KernelTensor,
  weight: KernelTensor | null,
  meanIn: KernelTensor,
  rstdIn: KernelTensor,
  { rows, cols }: RowsLayout,
): { dx: Storage; dWeight: Storage; dBias: Storage } {
  if (rows * cols === 0) {
    return {
      dx: backend.alloc(rows * cols, 'f32'),
      dWeight: backend.fill(cols, 'f32', 0),
      dBias: backend.fill(cols, 'f32', 0),
    };
  }
  return composeKernel(backend, (k) => {
    const x = k.view(xIn, [rows, cols]);
    const dy = k.view(dyIn, [rows, cols]);
    const rstd = k.view(rstdIn, [rows, 1]);
    const xhat = k.mul(k.sub(x, k.view(meanIn, [rows, 1])), rstd);
    // dx = rstd · (g − mean(g) − x̂·mean(g·x̂)) with g = dy·w.
    const g = weight ? k.mul(dy, weight) : dy;
    const meanG = k.reduceRows('mean', g, rows, cols);
    const meanGX = k.reduceRows('mean', k.mul(g, xhat), rows, cols);
    const dx = k.mul(k.sub(k.sub(g, meanG), k.mul(xhat, meanGX)), rstd);
    const dWeight = k.sumColumns(k.mul(dy, xhat), rows, cols);
    const dBias = k.sumColumns(dy, rows, cols);
    return { dx: k.keep(dx), dWeight: k.keep(dWeight), dBias: k.keep(dBias) };
  });
}

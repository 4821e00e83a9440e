// Default row-wise softmax / log-softmax and their backward, composed from reductions
// and broadcast element-wise primitives. Stable as the fused kernels are: the row's
// maximum is subtracted before exp, so huge logits stay finite.
import type { BackendPrimitives, KernelTensor, RowsLayout, Storage } from '../../backend.js';
import { type Composer, composeKernel } from '../compose.js';

/** log Σ e^x per row of a (rows, cols) tensor, as (rows, 1): max(x) + log Σ e^(x − max(x)). */
export function rowLogSumExp(k: Composer, x: KernelTensor, rows: number, cols: number): KernelTensor {
  const peak = k.reduceRows('max', x, rows, cols);
  const total = k.reduceRows('sum', k.unary('exp', k.sub(x, peak)), rows, cols);
  return k.add(k.unary('log', total), peak);
}

export function softmaxDefault(
  backend: BackendPrimitives,
  xIn: KernelTensor,
  { rows, cols }: RowsLayout,
  log: boolean,
): Storage {
  if (rows * cols === 0) return backend.alloc(rows * cols, 'f32');
  return composeKernel(backend, (k) => {
    const x = k.view(xIn, [rows, cols]);
    const peak = k.reduceRows('max', x, rows, cols);
    const shifted = k.sub(x, peak);
    const exps = k.unary('exp', shifted);
    const total = k.reduceRows('sum', exps, rows, cols);
    return k.keep(log ? k.sub(shifted, k.unary('log', total)) : k.div(exps, total));
  });
}

export function softmaxBackwardDefault(
  backend: BackendPrimitives,
  yIn: KernelTensor,
  dyIn: KernelTensor,
  { rows, cols }: RowsLayout,
  log: boolean,
): Storage {
  if (rows * cols === 0) return backend.alloc(rows * cols, 'f32');
  return composeKernel(backend, (k) => {
    const y = k.view(yIn, [rows, cols]);
    const dy = k.view(dyIn, [rows, cols]);
    if (log) {
      // dx = dy − e^y·Σdy
      const total = k.reduceRows('sum', dy, rows, cols);
      return k.keep(k.sub(dy, k.mul(k.unary('exp', y), total)));
    }
    // dx = y·(dy − Σ dy·y)
    const dot = k.reduceRows('sum', k.mul(dy, y), rows, cols);
    return k.keep(k.mul(y, k.sub(dy, dot)));
  });
}

// Layer normalisation over the trailing `normalizedShape` dimensions, as
// torch.nn.functional.layer_norm: one kernel (fused, or composed by default) that also
// returns the per-row mean and 1/σ, which the backward kernel reuses.
import { fused } from '../backend/fused/index.js';
import { TensorError } from '../errors.js';
import { formatShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast, div, maximum, mul, sqrt } from './elementwise.js';
import { assertShape, backendOf, record, wrap } from './op-utils.js';
import { sum } from './reduce.js';

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Added to the variance (1e-5 in GPT-2, 1e-12 in BERT). */
  eps?: number;
}

export function layerNorm(
  xIn: Tensor,
  normalizedShape: number | readonly number[],
  options: LayerNormOptions = {},
): Tensor {
  const op = 'layerNorm';
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const trailing = xIn.shape.slice(xIn.rank - shape.length);
  if (shape.length === 0 || shape.length > xIn.rank || trailing.some((d, i) => d !== shape[i])) {
    throw new TensorError(
      op,
      `normalizedShape ${formatShape(shape)} does not match the trailing dims of ${formatShape(xIn.shape)}`,
    );
  }
  const weight = options.weight ?? null;
  const bias = options.bias ?? null;
  if (weight) assertShape(op, weight, shape, 'weight');
  if (bias) assertShape(op, bias, shape, 'bias');
  const eps = options.eps ?? 1e-5;
  const x = xIn.dtype === 'f32' ? xIn : cast(xIn, 'f32');
  const backend = backendOf(op, x, ...(weight ? [weight] : []), ...(bias ? [bias] : []));
  const cols = sizeOf(shape);
  const layout = { rows: cols === 0 ? 0 : x.size / cols, cols };
  const out = fused.layerNorm(backend, x, weight, bias, layout, eps);
  const y = wrap(backend, out.y, x.shape, 'f32');
  const meanT = wrap(backend, out.mean, [layout.rows], 'f32');
  const rstdT = wrap(backend, out.rstd, [layout.rows], 'f32');
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(
    y,
    op,
    inputs,
    (dy) => {
      const grads = fused.layerNormBackward(backend, dy, x, weight, meanT, rstdT, layout);
      const result: Tensor[] = [wrap(backend, grads.dx, x.shape, 'f32')];
      const dWeight = wrap(backend, grads.dWeight, shape, 'f32');
      const dBias = wrap(backend, grads.dBias, shape, 'f32');
      if (weight) result.push(dWeight);
      else dWeight.dispose();
      if (bias) result.push(dBias);
      else dBias.dispose();
      return result;
    },
    [meanT, rstdT],
  );
}

/** x / max(‖x‖₂, eps) along an axis (torch.nn.functional.normalize with p = 2). */
export function normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  const norm = sqrt(sum(mul(x, x), axis, { keepDims: true }));
  return div(x, maximum(norm, eps));
}

// Softmax and log-softmax along an axis: one numerically stable kernel forward and one
// backward (the max is subtracted first, so huge logits stay finite) — the backend's
// fused kernel, or the default composed from its primitives.
import { fused } from '../backend/fused/index.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { backendOf, record, wrap } from './op-utils.js';
import { transpose } from './shape.js';

function softmaxLastAxis(op: string, x: Tensor, log: boolean): Tensor {
  const backend = backendOf(op, x);
  const cols = x.shape.at(-1) ?? 1;
  const layout = { rows: cols === 0 ? 0 : x.size / cols, cols };
  const y = wrap(backend, fused.softmax(backend, x, layout, log), x.shape, 'f32');
  return record(y, op, [x], (dy) => [
    wrap(backend, fused.softmaxBackward(backend, y, dy, layout, log), x.shape, 'f32'),
  ]);
}

function alongAxis(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  const input = x.dtype === 'f32' ? x : cast(x, 'f32');
  if (input.rank === 0) return softmaxLastAxis(op, input, log);
  const a = normalizeAxis(axis, input.rank, op);
  if (a === input.rank - 1) return softmaxLastAxis(op, input, log);
  return transpose(softmaxLastAxis(op, transpose(input, a, -1), log), a, -1);
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return alongAxis('softmax', x, axis, false);
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongAxis('logSoftmax', x, axis, true);
}

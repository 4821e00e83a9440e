// In-place update of a leaf tensor's storage (optimizer steps, loading weights, a KV
// cache appended in place): the one mutation tensor-core allows. Views of the same
// storage see the new values.
import { TensorError } from '../errors.js';
import { engine } from '../tensor/engine.js';
import { formatShape, normalizeAxis, shapesEqual, stridesOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { backendOf } from './op-utils.js';

/** Where along one axis of the target a shorter value is written (`assign`'s third argument). */
export interface AssignAt {
  axis: number;
  /** First index of `axis` written; the value covers start … start + its length − 1. */
  start: number;
}

/**
 * Copies `value` into `target` in place and returns `target`. With `at`, `value` may be
 * shorter along `at.axis` and lands at `at.start` there (as `target.narrow(axis, start,
 * n).copy_(value)` in PyTorch): a KV cache appends a step's keys without copying the rest.
 */
export function assign(target: Tensor, value: Tensor, at?: AssignAt): Tensor {
  const op = 'assign';
  const axis = at ? normalizeAxis(at.axis, target.rank, op) : -1;
  const fits = at
    ? value.rank === target.rank &&
      value.shape.every((n, d) => (d === axis ? n <= target.shape[d]! : n === target.shape[d]))
    : shapesEqual(target.shape, value.shape);
  if (!fits) {
    throw new TensorError(
      op,
      `value of shape ${formatShape(value.shape)} does not match the target's ${formatShape(target.shape)}${at ? ` outside axis ${at.axis}` : ''}`,
    );
  }
  if (
    at &&
    !(Number.isInteger(at.start) && at.start >= 0 && at.start + value.shape[axis]! <= target.shape[axis]!)
  ) {
    throw new TensorError(
      op,
      `start ${at.start} with ${value.shape[axis]} values is out of range for axis ${at.axis} of size ${target.shape[axis]}`,
    );
  }
  if (target.gradNode)
    throw new TensorError(op, 'only leaf tensors can be assigned in place (this one was produced by an op)');
  if (target.requiresGrad && engine.gradEnabled) {
    throw new TensorError(
      op,
      'a tensor that requires grad can only be assigned inside noGrad(), as in torch.no_grad()',
    );
  }
  const backend = backendOf(op, target, value);
  const source = value.dtype === target.dtype ? value : cast(value, target.dtype);
  if (value.size > 0) {
    const strides = stridesOf(target.shape);
    backend.copyStrided(
      source.storage,
      target.storage,
      target.dtype,
      value.shape,
      { offset: 0, strides: stridesOf(value.shape) },
      { offset: at ? at.start * strides[axis]! : 0, strides },
    );
  }
  if (source !== value) source.dispose();
  return target;
}

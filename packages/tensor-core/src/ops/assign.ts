// In-place update of a leaf tensor's storage (optimizer steps, loading weights): the
// one mutation tensor-core allows. Views of the same storage see the new values.
import { TensorError } from '../errors.js';
import { engine } from '../tensor/engine.js';
import { formatShape, shapesEqual, stridesOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { backendOf } from './op-utils.js';

/** Copies `value` into `target` in place and returns `target`. */
export function assign(target: Tensor, value: Tensor): Tensor {
  const op = 'assign';
  if (!shapesEqual(target.shape, value.shape)) {
    throw new TensorError(
      op,
      `value of shape ${formatShape(value.shape)} does not match the target's ${formatShape(target.shape)}`,
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
  if (target.size > 0) {
    const strides = stridesOf(target.shape);
    backend.copyStrided(
      source.storage,
      target.storage,
      target.dtype,
      target.shape,
      { offset: 0, strides },
      { offset: 0, strides },
    );
  }
  if (source !== value) source.dispose();
  return target;
}

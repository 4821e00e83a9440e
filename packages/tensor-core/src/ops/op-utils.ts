// Plumbing every op shares: finding the backend of its inputs, wrapping kernel
// outputs as tensors, recording the autograd node, turning scalars into tensors, and
// reducing a broadcast gradient back to an input's shape.
import type { GradNode } from '../autograd/grad-node.js';
import type { Backend, Storage } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { TensorError } from '../errors.js';
import { coerceScalar, type DType } from '../tensor/dtype.js';
import { engine } from '../tensor/engine.js';
import { formatShape, type Shape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export type Scalar = number | boolean;
export type TensorLike = Tensor | Scalar;

/** The backend all tensor inputs share; errors name the op if they differ or were disposed. */
export function backendOf(op: string, ...tensors: Tensor[]): Backend {
  let backend: Backend | null = null;
  for (const t of tensors) {
    const b = t.refFor(op).backend;
    if (backend && b !== backend) {
      throw new TensorError(
        op,
        `inputs live on different backends ('${backend.name}' and '${b.name}'); move one with toBackend()`,
      );
    }
    backend = b;
  }
  return backend ?? getBackend();
}

export function wrap(backend: Backend, storage: Storage, shape: Shape, dtype: DType): Tensor {
  return Tensor.fromStorage(backend, storage, shape, dtype);
}

/** Attaches a grad node when recording is on and any input requires grad; else frees `saved`. */
export function record(
  out: Tensor,
  op: string,
  inputs: readonly Tensor[],
  backward: GradNode['backward'],
  saved: readonly Tensor[] = [],
): Tensor {
  if (engine.gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradNode = { op, inputs, backward, saved };
  } else {
    for (const t of saved) t.dispose();
  }
  return out;
}

/** The dtype a scalar takes when combined with a tensor of `dtype` (PyTorch's rule). */
export function scalarDType(value: Scalar, dtype: DType): DType {
  if (typeof value === 'boolean') return dtype;
  if (dtype === 'f32') return 'f32';
  return Number.isInteger(value) ? 'i32' : 'f32';
}

export function scalarTensor(backend: Backend, value: Scalar, dtype: DType): Tensor {
  return wrap(backend, backend.fill(1, dtype, coerceScalar(value, dtype)), [], dtype);
}

export function assertDType(op: string, t: Tensor, allowed: readonly DType[], role = 'input'): void {
  if (!allowed.includes(t.dtype)) {
    throw new TensorError(
      op,
      `${role} must be ${allowed.join(' or ')}, got ${t.dtype} of shape ${formatShape(t.shape)}`,
    );
  }
}

export function assertTensor(op: string, value: unknown, role = 'input'): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    throw new TensorError(op, `${role} must be a Tensor, got ${value === null ? 'null' : typeof value}`);
  }
}

export function assertShape(op: string, t: Tensor, shape: Shape, role: string): void {
  if (!shapesEqual(t.shape, shape)) {
    throw new TensorError(op, `${role} must have shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
}

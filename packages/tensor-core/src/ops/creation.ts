// Creating tensors: from host data, constants, ranges, and the seeded random stream.
import { z } from 'zod';
import type { Backend } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { TensorError } from '../errors.js';
import { allocateArray, type DataArray, type DType, isDType } from '../tensor/dtype.js';
import { engine } from '../tensor/engine.js';
import { assertValidShape, formatShape, type Shape, sizeOf } from '../tensor/shape.js';
import type { NestedArray, Tensor } from '../tensor/tensor.js';
import { wrap } from './op-utils.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  backend?: Backend;
}

export type TensorData = NestedArray | DataArray | readonly number[];

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  return shape;
}

function flatten(data: NestedArray, shape: readonly number[], out: number[], dim: number, op: string): void {
  if (dim === shape.length) {
    if (Array.isArray(data))
      throw new TensorError(op, 'ragged nested array: deeper nesting than the first element');
    if (typeof data === 'boolean') out.push(data ? 1 : 0);
    else if (typeof data === 'number') out.push(data);
    else throw new TensorError(op, `expected numbers or booleans, found ${typeof data}`);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new TensorError(op, `ragged nested array: expected length ${shape[dim]} at depth ${dim}`);
  }
  for (const item of data) flatten(item, shape, out, dim + 1, op);
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function defaultDType(data: TensorData): DType {
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint8Array) return 'bool';
  if (data instanceof Float32Array) return 'f32';
  let probe: unknown = data;
  while (Array.isArray(probe)) probe = probe[0];
  return typeof probe === 'boolean' ? 'bool' : 'f32';
}

/**
 * A tensor from host data: a number, a (nested) array, or a typed array with an
 * explicit shape. The dtype defaults to f32 (bool for booleans, i32 for Int32Array).
 */
export function tensor(
  data: TensorData,
  shapeOrOptions?: Shape | CreateOptions,
  maybeOptions: CreateOptions = {},
): Tensor {
  const op = 'tensor';
  const options = Array.isArray(shapeOrOptions)
    ? maybeOptions
    : ((shapeOrOptions as CreateOptions | undefined) ?? {});
  const explicitShape = Array.isArray(shapeOrOptions) ? (shapeOrOptions as Shape) : undefined;
  const dtype = options.dtype ?? defaultDType(data);
  if (!isDType(dtype)) throw new TensorError(op, `unknown dtype '${String(dtype)}'`);
  let values: ArrayLike<number>;
  let shape: Shape;
  if (ArrayBuffer.isView(data)) {
    values = data as DataArray;
    shape = explicitShape ?? [values.length];
  } else if (typeof data === 'number' || typeof data === 'boolean') {
    values = [typeof data === 'boolean' ? Number(data) : data];
    shape = explicitShape ?? [];
  } else {
    const inferred = inferShape(data as NestedArray);
    const flat: number[] = [];
    flatten(data as NestedArray, inferred, flat, 0, op);
    values = flat;
    shape = explicitShape ?? inferred;
  }
  assertValidShape(shape, op);
  if (sizeOf(shape) !== values.length) {
    throw new TensorError(
      op,
      `${values.length} values cannot fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  const array = allocateArray(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) array[i] = values[i]! !== 0 ? 1 : 0;
  else array.set(values as ArrayLike<number>);
  const backend = options.backend ?? getBackend();
  return finish(wrap(backend, backend.upload(array, dtype), shape, dtype), options);
}

export function full(shape: Shape, value: number | boolean, options: CreateOptions = {}): Tensor {
  assertValidShape(shape, 'full');
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'f32');
  const backend = options.backend ?? getBackend();
  const stored = typeof value === 'boolean' ? Number(value) : dtype === 'i32' ? Math.trunc(value) : value;
  return finish(wrap(backend, backend.fill(sizeOf(shape), dtype, stored), shape, dtype), options);
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

function likeOptions(like: Tensor, options: CreateOptions): CreateOptions {
  return { dtype: like.dtype, backend: like.backend, ...options };
}

export function zerosLike(like: Tensor, options: CreateOptions = {}): Tensor {
  return zeros(like.shape, likeOptions(like, options));
}

export function onesLike(like: Tensor, options: CreateOptions = {}): Tensor {
  return ones(like.shape, likeOptions(like, options));
}

export function fullLike(like: Tensor, value: number | boolean, options: CreateOptions = {}): Tensor {
  return full(like.shape, value, likeOptions(like, options));
}

/** Values start, start+step, … below end (PyTorch's arange; i32 when all arguments are integers). */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new TensorError('arange', `step must be a finite non-zero number, got ${step}`);
  const count = Math.max(0, Math.ceil((end - start) / step));
  const dtype =
    options.dtype ??
    (Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) ? 'i32' : 'f32');
  const values = allocateArray(dtype, count);
  for (let i = 0; i < count; i++) values[i] = start + i * step;
  const backend = options.backend ?? getBackend();
  return finish(wrap(backend, backend.upload(values, dtype), [count], dtype), options);
}

export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new TensorError('linspace', `steps must be a non-negative integer, got ${steps}`);
  const values = new Float32Array(steps);
  for (let i = 0; i < steps; i++) values[i] = steps === 1 ? start : start + ((end - start) * i) / (steps - 1);
  return tensor(values, [steps], { ...options, dtype: 'f32' });
}

export function eye(n: number, options: CreateOptions = {}): Tensor {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  return tensor(values, [n, n], { dtype: 'f32', ...options });
}

export interface RandomOptions extends CreateOptions {
  /** Draw from a fresh stream with this seed instead of the default stream. */
  seed?: number;
}

const randomOptionsSchema = z.object({
  seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
});

function randomTensor(
  op: string,
  shape: Shape,
  distribution: 'uniform' | 'normal',
  a: number,
  b: number,
  options: RandomOptions,
): Tensor {
  assertValidShape(shape, op);
  const parsed = randomOptionsSchema.safeParse({ seed: options.seed });
  if (!parsed.success)
    throw new TensorError(op, `invalid seed ${String(options.seed)}: must be a non-negative safe integer`);
  const size = sizeOf(shape);
  const stream =
    options.seed !== undefined ? { seed: options.seed, offset: 0 } : engine.nextRandom(distribution, size);
  const backend = options.backend ?? getBackend();
  const storage = backend.random({ size, distribution, a, b, seed: stream.seed, offset: stream.offset });
  return finish(wrap(backend, storage, shape, 'f32'), options);
}

/** Uniform in [low, high) from the seeded counter-based stream. */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  return randomTensor('rand', shape, 'uniform', options.low ?? 0, options.high ?? 1, options);
}

/** Normal(mean, std) from the seeded counter-based stream. */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  return randomTensor('randn', shape, 'normal', options.mean ?? 0, options.std ?? 1, options);
}

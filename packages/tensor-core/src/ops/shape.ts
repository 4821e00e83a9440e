// Shape and movement ops. Reshapes are free views of the same storage; everything
// else (permute, slice, expand, concat) is one strided-copy kernel per input, so a
// backend implements a single `copyStrided` primitive for all of them.
import type { StridedView } from '../backend/backend.js';
import { TensorError } from '../errors.js';
import { promoteTypes } from '../tensor/dtype.js';
import {
  broadcastShapes,
  broadcastStrides,
  formatShape,
  normalizeAxis,
  type Shape,
  shapesEqual,
  sizeOf,
  stridesOf,
} from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { backendOf, record, wrap } from './op-utils.js';
import { sumToShape } from './reduce.js';

/** A dense copy of a strided view of x (the one primitive behind all movement ops). */
function gatherView(x: Tensor, shape: Shape, view: StridedView, op: string): Tensor {
  const backend = backendOf(op, x);
  const size = sizeOf(shape);
  const out = backend.alloc(size, x.dtype);
  if (size > 0)
    backend.copyStrided(x.storage, out, x.dtype, shape, view, { offset: 0, strides: stridesOf(shape) });
  return wrap(backend, out, shape, x.dtype);
}

/** Zeros of `fullShape` with `src` written into a strided view (the adjoint of gatherView). */
function scatterView(src: Tensor, fullShape: Shape, view: StridedView, op: string): Tensor {
  const backend = backendOf(op, src);
  const out = backend.fill(sizeOf(fullShape), src.dtype, 0);
  if (src.size > 0)
    backend.copyStrided(
      src.storage,
      out,
      src.dtype,
      src.shape,
      { offset: 0, strides: stridesOf(src.shape) },
      view,
    );
  return wrap(backend, out, fullShape, src.dtype);
}

// ---------------------------------------------------------------------------------
// views

function resolveShape(shape: readonly number[], size: number, op: string, from: Shape): number[] {
  const inferred = shape.indexOf(-1);
  if (inferred !== shape.lastIndexOf(-1))
    throw new TensorError(op, `only one dimension can be -1, got ${formatShape(shape)}`);
  const out = [...shape];
  if (inferred >= 0) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || size % known !== 0) {
      throw new TensorError(
        op,
        `cannot reshape ${formatShape(from)} (${size} elements) into ${formatShape(shape)}`,
      );
    }
    out[inferred] = size / known;
  }
  for (const d of out) {
    if (!Number.isInteger(d) || d < 0)
      throw new TensorError(op, `invalid target shape ${formatShape(shape)}`);
  }
  if (sizeOf(out) !== size) {
    throw new TensorError(
      op,
      `cannot reshape ${formatShape(from)} (${size} elements) into ${formatShape(shape)} (${sizeOf(out)} elements)`,
    );
  }
  return out;
}

/** Same elements, new shape (one dimension may be -1). Never copies. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape(shape, x.size, 'reshape', x.shape);
  const y = x.withShape(target);
  return record(y, 'reshape', [x], (dy) => [reshape(dy, x.shape)]);
}

export const view = reshape;

export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const start = normalizeAxis(startAxis, x.rank, 'flatten');
  const end = normalizeAxis(endAxis, x.rank, 'flatten');
  if (start > end) throw new TensorError('flatten', `startAxis ${startAxis} comes after endAxis ${endAxis}`);
  const merged = sizeOf(x.shape.slice(start, end + 1));
  return reshape(x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)]);
}

/** Removes size-1 dimensions (all of them, or the given axis). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const a = normalizeAxis(axis, x.rank, 'squeeze');
  if (x.shape[a] !== 1) return reshape(x, x.shape);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** A tensor sharing storage with x but cut from the autograd graph. */
export function detach(x: Tensor): Tensor {
  return x.withShape(x.shape);
}

// ---------------------------------------------------------------------------------
// copies

/** A copy that shares nothing with x; the gradient passes straight through. */
export function clone(x: Tensor): Tensor {
  const y = gatherView(x, x.shape, { offset: 0, strides: stridesOf(x.shape) }, 'clone');
  return record(y, 'clone', [x], (dy) => [dy]);
}

/** Broadcasts x to `shape` (materialised; PyTorch's expand / broadcast_to). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const target = shape.map((d, i) => (d === -1 ? (x.shape[i - (shape.length - x.rank)] ?? 1) : d));
  const out = broadcastShapes(x.shape, target, 'expand');
  if (!shapesEqual(out, target)) {
    throw new TensorError('expand', `cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  if (shapesEqual(x.shape, target)) return reshape(x, target);
  const y = gatherView(x, target, { offset: 0, strides: broadcastStrides(x.shape, target) }, 'expand');
  return record(y, 'expand', [x], (dy) => [sumToShape(dy, x.shape)]);
}

export const broadcastTo = expand;

/** Reorders dimensions: output dimension i is input dimension dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const op = 'permute';
  if (dims.length !== x.rank)
    throw new TensorError(
      op,
      `expected ${x.rank} dims for shape ${formatShape(x.shape)}, got ${formatShape(dims)}`,
    );
  const axes = dims.map((d) => normalizeAxis(d, x.rank, op));
  if (new Set(axes).size !== axes.length)
    throw new TensorError(op, `dims ${formatShape(dims)} repeat an axis`);
  if (axes.every((a, i) => a === i)) return reshape(x, x.shape);
  const strides = stridesOf(x.shape);
  const shape = axes.map((a) => x.shape[a]!);
  const y = gatherView(x, shape, { offset: 0, strides: axes.map((a) => strides[a]!) }, op);
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => {
    inverse[a] = i;
  });
  return record(y, op, [x], (dy) => [permute(dy, inverse)]);
}

/** Swaps two dimensions (the last two by default, i.e. a matrix transpose). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.rank < 2) return reshape(x, x.shape);
  const a = normalizeAxis(axis0, x.rank, 'transpose');
  const b = normalizeAxis(axis1, x.rank, 'transpose');
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

// ---------------------------------------------------------------------------------
// slicing

/**
 * One entry per leading axis: a number picks an index (and drops the axis), `null`
 * keeps the whole axis, `[start, end, step]` (each optional, negatives count from the
 * end, as Python) takes a range. `slice(x, [null, [1, 3], -1])` is `x[:, 1:3, -1]`.
 */
export type SliceSpec = number | null | readonly [start?: number | null, end?: number | null, step?: number];

export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  const op = 'slice';
  if (specs.length > x.rank)
    throw new TensorError(op, `${specs.length} slice entries for a tensor of rank ${x.rank}`);
  const inStrides = stridesOf(x.shape);
  let offset = 0;
  const shape: number[] = [];
  const strides: number[] = [];
  for (let axis = 0; axis < x.rank; axis++) {
    const dim = x.shape[axis]!;
    const spec = axis < specs.length ? specs[axis] : null;
    if (typeof spec === 'number') {
      const index = spec < 0 ? spec + dim : spec;
      if (!Number.isInteger(spec) || index < 0 || index >= dim) {
        throw new TensorError(op, `index ${spec} is out of range for axis ${axis} of size ${dim}`);
      }
      offset += index * inStrides[axis]!;
      continue;
    }
    const [rawStart, rawEnd, rawStep] = spec ?? [];
    const step = rawStep ?? 1;
    if (!Number.isInteger(step) || step <= 0)
      throw new TensorError(op, `step must be a positive integer, got ${step} on axis ${axis}`);
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
    const start = rawStart === null || rawStart === undefined ? 0 : clamp(rawStart);
    const end = rawEnd === null || rawEnd === undefined ? dim : clamp(rawEnd);
    const length = Math.max(0, Math.ceil((end - start) / step));
    offset += length > 0 ? start * inStrides[axis]! : 0;
    shape.push(length);
    strides.push(inStrides[axis]! * step);
  }
  const viewSpec = { offset, strides };
  const y = gatherView(x, shape, viewSpec, op);
  return record(y, op, [x], (dy) => [scatterView(dy, x.shape, viewSpec, 'slice backward')]);
}

/** `length` elements of `axis` starting at `start` (torch.narrow). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normalizeAxis(axis, x.rank, 'narrow');
  const dim = x.shape[a]!;
  const s = start < 0 ? start + dim : start;
  if (!Number.isInteger(length) || length < 0 || s < 0 || s + length > dim) {
    throw new TensorError(
      'narrow',
      `range [${start}, ${start}+${length}) is out of bounds for axis ${axis} of size ${dim}`,
    );
  }
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[a] = [s, s + length];
  return slice(x, specs);
}

// ---------------------------------------------------------------------------------
// joining and splitting

/** Joins tensors along an existing axis; dtypes are promoted to a common one. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'concat';
  if (tensors.length === 0) throw new TensorError(op, 'needs at least one tensor');
  const first = tensors[0]!;
  const a = normalizeAxis(axis, first.rank, op);
  const dtype = tensors.reduce((d, t) => promoteTypes(d, t.dtype), first.dtype);
  for (const t of tensors) {
    const sameRank = t.rank === first.rank;
    if (!sameRank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new TensorError(
        op,
        `shapes ${tensors.map((s) => formatShape(s.shape)).join(', ')} differ outside axis ${axis}`,
      );
    }
  }
  const backend = backendOf(op, ...tensors);
  const shape = [...first.shape];
  shape[a] = tensors.reduce((n, t) => n + t.shape[a]!, 0);
  const outStrides = stridesOf(shape);
  const out = backend.alloc(sizeOf(shape), dtype);
  let start = 0;
  for (const t of tensors) {
    const src = t.dtype === dtype ? t : cast(t, dtype);
    if (src.size > 0) {
      backend.copyStrided(
        src.storage,
        out,
        dtype,
        src.shape,
        { offset: 0, strides: stridesOf(src.shape) },
        {
          offset: start * outStrides[a]!,
          strides: outStrides,
        },
      );
    }
    if (src !== t) src.dispose();
    start += t.shape[a]!;
  }
  const y = wrap(backend, out, shape, dtype);
  return record(y, op, tensors, (dy) => {
    let at = 0;
    return tensors.map((t) => {
      const part = narrow(dy, a, at, t.shape[a]!);
      at += t.shape[a]!;
      return part;
    });
  });
}

export const cat = concat;

/** Joins same-shape tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new TensorError('stack', 'needs at least one tensor');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new TensorError(
        'stack',
        `all tensors must have one shape, got ${tensors.map((s) => formatShape(s.shape)).join(', ')}`,
      );
    }
  }
  const a = normalizeAxis(axis, first.rank + 1, 'stack');
  return concat(
    tensors.map((t) => unsqueeze(t, a)),
    a,
  );
}

/** Splits into pieces of `sizeOrSections` elements (the last may be smaller) or of the listed sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.rank, 'split');
  const dim = x.shape[a]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) {
      throw new TensorError('split', `split size must be a positive integer, got ${sizeOrSections}`);
    }
    sizes = [];
    for (let at = 0; at < dim; at += sizeOrSections) sizes.push(Math.min(sizeOrSections, dim - at));
  } else {
    sizes = [...sizeOrSections];
    const total = sizes.reduce((n, s) => n + s, 0);
    if (total !== dim)
      throw new TensorError(
        'split',
        `sections ${formatShape(sizes)} sum to ${total}, but axis ${axis} has ${dim}`,
      );
  }
  let at = 0;
  return sizes.map((s) => {
    const part = narrow(x, a, at, s);
    at += s;
    return part;
  });
}

/** Splits into `chunks` nearly equal pieces along an axis (torch.chunk). */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.rank, 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[a]! / chunks)), a);
}

// Shape arithmetic shared by ops and backends: sizes, row-major strides,
// NumPy/PyTorch broadcasting, axis normalisation. Pure functions, no tensors.
import { TensorError } from '../errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major (C order) element strides. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function assertValidShape(shape: Shape, op: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TensorError(
        op,
        `invalid shape ${formatShape(shape)}: dimensions must be non-negative integers`,
      );
    }
  }
}

/** The broadcast shape of two shapes (NumPy rules), or an error naming the op. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new TensorError(
        op,
        `shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (dimension ${i - rank} is ${da} vs ${db})`,
      );
    }
  }
  return out;
}

export function broadcastShapeOf(shapes: readonly Shape[], op: string): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastShapes(out, s, op);
  return out;
}

/**
 * Element strides that read a tensor of `inShape` as if it had `outShape`
 * (right-aligned; broadcast dimensions get stride 0). `outShape` must be a
 * valid broadcast target of `inShape`.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const inStrides = stridesOf(inShape);
  const offset = outShape.length - inShape.length;
  const strides = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    strides[i + offset] = inShape[i] === 1 && outShape[i + offset] !== 1 ? 0 : inStrides[i]!;
  }
  return strides;
}

export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1)) {
    throw new TensorError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + Math.max(rank, 1) : axis;
}

/** Sorted, unique, non-negative axes; `undefined` means all axes. */
export function normalizeAxes(
  axes: number | readonly number[] | undefined,
  rank: number,
  op: string,
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const normalized = list.map((a) => normalizeAxis(a, rank, op));
  const unique = [...new Set(normalized)].sort((x, y) => x - y);
  if (unique.length !== normalized.length) throw new TensorError(op, `repeated axis in ${formatShape(list)}`);
  return unique;
}

/** Splits a shape around one axis into (outer, axis size, inner) element counts. */
export function splitAroundAxis(shape: Shape, axis: number): { outer: number; size: number; inner: number } {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    size: shape[axis] ?? 1,
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

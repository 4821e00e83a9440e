// Strided views of a storage (what torch.save keeps for a transposed, sliced or expanded
// tensor), made contiguous in row-major order on read.

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Row-major strides are the only layout read without a gather; size-1 dims may carry any stride. */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** The highest element index a non-empty view touches, relative to its storage offset. */
export function lastElementIndex(shape: readonly number[], stride: readonly number[]): number {
  return shape.reduce((sum, d, i) => sum + (d - 1) * stride[i]!, 0);
}

/**
 * Copies a strided view out of `span` (the storage bytes from the view's first element
 * on) into a contiguous row-major array of `elementBytes`-sized elements.
 */
export function gatherStrided(
  span: Uint8Array,
  elementBytes: number,
  shape: readonly number[],
  stride: readonly number[],
): Uint8Array {
  const count = elementCount(shape);
  const out = new Uint8Array(count * elementBytes);
  if (count === 0) return out;
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let n = 0; n < count; n++) {
    const from = source * elementBytes;
    out.set(span.subarray(from, from + elementBytes), n * elementBytes);
    // Odometer step: bump the last axis, carrying into earlier ones.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      source += stride[axis]!;
      if (index[axis]! < shape[axis]!) break;
      source -= stride[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

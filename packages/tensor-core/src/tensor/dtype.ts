// Element types a tensor can hold, their typed-array storage on the host, and the
// promotion rule binary ops use (bool < i32 < f32, as in PyTorch's type lattice).
// 'f16' is reserved: backends may add it later without changing this interface's shape.

export type DType = 'f32' | 'i32' | 'bool';

export const DTYPES: readonly DType[] = ['f32', 'i32', 'bool'];

/** Host-side array type of each dtype (what `data()` returns). */
export type DataArray = Float32Array | Int32Array | Uint8Array;

export type DataArrayFor<D extends DType> = D extends 'f32'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : Uint8Array;

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = { f32: 4, i32: 4, bool: 1 };

export function allocateArray(dtype: DType, size: number): DataArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(size);
    case 'i32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export function isDType(value: unknown): value is DType {
  return value === 'f32' || value === 'i32' || value === 'bool';
}

const RANK: Readonly<Record<DType, number>> = { bool: 0, i32: 1, f32: 2 };

/** The dtype both operands of a binary op are converted to before the kernel runs. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Converts a host value to the representation stored for `dtype`. */
export function coerceScalar(value: number | boolean, dtype: DType): number {
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  if (dtype === 'i32') return Math.trunc(n) | 0;
  if (dtype === 'bool') return n !== 0 ? 1 : 0;
  return n;
}

// The one movement primitive: copy a strided view into a strided view. Transpose,
// permute, slice, expand and concat all reduce to it.
import type { DataArray, Shape, StridedView } from '@tensorlm/tensor-core';

export function copyStridedKernel(
  src: DataArray,
  dst: DataArray,
  shape: Shape,
  from: StridedView,
  to: StridedView,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[to.offset] = src[from.offset]!;
    return;
  }
  const inner = shape[rank - 1]!;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const si = from.strides[rank - 1]!;
  const di = to.strides[rank - 1]!;
  const index = new Array<number>(rank - 1).fill(0);
  let s = from.offset;
  let t = to.offset;
  for (let o = 0; o < total; o += inner) {
    if (si === 1 && di === 1) {
      for (let j = 0; j < inner; j++) dst[t + j] = src[s + j]!;
    } else {
      for (let j = 0; j < inner; j++) dst[t + j * di] = src[s + j * si]!;
    }
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      s += from.strides[d]!;
      t += to.strides[d]!;
      if (index[d]! < shape[d]!) break;
      s -= from.strides[d]! * shape[d]!;
      t -= to.strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

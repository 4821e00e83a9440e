// Index kernels: index_select / index_add over (outer, size, inner) with one shared
// index list, and gather / scatter-add along an axis with a per-position index.
// Out-of-range indices are an error that names the kernel, the index and the bound.
import { type AxisLayout, type DataArray, TensorError } from '@tensorlm/tensor-core';

function checkIndex(kernel: string, index: number, size: number): void {
  if (index < 0 || index >= size) {
    throw new TensorError(kernel, `index ${index} is out of range for an axis of size ${size}`);
  }
}

export function indexSelectKernel(
  x: DataArray,
  indices: Int32Array,
  out: DataArray,
  { outer, size, inner }: AxisLayout,
): void {
  const m = indices.length;
  for (let j = 0; j < m; j++) checkIndex('indexSelect', indices[j]!, size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * size + indices[j]!) * inner;
      const dst = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x[src + i]!;
    }
  }
}

export function indexAddKernel(
  src: Float32Array,
  indices: Int32Array,
  out: Float32Array,
  { outer, size, inner }: AxisLayout,
): void {
  const m = indices.length;
  for (let j = 0; j < m; j++) checkIndex('indexAdd', indices[j]!, size);
  out.fill(0);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const from = (o * m + j) * inner;
      const to = (o * size + indices[j]!) * inner;
      for (let i = 0; i < inner; i++) out[to + i]! += src[from + i]!;
    }
  }
}

export function gatherAlongKernel(
  x: DataArray,
  indices: Int32Array,
  out: DataArray,
  { outer, size, inner }: AxisLayout,
): void {
  const m = indices.length / Math.max(outer * inner, 1);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * m + j) * inner + i;
        const index = indices[at]!;
        checkIndex('gather', index, size);
        out[at] = x[(o * size + index) * inner + i]!;
      }
    }
  }
}

export function scatterAddAlongKernel(
  src: Float32Array,
  indices: Int32Array,
  out: Float32Array,
  { outer, size, inner }: AxisLayout,
): void {
  const m = indices.length / Math.max(outer * inner, 1);
  out.fill(0);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * m + j) * inner + i;
        const index = indices[at]!;
        checkIndex('scatterAdd', index, size);
        out[(o * size + index) * inner + i]! += src[at]!;
      }
    }
  }
}

// Reductions over the middle axis of (outer, size, inner). Accumulation is in f64
// (JS numbers), so the reference is more precise than any f32 backend it checks.
import type { AxisLayout, DataArray, ReduceOp } from '@tensorlm/tensor-core';

export function reduceKernel(
  op: ReduceOp,
  x: DataArray,
  out: DataArray,
  { outer, size, inner }: AxisLayout,
): void {
  const acc = new Float64Array(inner);
  const best = new Int32Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    if (op === 'sum' || op === 'mean') {
      acc.fill(0);
      for (let s = 0; s < size; s++) {
        const row = base + s * inner;
        for (let i = 0; i < inner; i++) acc[i]! += x[row + i]!;
      }
      const scale = op === 'mean' ? 1 / size : 1;
      for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i]! * scale;
    } else if (op === 'max' || op === 'min') {
      const isMax = op === 'max';
      for (let i = 0; i < inner; i++) acc[i] = x[base + i]!;
      for (let s = 1; s < size; s++) {
        const row = base + s * inner;
        for (let i = 0; i < inner; i++) {
          const v = x[row + i]!;
          // NaN wins, as in PyTorch: once acc is NaN no comparison replaces it.
          if (Number.isNaN(v) || (isMax ? v > acc[i]! : v < acc[i]!)) acc[i] = v;
        }
      }
      for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i]!;
    } else {
      const isMax = op === 'argmax';
      for (let i = 0; i < inner; i++) {
        acc[i] = x[base + i]!;
        best[i] = 0;
      }
      for (let s = 1; s < size; s++) {
        const row = base + s * inner;
        for (let i = 0; i < inner; i++) {
          const v = x[row + i]!;
          const current = acc[i]!;
          if (Number.isNaN(current)) continue;
          if (Number.isNaN(v) || (isMax ? v > current : v < current)) {
            acc[i] = v;
            best[i] = s;
          }
        }
      }
      for (let i = 0; i < inner; i++) out[o * inner + i] = best[i]!;
    }
  }
}

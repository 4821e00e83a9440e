// Shape bookkeeping for the layout kernels (wasm/layout-kernels.ts): merges the axes
// that every operand walks contiguously, so a broadcast or a strided copy reaches wasm
// as a few calls over (rows × cols) or a 4-d view instead of one JS step per row.
import type { Shape } from '@tensorlm/tensor-core';

export interface Coalesced {
  readonly shape: number[];
  /** One stride array per operand, in elements, aligned with `shape`. */
  readonly strides: number[][];
}

/**
 * Drops size-1 axes and merges axis d into d + 1 wherever every operand has
 * stride[d] = stride[d + 1]·shape[d + 1] (broadcast axes, stride 0, merge with each other).
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): Coalesced {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    outShape.push(shape[d]!);
    for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
  }
  for (let d = outShape.length - 2; d >= 0; d--) {
    const inner = outShape[d + 1]!;
    if (outStrides.every((s) => s[d] === s[d + 1]! * inner)) {
      outShape.splice(d, 2, outShape[d]! * inner);
      for (const s of outStrides) s.splice(d, 2, s[d + 1]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Calls `visit(offsets)` for every index of `shape` with each operand's element offset. */
export function forEachIndex(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  visit: (offsets: readonly number[]) => void,
): void {
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const offsets = strides.map(() => 0);
  for (let n = 0; n < total; n++) {
    visit(offsets);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      for (let k = 0; k < strides.length; k++) offsets[k]! += strides[k]![d]!;
      if (index[d]! < shape[d]!) break;
      for (let k = 0; k < strides.length; k++) offsets[k]! -= strides[k]![d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

/** A broadcast element-wise op as (outer…) × rows × cols calls of a 2-d kernel. */
export interface RowsPlan {
  /** Column modes, one letter per operand: 'd' dense, 's' one value per row. */
  readonly modes: string;
  readonly rows: number;
  readonly cols: number;
  /** Per operand, elements between consecutive rows (0: the row repeats). */
  readonly rowStrides: number[];
  /** The axes above rows, with their operand strides (the output is dense). */
  readonly outerShape: number[];
  readonly outerStrides: number[][];
}

/**
 * Plans `shape` (the dense output) over operands with broadcast strides; null when an
 * operand's innermost stride is neither 0 nor 1 (not a broadcast layout).
 */
export function planRows(shape: Shape, strides: readonly (readonly number[])[]): RowsPlan | null {
  const c = coalesce(shape, strides);
  const rank = c.shape.length;
  const cols = rank > 0 ? c.shape[rank - 1]! : 1;
  const rows = rank > 1 ? c.shape[rank - 2]! : 1;
  let modes = '';
  for (const s of c.strides) {
    const inner = rank > 0 ? s[rank - 1]! : 0;
    if (inner !== 0 && inner !== 1) return null;
    modes += inner === 1 ? 'd' : 's';
  }
  return {
    modes,
    rows,
    cols,
    rowStrides: c.strides.map((s) => (rank > 1 ? s[rank - 2]! : 0)),
    outerShape: c.shape.slice(0, Math.max(rank - 2, 0)),
    outerStrides: c.strides.map((s) => s.slice(0, Math.max(rank - 2, 0))),
  };
}

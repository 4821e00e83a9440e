// Index kernels. Selects move raw words (any dtype); the scatter-adds accumulate f32
// with a compare-and-swap loop on the value's bits, since WGSL has no float atomics.
// An out-of-range index reads 0 and writes nothing, and is reported through the
// index-error flag, which the next readback turns into the CPU backend's TensorError.
import type { AxisLayout } from '@tensorlm/tensor-core';
import type { RowWindow } from '../binding-windows.js';
import { IndexKernel, indexErrorWgsl } from '../index-errors.js';
import { ParamWriter } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
import { elementMain, grid } from './wgsl.js';

const ATOMIC_ADD = /* wgsl */ `
fn atomicAddF32(at: u32, value: f32) {
  var old = atomicLoad(&Out[at]);
  loop {
    let next = bitcast<u32>(bitcast<f32>(old) + value);
    let result = atomicCompareExchangeWeak(&Out[at], old, next);
    if (result.exchanged) { break; }
    old = result.old_value;
  }
}`;

/**
 * How the indices address the indexed axis of x as (outer, size, inner):
 * - 'oneListForAllSlices': one 1-D list of m indices, the same for every outer slice
 *   (index_select, embedding, and its index_add backward);
 * - 'onePerElement': indices shaped (outer, m, inner) like the output, each picking the
 *   row of its own element (torch.gather / scatter_add along an axis).
 */
export type Indexing = 'oneListForAllSlices' | 'onePerElement';

/** The index of output element i, in WGSL, for each indexing. */
const INDEX_OF: Record<Indexing, string> = { oneListForAllSlices: 'Index[j]', onePerElement: 'Index[i]' };

function params(total: number, layout: AxisLayout, m: number, rows: RowWindow): ParamWriter {
  return new ParamWriter()
    .u32(total)
    .u32(layout.size)
    .u32(layout.inner)
    .u32(m)
    .u32(rows.start)
    .u32(rows.count);
}

export function indexSelectKernel(
  rt: GpuRuntime,
  x: GpuBinding,
  indices: GpuBinding,
  m: number,
  layout: AxisLayout,
  out: GpuBinding,
  indexing: Indexing,
  rows: RowWindow = { start: 0, count: layout.size },
): void {
  const total = layout.outer * m * layout.inner;
  if (total === 0) return;
  const key = indexing === 'oneListForAllSlices' ? 'indexSelect' : 'gatherAlong';
  const code = indexing === 'oneListForAllSlices' ? IndexKernel.indexSelect : IndexKernel.gather;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { total: u32, size: u32, inner: u32, m: u32, rowStart: u32, rowCount: u32 }
@group(0) @binding(0) var<storage, read> X: array<u32>;
@group(0) @binding(1) var<storage, read> Index: array<i32>;
@group(0) @binding(2) var<storage, read_write> Out: array<u32>;
${indexErrorWgsl(3)}
@group(0) @binding(4) var<uniform> p: Params;
${elementMain('p.total')}
  let c = i % p.inner;
  let j = (i / p.inner) % p.m;
  let o = i / (p.inner * p.m);
  let index = ${INDEX_OF[indexing]};
  if (index < 0 || u32(index) >= p.size) {
    Out[i] = 0u;
    reportBadIndex(${code}u, index, p.size, 0);
    return;
  }
  // Windowed: this pass writes only the rows its binding of X holds.
  let row = u32(index) - p.rowStart;
  if (u32(index) < p.rowStart || row >= p.rowCount) { return; }
  Out[i] = X[(o * p.rowCount + row) * p.inner + c];
}`,
  );
  const bound = [x, indices, out, rt.indexErrorFlag()];
  rt.dispatch(key, pipeline, bound, params(total, layout, m, rows), grid(total));
}

/** `out` must be zeroed first (the runtime clears it). */
export function scatterAddKernel(
  rt: GpuRuntime,
  src: GpuBinding,
  indices: GpuBinding,
  m: number,
  layout: AxisLayout,
  out: GpuBinding,
  indexing: Indexing,
  rows: RowWindow = { start: 0, count: layout.size },
): void {
  const total = layout.outer * m * layout.inner;
  if (total === 0) return;
  const key = indexing === 'oneListForAllSlices' ? 'indexAdd' : 'scatterAddAlong';
  const code = indexing === 'oneListForAllSlices' ? IndexKernel.indexAdd : IndexKernel.scatterAdd;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { total: u32, size: u32, inner: u32, m: u32, rowStart: u32, rowCount: u32 }
@group(0) @binding(0) var<storage, read> Src: array<f32>;
@group(0) @binding(1) var<storage, read> Index: array<i32>;
@group(0) @binding(2) var<storage, read_write> Out: array<atomic<u32>>;
${indexErrorWgsl(3)}
@group(0) @binding(4) var<uniform> p: Params;
${ATOMIC_ADD}
${elementMain('p.total')}
  let c = i % p.inner;
  let j = (i / p.inner) % p.m;
  let o = i / (p.inner * p.m);
  let index = ${INDEX_OF[indexing]};
  if (index < 0 || u32(index) >= p.size) {
    reportBadIndex(${code}u, index, p.size, 0);
    return;
  }
  let row = u32(index) - p.rowStart;
  if (u32(index) < p.rowStart || row >= p.rowCount) { return; }
  atomicAddF32((o * p.rowCount + row) * p.inner + c, Src[i]);
}`,
  );
  const bound = [src, indices, out, rt.indexErrorFlag()];
  rt.dispatch(key, pipeline, bound, params(total, layout, m, rows), grid(total));
}

/**
 * indexAdd without atomics, for a short indexed axis (the toy grammar's 39 embeddings,
 * positions): one thread per output element sums the source rows whose index points at
 * it. All 10,240 token gradients of a batch land on 39 rows, where the atomic loop above
 * would retry almost every compare-and-swap; here each sum is one plain loop and its
 * order is fixed, so the result is deterministic.
 */
export function indexAddByRowKernel(
  rt: GpuRuntime,
  src: GpuBinding,
  indices: GpuBinding,
  m: number,
  layout: AxisLayout,
  out: GpuBinding,
): void {
  const total = layout.outer * layout.size * layout.inner;
  if (total === 0) return;
  const key = 'indexAddByRow';
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { total: u32, size: u32, inner: u32, m: u32 }
@group(0) @binding(0) var<storage, read> Src: array<f32>;
@group(0) @binding(1) var<storage, read> Index: array<i32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;
${indexErrorWgsl(3)}
@group(0) @binding(4) var<uniform> p: Params;
${elementMain('p.total')}
  let c = i % p.inner;
  let r = (i / p.inner) % p.size;
  let o = i / (p.inner * p.size);
  var acc = 0.0;
  for (var j = 0u; j < p.m; j = j + 1u) {
    let index = Index[j];
    if (index == i32(r)) { acc = acc + Src[(o * p.m + j) * p.inner + c]; }
    // A bad index matches no row; thread 0 (which visits every index) reports it.
    if (i == 0u && (index < 0 || u32(index) >= p.size)) { reportBadIndex(${IndexKernel.indexAdd}u, index, p.size, 0); }
  }
  Out[i] = acc;
}`,
  );
  const params = new ParamWriter().u32(total).u32(layout.size).u32(layout.inner).u32(m);
  rt.dispatch(key, pipeline, [src, indices, out, rt.indexErrorFlag()], params, grid(total));
}

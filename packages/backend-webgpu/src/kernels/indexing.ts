// Index kernels. Selects move raw words (any dtype); the scatter-adds accumulate f32
// with a compare-and-swap loop on the value's bits, since WGSL has no float atomics.
// An out-of-range index reads 0 and writes nothing, and is reported through the
// index-error flag, which the next readback turns into the CPU backend's TensorError.
// Past one storage binding, a kernel runs once per window of the indexed table's rows
// (× box of the other side), each pass touching only the rows it binds.
import type { AxisLayout } from '@tensorlm/tensor-core';
import { bindsWhole, forEachBox, usableElements } from '../binding-windows.js';
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

/** Strides of the (outer, m, inner) index space into the indices, per indexing. */
function indexStrides(indexing: Indexing, m: number, inner: number): number[] {
  return indexing === 'oneListForAllSlices' ? [0, 1, 0] : [m * inner, inner, 1];
}

/**
 * The index kernels' params: a box of (outer, m, inner) of `bm` × `bi` inner sizes;
 * the dense side (the output of a gather, the source of a scatter) at
 * dense + o·denseRow + j·inner + c, the index at index + o·idxRow + j·idxStep +
 * c·idxCol, and the table's rows [rowStart, rowStart + rowCount) — the side indexed by
 * the indices — at table + o·tableRow + (row − rowStart)·inner + c.
 */
const PARAMS = `struct Params { total: u32, bm: u32, bi: u32, size: u32, rowStart: u32, rowCount: u32, inner: u32, denseRow: u32, tableRow: u32, idxRow: u32, idxStep: u32, idxCol: u32, denseBase: u32, tableBase: u32, idxBase: u32 }`;

const LOCATE = /* wgsl */ `
  let c = i % p.bi;
  let j = (i / p.bi) % p.bm;
  let o = i / (p.bi * p.bm);
  let index = Index[p.idxBase + o * p.idxRow + j * p.idxStep + c * p.idxCol];
  let dense = p.denseBase + o * p.denseRow + j * p.inner + c;`;

/**
 * Runs an index kernel once per window of the table's rows × box of (outer, m, inner)
 * whose spans fit the binding limit (once, when all buffers bind whole). Each pass
 * touches only the table rows it binds; indices outside them are left to other passes.
 */
function forEachIndexPass(
  rt: GpuRuntime,
  table: GPUBuffer,
  dense: GPUBuffer,
  indices: GPUBuffer,
  m: number,
  layout: AxisLayout,
  indexing: Indexing,
  run: (
    params: ParamWriter,
    bound: { table: GpuBinding; dense: GpuBinding; indices: GpuBinding },
    total: number,
  ) => void,
): void {
  const limits = rt.bindingLimits;
  const { outer, size, inner } = layout;
  let rowsPerWindow = size;
  if (!bindsWhole(table, limits)) rowsPerWindow = Math.max(1, Math.floor(usableElements(limits) / inner));
  const windows = Math.ceil(size / rowsPerWindow);
  const length = Math.ceil(size / windows);
  const idx = indexStrides(indexing, m, inner);
  for (let rowStart = 0; rowStart < size; rowStart += length) {
    const rowCount = Math.min(length, size - rowStart);
    const operands = [
      { buffer: dense, offset: 0, strides: [m * inner, inner, 1] },
      { buffer: indices, offset: 0, strides: idx },
      // The table's span covers this window's rows at each (outer, inner) of the box.
      {
        buffer: table,
        offset: rowStart * inner,
        strides: [size * inner, 0, 1],
        tail: (rowCount - 1) * inner,
      },
    ];
    forEachBox([outer, m, inner], operands, limits, (box, [d, ix, t]) => {
      const total = box.shape[0]! * box.shape[1]! * box.shape[2]!;
      if (total === 0) return;
      const params = new ParamWriter()
        .u32(total)
        .u32(box.shape[1]!)
        .u32(box.shape[2]!)
        .u32(size)
        .u32(rowStart)
        .u32(rowCount)
        .u32(inner)
        .u32(m * inner)
        .u32(size * inner)
        .u32(idx[0]!)
        .u32(idx[1]!)
        .u32(idx[2]!)
        .u32(d!.base)
        .u32(t!.base)
        .u32(ix!.base);
      run(params, { table: t!.binding, dense: d!.binding, indices: ix!.binding }, total);
    });
  }
}

export function indexSelectKernel(
  rt: GpuRuntime,
  x: GPUBuffer,
  indices: GPUBuffer,
  m: number,
  layout: AxisLayout,
  out: GPUBuffer,
  indexing: Indexing,
): void {
  if (layout.outer * m * layout.inner === 0) return;
  const key = indexing === 'oneListForAllSlices' ? 'indexSelect' : 'gatherAlong';
  const code = indexing === 'oneListForAllSlices' ? IndexKernel.indexSelect : IndexKernel.gather;
  const pipeline = rt.pipeline(
    key,
    () => `
${PARAMS}
@group(0) @binding(0) var<storage, read> X: array<u32>;
@group(0) @binding(1) var<storage, read> Index: array<i32>;
@group(0) @binding(2) var<storage, read_write> Out: array<u32>;
${indexErrorWgsl(3)}
@group(0) @binding(4) var<uniform> p: Params;
${elementMain('p.total')}
${LOCATE}
  if (index < 0 || u32(index) >= p.size) {
    Out[dense] = 0u;
    reportBadIndex(${code}u, index, p.size, 0);
    return;
  }
  // Windowed: this pass writes only the rows its binding of X holds.
  let row = u32(index) - p.rowStart;
  if (u32(index) < p.rowStart || row >= p.rowCount) { return; }
  Out[dense] = X[p.tableBase + o * p.tableRow + row * p.inner + c];
}`,
  );
  forEachIndexPass(rt, x, out, indices, m, layout, indexing, (params, b, total) =>
    rt.dispatch(key, pipeline, [b.table, b.indices, b.dense, rt.indexErrorFlag()], params, grid(total)),
  );
}

/** `out` must be zeroed first (the runtime clears it). */
export function scatterAddKernel(
  rt: GpuRuntime,
  src: GPUBuffer,
  indices: GPUBuffer,
  m: number,
  layout: AxisLayout,
  out: GPUBuffer,
  indexing: Indexing,
): void {
  if (layout.outer * m * layout.inner === 0) return;
  const key = indexing === 'oneListForAllSlices' ? 'indexAdd' : 'scatterAddAlong';
  const code = indexing === 'oneListForAllSlices' ? IndexKernel.indexAdd : IndexKernel.scatterAdd;
  const pipeline = rt.pipeline(
    key,
    () => `
${PARAMS}
@group(0) @binding(0) var<storage, read> Src: array<f32>;
@group(0) @binding(1) var<storage, read> Index: array<i32>;
@group(0) @binding(2) var<storage, read_write> Out: array<atomic<u32>>;
${indexErrorWgsl(3)}
@group(0) @binding(4) var<uniform> p: Params;
${ATOMIC_ADD}
${elementMain('p.total')}
${LOCATE}
  if (index < 0 || u32(index) >= p.size) {
    reportBadIndex(${code}u, index, p.size, 0);
    return;
  }
  let row = u32(index) - p.rowStart;
  if (u32(index) < p.rowStart || row >= p.rowCount) { return; }
  atomicAddF32(p.tableBase + o * p.tableRow + row * p.inner + c, Src[dense]);
}`,
  );
  forEachIndexPass(rt, out, src, indices, m, layout, indexing, (params, b, total) =>
    rt.dispatch(key, pipeline, [b.dense, b.indices, b.table, rt.indexErrorFlag()], params, grid(total)),
  );
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

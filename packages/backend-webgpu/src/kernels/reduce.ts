// Reductions over the middle axis of (outer, size, inner). When inner is 1 (reducing
// the last axis) a workgroup cooperates on each row through shared memory; otherwise
// each thread owns one output column and walks the axis (reads stay coalesced).
// A reduction whose input or output is past one storage binding, or whose column walk
// would loop past the adapter's limit (llvmpipe: 65,535), runs in passes over chunks
// of the reduced axis — the first pass writes the output, later ones fold into it, in
// axis order, so an arg-reduction still returns the first index on ties — each pass
// split into boxes of (outer, inner) whose spans fit (binding-windows.ts).
import type { AxisLayout, DType, ReduceOp } from '@tensorlm/tensor-core';
import { bindsWhole, forEachBox, type Span, usableElements, WORD } from '../binding-windows.js';
import { ParamWriter } from '../params.js';
import type { GpuRuntime } from '../runtime.js';
import { elementMain, grid, INFINITY, WORKGROUP, wgslType } from './wgsl.js';

function combine(op: ReduceOp, t: string): { init: string; step: string; isArg: boolean } {
  const big = t === 'f32' ? 'infinity()' : '2147483647';
  const small = t === 'f32' ? '-infinity()' : '(-2147483647 - 1)';
  switch (op) {
    case 'sum':
    case 'mean':
      return { init: t === 'f32' ? '0.0' : '0', step: 'acc + v', isArg: false };
    case 'max':
      return { init: small, step: 'max(acc, v)', isArg: false };
    case 'min':
      return { init: big, step: 'min(acc, v)', isArg: false };
    case 'argmax':
      return { init: small, step: '', isArg: true };
    case 'argmin':
      return { init: big, step: '', isArg: true };
  }
}

/**
 * Params shared by both shapes: a box of `outer` × `inner` outputs reducing `size`
 * elements of the axis, where x's element (o, j, c) sits at xBase + o·xRow + j·xStep + c
 * and output (o, c) at outBase + o·outRow + c; `first` is the axis index of j = 0 (for
 * arg-reductions); `divisor` ends a mean (1 on all passes but the last).
 */
interface Pass {
  readonly outer: number;
  readonly size: number;
  readonly inner: number;
  readonly xRow: number;
  readonly xStep: number;
  readonly outRow: number;
  readonly first: number;
  readonly divisor: number;
}

const PARAMS = `struct Params { outer: u32, size: u32, inner: u32, xRow: u32, xStep: u32, outRow: u32, first: u32, divisor: f32, xBase: u32, outBase: u32, valBase: u32 }`;

/**
 * WGSL that folds this pass's result into what earlier passes left (`fold`: not the
 * first pass). Arg-reductions keep the running best value in `Val` beside the index.
 */
function finishRow(
  op: ReduceOp,
  t: string,
  fold: boolean,
  valued: boolean,
  out: string,
  val: string,
): string {
  const { isArg } = combine(op, t);
  if (isArg) {
    const better = op === 'argmax' ? 'best > prev' : 'best < prev';
    // An earlier pass saw lower indices: it keeps ties.
    return fold
      ? `let prev = Val[${val}]; if (bestIndex >= 0 && (${better})) { Val[${val}] = best; Out[${out}] = bestIndex + i32(p.first); }`
      : `${valued ? `Val[${val}] = best; ` : ''}Out[${out}] = select(bestIndex + i32(p.first), 0, bestIndex < 0);`;
  }
  const previous = `Out[${out}]`;
  const folded: Record<string, string> = {
    sum: `${previous} + acc`,
    mean: `${previous} + acc`,
    max: `max(${previous}, acc)`,
    min: `min(${previous}, acc)`,
  };
  const merged = fold ? folded[op]! : 'acc';
  const total = op === 'mean' ? `(${merged}) / p.divisor` : merged;
  return `Out[${out}] = ${total};`;
}

function rowPipeline(
  rt: GpuRuntime,
  op: ReduceOp,
  dtype: DType,
  fold: boolean,
  valued: boolean,
): GPUComputePipeline {
  const t = wgslType(dtype === 'bool' ? 'i32' : dtype);
  const { init, step, isArg } = combine(op, t);
  const outT = isArg ? 'i32' : t;
  const better = op === 'argmax' ? 'v > best' : 'v < best';
  const key = `reduceRow:${op}:${dtype}${fold ? ':fold' : ''}${valued ? ':val' : ''}`;
  return rt.pipeline(
    key,
    () => `${INFINITY}
${PARAMS}
@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> Out: array<${outT}>;
${valued ? `@group(0) @binding(2) var<storage, read_write> Val: array<${t}>;\n@group(0) @binding(3) var<uniform> p: Params;` : '@group(0) @binding(2) var<uniform> p: Params;'}
var<workgroup> values: array<${t}, ${WORKGROUP}>;
var<workgroup> indices: array<i32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  let base = p.xBase + row * p.xRow;
  let inRange = row < p.outer;
  ${
    isArg
      ? `var best = ${init};
  var bestIndex = -1;
  if (inRange) {
    for (var j = lid.x; j < p.size; j = j + ${WORKGROUP}u) {
      let v = X[base + j];
      if (bestIndex < 0 || ${better}) { best = v; bestIndex = i32(j); }
    }
  }
  values[lid.x] = best;
  indices[lid.x] = bestIndex;
  workgroupBarrier();
  for (var stride = ${WORKGROUP / 2}u; stride > 0u; stride = stride / 2u) {
    if (lid.x < stride) {
      let v = values[lid.x + stride];
      let vi = indices[lid.x + stride];
      let mine = indices[lid.x];
      // First index wins ties: take the other only if strictly better, or equal with a lower index.
      if (vi >= 0 && (mine < 0 || ${better.replace('best', 'values[lid.x]')} || (v == values[lid.x] && vi < mine))) {
        values[lid.x] = v;
        indices[lid.x] = vi;
      }
    }
    workgroupBarrier();
  }
  if (lid.x == 0u && inRange) {
    let best = values[0];
    let bestIndex = indices[0];
    ${finishRow(op, t, fold, valued, 'p.outBase + row * p.outRow', 'p.valBase + row * p.outRow')}
  }`
      : `var acc = ${init};
  if (inRange) {
    for (var j = lid.x; j < p.size; j = j + ${WORKGROUP}u) {
      let v = X[base + j];
      acc = ${step};
    }
  }
  values[lid.x] = acc;
  workgroupBarrier();
  for (var stride = ${WORKGROUP / 2}u; stride > 0u; stride = stride / 2u) {
    if (lid.x < stride) {
      let v = values[lid.x + stride];
      let acc = values[lid.x];
      values[lid.x] = ${step};
    }
    workgroupBarrier();
  }
  if (lid.x == 0u && inRange) {
    let acc = values[0];
    ${finishRow(op, t, fold, valued, 'p.outBase + row * p.outRow', '0u')}
  }`
  }
}`,
  );
}

function columnPipeline(
  rt: GpuRuntime,
  op: ReduceOp,
  dtype: DType,
  fold: boolean,
  valued: boolean,
): GPUComputePipeline {
  const t = wgslType(dtype === 'bool' ? 'i32' : dtype);
  const { init, step, isArg } = combine(op, t);
  const outT = isArg ? 'i32' : t;
  const better = op === 'argmax' ? 'v > best' : 'v < best';
  const key = `reduceColumn:${op}:${dtype}${fold ? ':fold' : ''}${valued ? ':val' : ''}`;
  return rt.pipeline(
    key,
    () => `${INFINITY}
${PARAMS}
@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> Out: array<${outT}>;
${valued ? `@group(0) @binding(2) var<storage, read_write> Val: array<${t}>;\n@group(0) @binding(3) var<uniform> p: Params;` : '@group(0) @binding(2) var<uniform> p: Params;'}
${elementMain('p.outer * p.inner')}
  let o = i / p.inner;
  let c = i % p.inner;
  let base = p.xBase + o * p.xRow + c;
  ${
    isArg
      ? `var best = X[base];
  var bestIndex = 0;
  for (var j = 1u; j < p.size; j = j + 1u) {
    let v = X[base + j * p.xStep];
    if (${better}) { best = v; bestIndex = i32(j); }
  }
  ${finishRow(op, t, fold, valued, 'p.outBase + o * p.outRow + c', 'p.valBase + o * p.outRow + c')}`
      : `var acc = ${init};
  for (var j = 0u; j < p.size; j = j + 1u) {
    let v = X[base + j * p.xStep];
    acc = ${step};
  }
  ${finishRow(op, t, fold, valued, 'p.outBase + o * p.outRow + c', '0u')}`
  }
}`,
  );
}

export function reduceKernel(
  rt: GpuRuntime,
  op: ReduceOp,
  x: GPUBuffer,
  dtype: DType,
  layout: AxisLayout,
  out: GPUBuffer,
): void {
  const { outer, size, inner } = layout;
  const limits = rt.bindingLimits;
  const rowShape = inner === 1 && size >= 64;
  // The row shape strides its loop by a workgroup; the column shape walks every element.
  const loopCap = rowShape ? Number.POSITIVE_INFINITY : Math.max(1, rt.loopLimit - 1);
  let chunk = Math.min(size, loopCap);
  if (!bindsWhole(x, limits))
    chunk = Math.min(chunk, Math.max(1, Math.floor(usableElements(limits) / inner)));
  const passes = Math.ceil(size / chunk);
  chunk = Math.ceil(size / passes);
  const isArg = op === 'argmax' || op === 'argmin';
  // Arg-reductions in several passes keep the running best value beside the index.
  const values = isArg && passes > 1 ? rt.allocate(outer * inner * WORD) : null;
  for (let pass = 0; pass < passes; pass++) {
    const first = pass * chunk;
    const length = Math.min(chunk, size - first);
    const fold = pass > 0;
    const pipeline = (rowShape ? rowPipeline : columnPipeline)(rt, op, dtype, fold, values !== null);
    // Boxes of (outer, inner); x's span also covers the `length` steps of the axis.
    const operands = [
      { buffer: x, offset: first * inner, strides: [size * inner, 1], tail: (length - 1) * inner },
      { buffer: out, offset: 0, strides: [inner, 1] },
      ...(values ? [{ buffer: values.buffer, offset: 0, strides: [inner, 1] }] : []),
    ];
    forEachBox([outer, inner], operands, limits, (box, spans) =>
      dispatchPass(rt, pipeline, rowShape, spans, {
        outer: box.shape[0]!,
        size: length,
        inner: box.shape[1]!,
        xRow: size * inner,
        xStep: inner,
        outRow: inner,
        first,
        divisor: op === 'mean' && pass === passes - 1 ? size : 1,
      }),
    );
  }
  if (values) rt.release(values);
}

function dispatchPass(
  rt: GpuRuntime,
  pipeline: GPUComputePipeline,
  rowShape: boolean,
  spans: readonly Span[],
  pass: Pass,
): void {
  const params = new ParamWriter()
    .u32(pass.outer)
    .u32(pass.size)
    .u32(pass.inner)
    .u32(pass.xRow)
    .u32(pass.xStep)
    .u32(pass.outRow)
    .u32(pass.first)
    .f32(pass.divisor)
    .u32(spans[0]!.base)
    .u32(spans[1]!.base)
    .u32(spans[2]?.base ?? 0);
  const bindings = spans.map((s) => s.binding);
  if (rowShape) {
    const x0 = Math.min(pass.outer, 65535);
    rt.dispatch(pipeline.label, pipeline, bindings, params, [x0, Math.ceil(pass.outer / x0)]);
  } else rt.dispatch(pipeline.label, pipeline, bindings, params, grid(pass.outer * pass.inner));
}

// Reductions over the middle axis of (outer, size, inner). When inner is 1 (reducing
// the last axis) a workgroup cooperates on each row through shared memory; otherwise
// each thread owns one output column and walks the axis (reads stay coalesced).
import type { AxisLayout, DType, ReduceOp } from '@tensorlm/tensor-core';
import { ParamWriter } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
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

export function reduceKernel(
  rt: GpuRuntime,
  op: ReduceOp,
  x: GpuBinding,
  dtype: DType,
  layout: AxisLayout,
  out: GpuBinding,
): void {
  const t = wgslType(dtype === 'bool' ? 'i32' : dtype);
  const { init, step, isArg } = combine(op, t);
  const outT = isArg ? 'i32' : t;
  const better = op === 'argmax' ? 'v > best' : 'v < best';
  const finish = op === 'mean' ? `acc / f32(p.size)` : 'acc';
  const outputs = layout.outer * layout.inner;
  if (layout.inner === 1 && layout.size >= 64) {
    const key = `reduceRow:${op}:${dtype}`;
    const pipeline = rt.pipeline(
      key,
      () => `${INFINITY}
struct Params { outer: u32, size: u32 }
@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> Out: array<${outT}>;
@group(0) @binding(2) var<uniform> p: Params;
var<workgroup> values: array<${t}, ${WORKGROUP}>;
var<workgroup> indices: array<i32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  let base = row * p.size;
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
  if (lid.x == 0u && inRange) { Out[row] = indices[0]; }`
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
    Out[row] = ${finish};
  }`
  }
}`,
    );
    const x0 = Math.min(layout.outer, 65535);
    rt.dispatch(key, pipeline, [x, out], new ParamWriter().u32(layout.outer).u32(layout.size), [
      x0,
      Math.ceil(layout.outer / x0),
    ]);
    return;
  }
  const key = `reduceColumn:${op}:${dtype}`;
  rt.checkLoop(key, layout.size);
  const pipeline = rt.pipeline(
    key,
    () => `${INFINITY}
struct Params { outputs: u32, size: u32, inner: u32 }
@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> Out: array<${outT}>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('p.outputs')}
  let o = i / p.inner;
  let c = i % p.inner;
  let base = o * p.size * p.inner + c;
  ${
    isArg
      ? `var best = X[base];
  var bestIndex = 0;
  for (var j = 1u; j < p.size; j = j + 1u) {
    let v = X[base + j * p.inner];
    if (${better}) { best = v; bestIndex = i32(j); }
  }
  Out[i] = bestIndex;`
      : `var acc = ${init};
  for (var j = 0u; j < p.size; j = j + 1u) {
    let v = X[base + j * p.inner];
    acc = ${step};
  }
  Out[i] = ${finish};`
  }
}`,
  );
  rt.dispatch(
    key,
    pipeline,
    [x, out],
    new ParamWriter().u32(outputs).u32(layout.size).u32(layout.inner),
    grid(outputs),
  );
}

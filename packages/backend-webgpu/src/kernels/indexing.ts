// Index kernels. Selects move raw words (any dtype); the scatter-adds accumulate f32
// with a compare-and-swap loop on the value's bits, since WGSL has no float atomics.
// An out-of-range index reads 0 and writes nothing (a GPU cannot throw; the CPU
// reference backend reports it).
import type { AxisLayout } from '@tensorlm/tensor-core';
import { ParamWriter } from '../params.js';
import type { GpuRuntime } from '../runtime.js';
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

/** shared: one index list (m) for every outer slice; otherwise indices are (outer, m, inner). */
function params(total: number, layout: AxisLayout, m: number): ParamWriter {
  return new ParamWriter().u32(total).u32(layout.size).u32(layout.inner).u32(m);
}

export function indexSelectKernel(
  rt: GpuRuntime,
  x: GPUBuffer,
  indices: GPUBuffer,
  m: number,
  layout: AxisLayout,
  out: GPUBuffer,
  shared: boolean,
): void {
  const total = layout.outer * m * layout.inner;
  if (total === 0) return;
  const key = shared ? 'indexSelect' : 'gatherAlong';
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { total: u32, size: u32, inner: u32, m: u32 }
@group(0) @binding(0) var<storage, read> X: array<u32>;
@group(0) @binding(1) var<storage, read> Index: array<i32>;
@group(0) @binding(2) var<storage, read_write> Out: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;
${elementMain('p.total')}
  let c = i % p.inner;
  let j = (i / p.inner) % p.m;
  let o = i / (p.inner * p.m);
  let index = Index[${shared ? 'j' : 'i'}];
  if (index < 0 || u32(index) >= p.size) { Out[i] = 0u; return; }
  Out[i] = X[(o * p.size + u32(index)) * p.inner + c];
}`,
  );
  rt.dispatch(key, pipeline, [x, indices, out], params(total, layout, m), grid(total));
}

/** `out` must be zeroed first (the runtime clears it). */
export function scatterAddKernel(
  rt: GpuRuntime,
  src: GPUBuffer,
  indices: GPUBuffer,
  m: number,
  layout: AxisLayout,
  out: GPUBuffer,
  shared: boolean,
): void {
  const total = layout.outer * m * layout.inner;
  if (total === 0) return;
  const key = shared ? 'indexAdd' : 'scatterAddAlong';
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { total: u32, size: u32, inner: u32, m: u32 }
@group(0) @binding(0) var<storage, read> Src: array<f32>;
@group(0) @binding(1) var<storage, read> Index: array<i32>;
@group(0) @binding(2) var<storage, read_write> Out: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> p: Params;
${ATOMIC_ADD}
${elementMain('p.total')}
  let c = i % p.inner;
  let j = (i / p.inner) % p.m;
  let o = i / (p.inner * p.m);
  let index = Index[${shared ? 'j' : 'i'}];
  if (index < 0 || u32(index) >= p.size) { return; }
  atomicAddF32((o * p.size + u32(index)) * p.inner + c, Src[i]);
}`,
  );
  rt.dispatch(key, pipeline, [src, indices, out], params(total, layout, m), grid(total));
}

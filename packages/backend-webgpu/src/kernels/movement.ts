// The strided copy behind every movement op (permute, slice, expand, concat), moving
// raw 32-bit words so one pipeline per rank serves every dtype.
import { type Shape, type StridedView, sizeOf } from '@tensorlm/tensor-core';
import { ParamWriter, WGSL_DIM_HELPER } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
import { elementMain, grid } from './wgsl.js';

export function copyStridedKernel(
  rt: GpuRuntime,
  src: GpuBinding,
  dst: GpuBinding,
  shape: Shape,
  from: StridedView,
  to: StridedView,
): void {
  const rank = shape.length;
  const size = sizeOf(shape);
  if (size === 0) return;
  const key = `copyStrided:${rank}`;
  const pipeline = rt.pipeline(
    key,
    () => `${WGSL_DIM_HELPER}
struct Params { size: u32, srcOffset: u32, dstOffset: u32, shape: array<vec4<u32>, 2>, src: array<vec4<u32>, 2>, dst: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> Src: array<u32>;
@group(0) @binding(1) var<storage, read_write> Dst: array<u32>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('p.size')}
  var rem = i;
  var s = p.srcOffset;
  var t = p.dstOffset;
  for (var k = 0u; k < ${rank}u; k = k + 1u) {
    let d = ${rank}u - (k + 1u);
    let n = dimAt(p.shape, d);
    let c = rem % n;
    rem = rem / n;
    s = s + c * dimAt(p.src, d);
    t = t + c * dimAt(p.dst, d);
  }
  Dst[t] = Src[s];
}`,
  );
  const params = new ParamWriter()
    .u32(size)
    .u32(from.offset)
    .u32(to.offset)
    .dims(shape)
    .dims(from.strides)
    .dims(to.strides);
  rt.dispatch(key, pipeline, [src, dst], params, grid(size));
}

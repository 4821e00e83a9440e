// The strided copy behind every movement op (permute, slice, expand, concat), moving
// raw 32-bit words so one pipeline per rank serves every dtype.
import { type Shape, type StridedView, sizeOf } from '@tensorlm/tensor-core';
import { forEachBox } from '../binding-windows.js';
import { collapseDims, dimRef, ParamWriter } from '../params.js';
import type { GpuRuntime } from '../runtime.js';
import { elementMain, grid } from './wgsl.js';

export function copyStridedKernel(
  rt: GpuRuntime,
  src: GPUBuffer,
  dst: GPUBuffer,
  shape: Shape,
  from: StridedView,
  to: StridedView,
): void {
  const size = sizeOf(shape);
  if (size === 0) return;
  const layout = collapseDims(shape, [from.strides, to.strides]);
  const rank = layout.shape.length;
  const key = `copyStrided:${rank}`;
  const steps: string[] = [];
  // Innermost dimension first; the outermost needs no division.
  for (let d = rank - 1; d >= 0; d--) {
    const index = d === 0 ? 'rem' : `rem % ${dimRef('p.shape', d)}`;
    const next = d === 0 ? '' : ` rem = rem / ${dimRef('p.shape', d)};`;
    steps.push(
      `{ let c = ${index};${next} s = s + c * ${dimRef('p.src', d)}; t = t + c * ${dimRef('p.dst', d)}; }`,
    );
  }
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { size: u32, srcOffset: u32, dstOffset: u32, shape: array<vec4<u32>, 2>, src: array<vec4<u32>, 2>, dst: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> Src: array<u32>;
@group(0) @binding(1) var<storage, read_write> Dst: array<u32>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('p.size')}
  var rem = i;
  var s = p.srcOffset;
  var t = p.dstOffset;
  ${steps.join('\n  ')}
  Dst[t] = Src[s];
}`,
  );
  const operands = [
    { buffer: src, offset: from.offset, strides: layout.strides[0]! },
    { buffer: dst, offset: to.offset, strides: layout.strides[1]! },
  ];
  forEachBox(layout.shape, operands, rt.bindingLimits, (box, [s, t]) => {
    const count = sizeOf(box.shape);
    const params = new ParamWriter()
      .u32(count)
      .u32(s!.base)
      .u32(t!.base)
      .dims(box.shape)
      .dims(layout.strides[0]!)
      .dims(layout.strides[1]!);
    rt.dispatch(key, pipeline, [s!.binding, t!.binding], params, grid(count));
  });
}

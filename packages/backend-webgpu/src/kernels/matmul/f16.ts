// f16 weights for inference: a weight packed once into halves (two per u32: half the
// bytes to hold, and to read at every decoding step, where a skinny product is bound by
// memory), multiplied with f32 activations and f32 accumulation. It needs no
// `shader-f16`: core WGSL's pack2x16float / unpack2x16float convert, so the path runs,
// and is tested, on every adapter (llvmpipe included); native f16 arithmetic, where the
// adapter has the feature, is left for later. Skinny products (a decoding step: up to 4
// rows) read the halves directly in the vec4 matvec (matvec.ts); any other shape widens
// B to a f32 scratch and runs the ordinary matmul — the same numbers, without the saving.
import type { MatmulParams } from '@tensorlm/tensor-core';
import { type BindingLimits, WORD } from '../../binding-windows.js';
import { WebGPUError } from '../../errors.js';
import { ParamWriter } from '../../params.js';
import type { GpuRuntime } from '../../runtime.js';
import { elementMain, grid } from '../wgsl.js';
import { matmul } from './dispatch.js';
import { fitsMatvec, matvecKernel } from './matvec.js';
import { denseLayout } from './shaders.js';

/** Bytes `count` packed halves take: whole groups of 4 (one vec2<u32>), so vec4 reads stay in bounds. */
export function f16Bytes(count: number): number {
  return Math.ceil(count / 4) * 8;
}

/**
 * Element chunks for converting a tensor past one binding: multiples of the offset
 * alignment (in elements), so the f32 side (4 bytes each) and the f16 side (2 bytes
 * each) both start at aligned offsets; the f32 side of a chunk fits one binding.
 */
export function conversionChunks(count: number, limits: BindingLimits): [start: number, count: number][] {
  if (count * WORD <= limits.maxBindingBytes) return [[0, count]];
  const align = Math.max(4, limits.offsetAlignment);
  const chunk = Math.floor(limits.maxBindingBytes / WORD / align) * align;
  if (chunk === 0)
    throw new WebGPUError(
      'WEBGPU_BINDING_LIMIT',
      `a ${limits.maxBindingBytes}-byte binding holds no aligned chunk`,
    );
  const chunks: [number, number][] = [];
  for (let start = 0; start < count; start += chunk) chunks.push([start, Math.min(chunk, count - start)]);
  return chunks;
}

function convert(rt: GpuRuntime, toF16: boolean, src: GPUBuffer, count: number, dst: GPUBuffer): void {
  const key = toF16 ? 'f16:pack' : 'f16:unpack';
  const pipeline = rt.pipeline(key, () =>
    toF16
      ? `
struct Params { count: u32 }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<u32>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('(p.count + 1u) / 2u')}
  let hi = select(0.0, X[min(2u * i + 1u, p.count - 1u)], 2u * i + 1u < p.count);
  Out[i] = pack2x16float(vec2<f32>(X[2u * i], hi));
}`
      : `
struct Params { count: u32 }
@group(0) @binding(0) var<storage, read> W: array<u32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('p.count')}
  let pair = unpack2x16float(W[i / 2u]);
  Out[i] = select(pair.x, pair.y, (i & 1u) == 1u);
}`,
  );
  for (const [start, n] of conversionChunks(count, rt.bindingLimits)) {
    const f32 = { buffer: toF16 ? src : dst, offset: start * WORD, size: n * WORD };
    const f16 = { buffer: toF16 ? dst : src, offset: start * 2, size: Math.ceil(n / 2) * 4 };
    const [input, output] = toF16 ? [f32, f16] : [f16, f32];
    rt.dispatch(key, pipeline, [input, output], new ParamWriter().u32(n), grid(toF16 ? Math.ceil(n / 2) : n));
  }
}

/** Packs `count` f32s of `src` into halves in `dst` (at least `f16Bytes(count)` bytes). */
export function packF16Kernel(rt: GpuRuntime, src: GPUBuffer, count: number, dst: GPUBuffer): void {
  convert(rt, true, src, count, dst);
}

/** Widens `count` packed halves of `src` into f32s in `dst`. */
export function unpackF16Kernel(rt: GpuRuntime, src: GPUBuffer, count: number, dst: GPUBuffer): void {
  convert(rt, false, src, count, dst);
}

/**
 * C = A · B with B stored as packed halves (`packF16Kernel`), A and C f32, sums in
 * f32: the vec4 matvec reading halves for a skinny product whose operands each fit
 * one binding, else B widened into a scratch for the ordinary matmul.
 */
export function matmulF16Weights(
  rt: GpuRuntime,
  a: GPUBuffer,
  bHalves: GPUBuffer,
  out: GPUBuffer,
  p: MatmulParams,
  limits: BindingLimits,
): void {
  const batches = p.batchShape.reduce((x, y) => x * y, 1);
  const fits = [a.size, bHalves.size, batches * p.m * p.n * WORD].every(
    (bytes) => bytes <= limits.maxBindingBytes,
  );
  const layout = denseLayout(p);
  if (fits && fitsMatvec(p, layout)) {
    matvecKernel(rt, a, bHalves, out, p, layout, true);
    return;
  }
  const elements = p.bBatchStrides.reduce((acc, s, d) => acc + (p.batchShape[d]! - 1) * s, 0) + p.k * p.n;
  const wide = rt.allocate(elements * WORD);
  unpackF16Kernel(rt, bHalves, elements, wide.buffer);
  matmul(rt, a, wide.buffer, out, p, limits);
  rt.release(wide);
}

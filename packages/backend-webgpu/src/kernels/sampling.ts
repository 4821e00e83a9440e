// Random draws with tensor-core's counter-based generator ported to WGSL (the same
// 32-bit hash, so CPU and GPU produce the same stream), and multinomial sampling by
// inverse CDF — over a vocabulary-wide row by chunks, so no invocation loops past
// llvmpipe's limit (top-k lives in topk.ts).
import { type RandomParams, type RowsLayout, rng } from '@tensorlm/tensor-core';
import { forEachRowGroupWindow, WORD } from '../binding-windows.js';
import { ParamWriter } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
import { LOOP_BUDGET } from './topk.js';
import { elementMain, grid, MIX32 } from './wgsl.js';

const RNG = /* wgsl */ `
${MIX32}fn bitsAt(k0: u32, k1: u32, offLo: u32, offHi: u32, j: u32) -> u32 {
  let lo = offLo + j;
  let hi = offHi + select(0u, 1u, lo < offLo);
  let a = mix32(lo ^ k0);
  let b = mix32(hi ^ k1);
  return mix32(a + b) ^ mix32(a ^ 0x68e31da4u);
}
fn uniformAt(k0: u32, k1: u32, offLo: u32, offHi: u32, j: u32) -> f32 {
  return f32(bitsAt(k0, k1, offLo, offHi, j) >> 8u) * (1.0 / 16777216.0);
}`;

function streamParams(seed: number, offset: number): ParamWriter {
  const key = rng.keyFromSeed(seed);
  return new ParamWriter()
    .u32(key.k0)
    .u32(key.k1)
    .u32(offset >>> 0)
    .u32(Math.floor(offset / 4294967296) >>> 0);
}

export function randomKernel(rt: GpuRuntime, out: GpuBinding, p: RandomParams): void {
  if (p.size === 0) return;
  const key = `random:${p.distribution}`;
  const value =
    p.distribution === 'uniform'
      ? 'p.a + (p.b - p.a) * uniformAt(p.k0, p.k1, p.offLo, p.offHi, i)'
      : `p.a + p.b * sqrt(-2.0 * log(f32((bitsAt(p.k0, p.k1, p.offLo, p.offHi, 2u * i) >> 8u) + 1u) * (1.0 / 16777216.0)))
          * cos(6.283185307179586 * uniformAt(p.k0, p.k1, p.offLo, p.offHi, 2u * i + 1u))`;
  const pipeline = rt.pipeline(
    key,
    () => `${RNG}
struct Params { k0: u32, k1: u32, offLo: u32, offHi: u32, size: u32, a: f32, b: f32 }
@group(0) @binding(0) var<storage, read_write> Out: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;
${elementMain('p.size')}
  Out[i] = ${value};
}`,
  );
  rt.dispatch(
    key,
    pipeline,
    [out],
    streamParams(p.seed, p.offset).u32(p.size).f32(p.a).f32(p.b),
    grid(p.size),
  );
}

/**
 * How a multinomial draw runs: one invocation per row walking it (short rows), or by
 * chunks of `chunk` columns — a pass summing each chunk, then one invocation per row
 * that finds the chunk where the draw lands and walks only that chunk.
 */
export type MultinomialPlan =
  | { readonly kind: 'row' }
  | { readonly kind: 'chunks'; readonly chunk: number; readonly chunks: number };

/** Loop iterations of the one-pass kernel per row. */
function rowIterations(cols: number, samples: number, replacement: boolean): number {
  return samples * 2 * cols + (replacement ? 0 : samples * samples * cols);
}

/** Plans a draw of `samples` per row of `cols` weights (pure: unit-tested without a GPU). */
export function planMultinomial(cols: number, samples: number, replacement: boolean): MultinomialPlan {
  if (rowIterations(cols, samples, replacement) <= 4 * 1024) return { kind: 'row' };
  const chunk = Math.ceil(Math.sqrt(cols));
  const chunks = Math.ceil(cols / chunk);
  // Per sample: the total and the walk over chunk sums (each less the picks in it
  // without replacement), then one chunk, checking earlier picks per column.
  const perSample = replacement ? 2 * chunks + chunk : 2 * chunks * (1 + samples) + chunk * (1 + samples);
  if (samples * perSample > LOOP_BUDGET) return { kind: 'row' }; // the row kernel names the limit
  return { kind: 'chunks', chunk, chunks };
}

export function multinomialKernel(
  rt: GpuRuntime,
  probs: GPUBuffer,
  out: GPUBuffer,
  layout: RowsLayout,
  numSamples: number,
  replacement: boolean,
  seed: number,
  offset: number,
): void {
  if (layout.rows === 0) return;
  const plan = planMultinomial(layout.cols, numSamples, replacement);
  if (plan.kind === 'chunks') {
    chunkedMultinomial(
      rt,
      probs,
      out,
      layout,
      numSamples,
      replacement,
      seed,
      offset,
      plan.chunk,
      plan.chunks,
    );
    return;
  }
  const key = `multinomial:${replacement}`;
  rt.checkLoop(key, rowIterations(layout.cols, numSamples, replacement));
  const excluded = replacement ? 'false' : `isPicked(r, c, s)`;
  const pipeline = rt.pipeline(
    key,
    () => `${RNG}
struct Params { k0: u32, k1: u32, offLo: u32, offHi: u32, rows: u32, cols: u32, samples: u32, firstRow: u32, pBase: u32, outBase: u32 }
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<i32>;
@group(0) @binding(2) var<uniform> p: Params;
fn isPicked(r: u32, c: u32, s: u32) -> bool {
  for (var q = 0u; q < s; q = q + 1u) { if (Out[p.outBase + r * p.samples + q] == i32(c)) { return true; } }
  return false;
}
${elementMain('p.rows')}
  let r = i;
  let base = p.pBase + r * p.cols;
  for (var s = 0u; s < p.samples; s = s + 1u) {
    var total = 0.0;
    for (var c = 0u; c < p.cols; c = c + 1u) { if (!(${excluded})) { total = total + max(P[base + c], 0.0); } }
    let u = uniformAt(p.k0, p.k1, p.offLo, p.offHi, (p.firstRow + r) * p.samples + s) * total;
    var cumulative = 0.0;
    var pick = -1;
    var lastPositive = -1;
    for (var c = 0u; c < p.cols; c = c + 1u) {
      let w = P[base + c];
      if (w <= 0.0 || ${excluded}) { continue; }
      lastPositive = i32(c);
      cumulative = cumulative + w;
      if (u < cumulative) { pick = i32(c); break; }
    }
    if (pick < 0) { pick = lastPositive; }
    Out[p.outBase + r * p.samples + s] = pick;
  }
}`,
  );
  const groups = [
    { buffers: [probs], rowLength: layout.cols },
    { buffers: [out], rowLength: numSamples },
  ];
  forEachRowGroupWindow(layout.rows, groups, rt.bindingLimits, (first, count, [ps, outs]) => {
    const params = streamParams(seed, offset)
      .u32(count)
      .u32(layout.cols)
      .u32(numSamples)
      .u32(first)
      .u32(ps!.base)
      .u32(outs!.base);
    rt.dispatch(key, pipeline, [...ps!.bindings, ...outs!.bindings], params, grid(count));
  });
}

/** Multinomial by chunks (see MultinomialPlan): the same draws as the row kernel, up to rounding. */
function chunkedMultinomial(
  rt: GpuRuntime,
  probs: GPUBuffer,
  out: GPUBuffer,
  layout: RowsLayout,
  numSamples: number,
  replacement: boolean,
  seed: number,
  offset: number,
  chunk: number,
  chunks: number,
): void {
  const { rows, cols } = layout;
  const sums = rt.allocate(rows * chunks * WORD);
  const sumPipeline = rt.pipeline(
    'multinomialChunkSums',
    () => `
struct Params { rows: u32, cols: u32, chunk: u32, chunks: u32, pBase: u32, sBase: u32 }
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> Sums: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('p.rows * p.chunks')}
  let row = i / p.chunks;
  let start = (i % p.chunks) * p.chunk;
  let end = min(start + p.chunk, p.cols);
  var total = 0.0;
  for (var c = start; c < end; c = c + 1u) { total = total + max(P[p.pBase + row * p.cols + c], 0.0); }
  Sums[p.sBase + i] = total;
}`,
  );
  const excluded = replacement ? 'false' : 'isPicked(r, c, s)';
  const key = `multinomialChunks:${replacement}`;
  const pick = rt.pipeline(
    key,
    () => `${RNG}
struct Params { k0: u32, k1: u32, offLo: u32, offHi: u32, rows: u32, cols: u32, samples: u32, firstRow: u32, chunk: u32, chunks: u32, pBase: u32, sBase: u32, outBase: u32 }
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read> Sums: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<i32>;
@group(0) @binding(3) var<uniform> p: Params;
fn isPicked(r: u32, c: u32, s: u32) -> bool {
  for (var q = 0u; q < s; q = q + 1u) { if (Out[p.outBase + r * p.samples + q] == i32(c)) { return true; } }
  return false;
}
// The weight earlier samples of row r took out of chunk k (none with replacement).
fn pickedIn(r: u32, k: u32, s: u32) -> f32 {
  var taken = 0.0;
  ${
    replacement
      ? ''
      : `for (var q = 0u; q < s; q = q + 1u) {
    let c = u32(Out[p.outBase + r * p.samples + q]);
    if (c / p.chunk == k) { taken = taken + max(P[p.pBase + r * p.cols + c], 0.0); }
  }`
  }
  return taken;
}
${elementMain('p.rows')}
  let r = i;
  let base = p.pBase + r * p.cols;
  let sums = p.sBase + r * p.chunks;
  for (var s = 0u; s < p.samples; s = s + 1u) {
    var total = 0.0;
    for (var k = 0u; k < p.chunks; k = k + 1u) { total = total + (Sums[sums + k] - pickedIn(r, k, s)); }
    let u = uniformAt(p.k0, p.k1, p.offLo, p.offHi, (p.firstRow + r) * p.samples + s) * total;
    // The chunk where the draw lands (the last one with weight left, if rounding overshoots).
    var cumulative = 0.0;
    var landed = -1;
    var lastWithWeight = 0u;
    var before = 0.0;
    for (var k = 0u; k < p.chunks; k = k + 1u) {
      let left = Sums[sums + k] - pickedIn(r, k, s);
      if (left <= 0.0) { continue; }
      lastWithWeight = k;
      before = cumulative;
      cumulative = cumulative + left;
      if (u < cumulative) { landed = i32(k); break; }
    }
    let k = select(lastWithWeight, u32(landed), landed >= 0);
    cumulative = before;
    var pick = -1;
    var lastPositive = -1;
    let end = min((k + 1u) * p.chunk, p.cols);
    for (var c = k * p.chunk; c < end; c = c + 1u) {
      let w = P[base + c];
      if (w <= 0.0 || ${excluded}) { continue; }
      lastPositive = i32(c);
      cumulative = cumulative + w;
      if (u < cumulative) { pick = i32(c); break; }
    }
    if (pick < 0) { pick = lastPositive; }
    Out[p.outBase + r * p.samples + s] = pick;
  }
}`,
  );
  const groups = [
    { buffers: [probs], rowLength: cols },
    { buffers: [sums.buffer], rowLength: chunks },
    { buffers: [out], rowLength: numSamples },
  ];
  forEachRowGroupWindow(rows, groups, rt.bindingLimits, (first, count, [ps, ss, outs]) => {
    const sumParams = new ParamWriter()
      .u32(count)
      .u32(cols)
      .u32(chunk)
      .u32(chunks)
      .u32(ps!.base)
      .u32(ss!.base);
    rt.dispatch(
      'multinomialChunkSums',
      sumPipeline,
      [...ps!.bindings, ...ss!.bindings],
      sumParams,
      grid(count * chunks),
    );
    const params = streamParams(seed, offset)
      .u32(count)
      .u32(cols)
      .u32(numSamples)
      .u32(first)
      .u32(chunk)
      .u32(chunks)
      .u32(ps!.base)
      .u32(ss!.base)
      .u32(outs!.base);
    rt.dispatch(key, pick, [...ps!.bindings, ...ss!.bindings, ...outs!.bindings], params, grid(count));
  });
  rt.release(sums);
}

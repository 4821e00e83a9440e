// Random draws with tensor-core's counter-based generator ported to WGSL (the same
// 32-bit hash, so CPU and GPU produce the same stream), top-k per row by repeated
// selection (k is small in practice), and multinomial sampling by inverse CDF.
import { type RandomParams, type RowsLayout, rng } from '@tensorlm/tensor-core';
import { ParamWriter } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
import { elementMain, grid, wgslType } from './wgsl.js';

const RNG = /* wgsl */ `
fn mix32(x0: u32) -> u32 {
  var x = x0;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}
fn bitsAt(k0: u32, k1: u32, offLo: u32, offHi: u32, j: u32) -> u32 {
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

export function topkKernel(
  rt: GpuRuntime,
  x: GpuBinding,
  dtype: 'f32' | 'i32',
  values: GpuBinding,
  indices: GpuBinding,
  layout: RowsLayout,
  k: number,
  largest: boolean,
): void {
  if (layout.rows === 0 || k === 0) return;
  const t = wgslType(dtype);
  const key = `topk:${dtype}:${largest}`;
  rt.checkLoop(key, k * layout.cols);
  const ahead = largest ? 'v > pv' : 'v < pv';
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { rows: u32, cols: u32, k: u32 }
@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> Values: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Indices: array<i32>;
@group(0) @binding(3) var<uniform> p: Params;
// a ranks before (pv, pi): ${largest ? 'larger' : 'smaller'} value first, lower index first on ties.
fn ranksBefore(v: ${t}, i: u32, pv: ${t}, pi: u32) -> bool {
  return ${ahead} || (v == pv && i < pi);
}
${elementMain('p.rows')}
  let base = i * p.cols;
  var hasPrevious = false;
  var pv = X[base];
  var pi = 0u;
  for (var s = 0u; s < p.k; s = s + 1u) {
    var found = false;
    var bv = X[base];
    var bi = 0u;
    for (var c = 0u; c < p.cols; c = c + 1u) {
      let v = X[base + c];
      if (hasPrevious && !ranksBefore(pv, pi, v, c)) { continue; }
      if (!found || ranksBefore(v, c, bv, bi)) { bv = v; bi = c; found = true; }
    }
    Values[i * p.k + s] = bv;
    Indices[i * p.k + s] = i32(bi);
    pv = bv;
    pi = bi;
    hasPrevious = true;
  }
}`,
  );
  rt.dispatch(
    key,
    pipeline,
    [x, values, indices],
    new ParamWriter().u32(layout.rows).u32(layout.cols).u32(k),
    grid(layout.rows),
  );
}

export function multinomialKernel(
  rt: GpuRuntime,
  probs: GpuBinding,
  out: GpuBinding,
  layout: RowsLayout,
  numSamples: number,
  replacement: boolean,
  seed: number,
  offset: number,
): void {
  if (layout.rows === 0) return;
  const key = `multinomial:${replacement}`;
  rt.checkLoop(key, numSamples * 2 * layout.cols + (replacement ? 0 : numSamples * numSamples * layout.cols));
  const excluded = replacement ? 'false' : `isPicked(r, c, s)`;
  const pipeline = rt.pipeline(
    key,
    () => `${RNG}
struct Params { k0: u32, k1: u32, offLo: u32, offHi: u32, rows: u32, cols: u32, samples: u32 }
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<i32>;
@group(0) @binding(2) var<uniform> p: Params;
fn isPicked(r: u32, c: u32, s: u32) -> bool {
  for (var q = 0u; q < s; q = q + 1u) { if (Out[r * p.samples + q] == i32(c)) { return true; } }
  return false;
}
${elementMain('p.rows')}
  let r = i;
  let base = r * p.cols;
  for (var s = 0u; s < p.samples; s = s + 1u) {
    var total = 0.0;
    for (var c = 0u; c < p.cols; c = c + 1u) { if (!(${excluded})) { total = total + max(P[base + c], 0.0); } }
    let u = uniformAt(p.k0, p.k1, p.offLo, p.offHi, r * p.samples + s) * total;
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
    Out[r * p.samples + s] = pick;
  }
}`,
  );
  const params = streamParams(seed, offset).u32(layout.rows).u32(layout.cols).u32(numSamples);
  rt.dispatch(key, pipeline, [probs, out], params, grid(layout.rows));
}

// Batched matmul: 64×64 output tiles per workgroup of 16×16 threads, each thread
// holding a 4×4 block of accumulators in registers; A and B are staged through
// workgroup memory 16 deep in k. Transposed operands are read in place by index math
// (no copy). Batch dimensions broadcast through per-dim strides.
import { type MatmulParams, sizeOf } from '@tensorlm/tensor-core';
import { ParamWriter, WGSL_DIM_HELPER } from '../params.js';
import type { GpuRuntime } from '../runtime.js';

const TILE = 64;
const DEPTH = 16;

export function matmulKernel(
  rt: GpuRuntime,
  a: GPUBuffer,
  b: GPUBuffer,
  out: GPUBuffer,
  p: MatmulParams,
): void {
  const batches = sizeOf(p.batchShape);
  if (batches === 0 || p.m === 0 || p.n === 0) return;
  const rank = p.batchShape.length;
  const key = `matmul:${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}:${rank}`;
  const aIndex = p.transA ? 'aOff + (kt + kk) * p.m + row' : 'aOff + row * p.k + kt + kk';
  const bIndex = p.transB ? 'bOff + col * p.k + kt + kk' : 'bOff + (kt + kk) * p.n + col';
  const pipeline = rt.pipeline(
    key,
    () => `${WGSL_DIM_HELPER}
struct Params { m: u32, n: u32, k: u32, batches: u32, shape: array<vec4<u32>, 2>, aStrides: array<vec4<u32>, 2>, bStrides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
var<workgroup> tileA: array<f32, ${DEPTH * TILE}>;
var<workgroup> tileB: array<f32, ${DEPTH * TILE}>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = wid.z;
  var rem = batch;
  var aOff = 0u;
  var bOff = 0u;
  for (var q = 0u; q < ${rank}u; q = q + 1u) {
    let d = ${rank}u - (q + 1u);
    let n = dimAt(p.shape, d);
    let c = rem % n;
    rem = rem / n;
    aOff = aOff + c * dimAt(p.aStrides, d);
    bOff = bOff + c * dimAt(p.bStrides, d);
  }
  let flat = lid.y * 16u + lid.x;
  let rowBase = wid.y * ${TILE}u;
  let colBase = wid.x * ${TILE}u;
  var acc: array<f32, 16>;
  for (var kt = 0u; kt < p.k; kt = kt + ${DEPTH}u) {
    for (var l = 0u; l < 4u; l = l + 1u) {
      let e = flat + l * 256u;
      // A tile: 64 rows × 16 k, stored k-major so a thread reads 4 consecutive rows.
      let r = e / ${DEPTH}u;
      let kk = e % ${DEPTH}u;
      let row = rowBase + r;
      var av = 0.0;
      if (row < p.m && kt + kk < p.k) { av = A[${aIndex}]; }
      tileA[kk * ${TILE}u + r] = av;
      // B tile: 16 k × 64 columns.
      let kb = e / ${TILE}u;
      let cb = e % ${TILE}u;
      let col = colBase + cb;
      var bv = 0.0;
      if (col < p.n && kt + kb < p.k) { bv = B[${bIndex.replace(/kk/g, 'kb')}]; }
      tileB[kb * ${TILE}u + cb] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${DEPTH}u; kk = kk + 1u) {
      let ab = kk * ${TILE}u + lid.y * 4u;
      let bb = kk * ${TILE}u + lid.x * 4u;
      let a0 = tileA[ab]; let a1 = tileA[ab + 1u]; let a2 = tileA[ab + 2u]; let a3 = tileA[ab + 3u];
      let b0 = tileB[bb]; let b1 = tileB[bb + 1u]; let b2 = tileB[bb + 2u]; let b3 = tileB[bb + 3u];
      acc[0] += a0 * b0; acc[1] += a0 * b1; acc[2] += a0 * b2; acc[3] += a0 * b3;
      acc[4] += a1 * b0; acc[5] += a1 * b1; acc[6] += a1 * b2; acc[7] += a1 * b3;
      acc[8] += a2 * b0; acc[9] += a2 * b1; acc[10] += a2 * b2; acc[11] += a2 * b3;
      acc[12] += a3 * b0; acc[13] += a3 * b1; acc[14] += a3 * b2; acc[15] += a3 * b3;
    }
    workgroupBarrier();
  }
  let cOff = batch * p.m * p.n;
  for (var i = 0u; i < 4u; i = i + 1u) {
    let row = rowBase + lid.y * 4u + i;
    if (row >= p.m) { break; }
    for (var j = 0u; j < 4u; j = j + 1u) {
      let col = colBase + lid.x * 4u + j;
      if (col < p.n) { C[cOff + row * p.n + col] = acc[i * 4u + j]; }
    }
  }
}`,
  );
  const params = new ParamWriter()
    .u32(p.m)
    .u32(p.n)
    .u32(p.k)
    .u32(batches)
    .dims(p.batchShape)
    .dims(p.aBatchStrides)
    .dims(p.bBatchStrides);
  if (batches > 65535) throw new Error(`backend-webgpu: matmul with ${batches} batches exceeds 65535`);
  rt.dispatch(key, pipeline, [a, b, out], params, [Math.ceil(p.n / TILE), Math.ceil(p.m / TILE), batches]);
}

// Skinny products — a cached decoding step feeds 1 row (≤ 4) through every weight:
// memory-bound, so what counts is bytes per load and every core streaming (llvmpipe
// loads a storage buffer lane by lane, so loads, not arithmetic, set the pace). Bᵀ (the
// tied LM head, 50,257 rows of 768): each thread computes 8 columns of C for all of A's
// rows, walking k 4 at a time with vec4 loads of A and of 8 rows of Bᵀ, each row read in
// order; 64-thread workgroups spread it over every core.
// B (k-rows of n, every Conv1D weight of GPT-2): a workgroup takes a chunk of k-rows
// whole — its 64 threads each own 3–4 column quads spaced 64 apart, so a workgroup's
// SIMD groups read the same rows side by side (few pages, prefetch-friendly) instead of
// each walking a column strip down all k rows — and writes partial sums per chunk, which
// a second small dispatch adds up (fused into the write when there is one chunk). Many
// (chunk × column-group) workgroups keep both llvmpipe threads busy even for n = 768,
// which one 256-thread workgroup per 1,024 columns left to a single thread.
// Taken when every offset and row length is a multiple of 4; anything else runs the
// per-element kernel. With `f16B`, B is stored as packed halves (f16.ts: two per u32,
// read as vec2<u32> = 4 halves and widened with core WGSL's unpack2x16float): half the
// bytes of every weight read, f32 accumulation.
import type { MatmulParams } from '@tensorlm/tensor-core';
import { ParamWriter } from '../../params.js';
import type { GpuBinding, GpuRuntime } from '../../runtime.js';
import { elementMain, grid } from '../wgsl.js';
import { batchOffsets, type MatmulLayout, PARAMS, store } from './shaders.js';

/** Most rows of A one matvec thread carries. */
export const MATVEC_ROWS = 4;

/** Whether the vec4 matvec applies: few rows of A, all strides and offsets in whole vec4s. */
export function fitsMatvec(p: MatmulParams, layout: MatmulLayout): boolean {
  // Bᵀ's rows are read whole, so only B (k-rows of n) needs n in whole vec4s.
  const quads = [
    p.k,
    p.transB ? 0 : p.n,
    layout.lda,
    layout.ldb,
    layout.aAdjust,
    layout.bAdjust,
    ...p.aBatchStrides,
    ...p.bBatchStrides,
  ];
  return (
    p.m <= MATVEC_ROWS &&
    !p.transA &&
    layout.kTotal === undefined &&
    p.k > 0 &&
    quads.every((q) => q % 4 === 0)
  );
}

/** Columns of C one Bᵀ thread computes (rows of Bᵀ it streams): 8 loads of B per load of A. */
const T_COLS = 8;
/** Threads per workgroup of the one-pass kernel: small, so a product spreads over every core. */
const MATVEC_THREADS = 64;

function matvecShader(
  transB: boolean,
  rows: number,
  rank: number,
  accumulate: boolean,
  f16B: boolean,
): string {
  // Four of B's elements: a vec4<f32>, or 4 halves in a vec2<u32> widened to one.
  const bLoad = (at: string) => (f16B ? `halves4(B[${at}])` : `B[${at}]`);
  const cols = transB ? T_COLS : 4;
  const quadsPerThread = cols / 4;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++)
    for (let g = 0; g < quadsPerThread; g++) lines.push(`var acc${r}_${g} = vec4<f32>();`);
  const step: string[] = [];
  for (let r = 0; r < rows; r++) step.push(`let a${r} = A[(aOff + ${r}u * p.lda) / 4u + kk];`);
  if (transB) {
    // Bᵀ: column c of C is row c of B, read 4 k at a time, each row in order.
    // Columns past n (the last thread's) read row n − 1 and are never stored.
    for (let j = 0; j < cols; j++)
      step.push(`let b${j} = ${bLoad(`(bOff + min(col + ${j}u, p.n - 1u) * p.ldb) / 4u + kk`)};`);
    for (let r = 0; r < rows; r++)
      for (let g = 0; g < quadsPerThread; g++) {
        const dots = [0, 1, 2, 3].map((j) => `dot(a${r}, b${4 * g + j})`).join(', ');
        step.push(`acc${r}_${g} = acc${r}_${g} + vec4<f32>(${dots});`);
      }
  } else {
    // B: 4 consecutive columns of each of 4 k-rows.
    for (let j = 0; j < 4; j++)
      step.push(`let b${j} = ${bLoad(`(bOff + (4u * kk + ${j}u) * p.ldb + col) / 4u`)};`);
    for (let r = 0; r < rows; r++)
      step.push(`acc${r}_0 = acc${r}_0 + a${r}.x * b0 + a${r}.y * b1 + a${r}.z * b2 + a${r}.w * b3;`);
  }
  const stores: string[] = [];
  for (let r = 0; r < rows; r++)
    for (let q = 0; q < cols; q++)
      stores.push(
        `if (col + ${q}u < p.n) { ${store(accumulate, `cOff + ${r}u * p.ldc + col + ${q}u`, `acc${r}_${q >> 2}.${'xyzw'[q & 3]}`)} }`,
      );
  return `
${PARAMS}
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<${f16B ? 'vec2<u32>' : 'vec4<f32>'}>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${f16B ? 'fn halves4(w: vec2<u32>) -> vec4<f32> { return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y)); }' : ''}
${elementMain(`p.batches * ((p.n + ${cols - 1}u) / ${cols}u)`, MATVEC_THREADS)}
  let units = (p.n + ${cols - 1}u) / ${cols}u;
  let col = (i % units) * ${cols}u;
  let batch = p.batchStart + i / units;
  ${batchOffsets(rank)}
  ${lines.join('\n  ')}
  for (var kk = 0u; kk < p.k / 4u; kk = kk + 1u) {
    ${step.join('\n    ')}
  }
  let cOff = p.cAdjust + batch * p.cBatch;
  ${stores.join('\n  ')}
}`;
}

/** Threads of a split matvec workgroup; each owns `quadsPerThread` column quads 64 apart. */
const SPLIT_THREADS = 64;
/** Fewest k-rows one split workgroup takes: enough for its SIMD groups to share each page they read. */
const MIN_CHUNK_ROWS = 32;
/** Most k-chunks (partial sums per column): beyond it the chunk grows instead. */
const MAX_CHUNKS = 48;

/** How a B-layout matvec splits: k-rows per chunk, chunks, column quads per thread, column groups. */
export function splitPlan(p: Pick<MatmulParams, 'n' | 'k'>): {
  chunk: number;
  chunks: number;
  quadsPerThread: number;
  groups: number;
} {
  // Whole vec4s of k (fitsMatvec's k is one), so each step takes 4 k-rows.
  const chunk = Math.max(MIN_CHUNK_ROWS, Math.ceil(p.k / MAX_CHUNKS / 4) * 4);
  const quads = Math.ceil(p.n / 4);
  // 3 divides GPT-2's 768, 2,304 and 3,072 columns into whole groups (192 quads); else 4;
  // 1 under one group of 3 (attention's 64-wide heads), so that few threads idle.
  const perGroup = (q: number) => SPLIT_THREADS * q;
  const quadsPerThread = quads < perGroup(3) ? 1 : quads % perGroup(3) === 0 || quads < perGroup(4) ? 3 : 4;
  return {
    chunk,
    chunks: Math.ceil(p.k / chunk),
    quadsPerThread,
    groups: Math.ceil(quads / perGroup(quadsPerThread)),
  };
}

/**
 * B layout: workgroup (column group x, k-chunk y, batch z) accumulates its rows × quads
 * of C over the chunk's k-rows; with one chunk it writes C, else partial sums
 * P[batch][chunk][row][n] for `splitSumShader`.
 */
function splitShader(
  rows: number,
  quadsPerThread: number,
  rank: number,
  direct: boolean,
  accumulate: boolean,
): string {
  const decl: string[] = [];
  const loads: string[] = [];
  const fmas: string[] = [];
  const stores: string[] = [];
  // Four k-rows a step: one vec4 of each A row, then 4 rows × quadsPerThread vec4s of B.
  for (let j = 0; j < quadsPerThread; j++) {
    decl.push(`let q${j} = min(q + ${j * SPLIT_THREADS}u, quads - 1u);`);
    for (let d = 0; d < 4; d++) loads.push(`let b${d}_${j} = B[row${d} + q${j}];`);
  }
  for (let r = 0; r < rows; r++) {
    loads.push(`let a${r} = A[(aOff + ${r}u * p.lda + kr) / 4u];`);
    for (let j = 0; j < quadsPerThread; j++) {
      decl.push(`var acc${r}_${j} = vec4<f32>();`);
      fmas.push(
        `acc${r}_${j} = acc${r}_${j} + a${r}.x * b0_${j} + a${r}.y * b1_${j} + a${r}.z * b2_${j} + a${r}.w * b3_${j};`,
      );
      const col = `(q + ${j * SPLIT_THREADS}u) * 4u`;
      for (let c = 0; c < 4; c++) {
        const value = `acc${r}_${j}.${'xyzw'[c]}`;
        const target = direct
          ? store(accumulate, `p.cAdjust + batch * p.cBatch + ${r}u * p.ldc + ${col} + ${c}u`, value)
          : `P[((batch - p.batchStart) * p.chunks + wid.y) * ${rows}u * p.n + ${r}u * p.n + ${col} + ${c}u] = ${value};`;
        stores.push(`if (${col} + ${c}u < p.n) { ${target} }`);
      }
    }
  }
  return `
struct Params { m: u32, n: u32, k: u32, batches: u32, lda: u32, ldb: u32, ldc: u32, chunk: u32, batchStart: u32, aAdjust: u32, bAdjust: u32, cAdjust: u32, cBatch: u32, chunks: u32, shape: array<vec4<u32>, 2>, aStrides: array<vec4<u32>, 2>, bStrides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> ${direct ? 'C' : 'P'}: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(${SPLIT_THREADS})
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let quads = (p.n + 3u) / 4u;
  let q = wid.x * ${SPLIT_THREADS * quadsPerThread}u + li;
  if (q >= quads) { return; }
  let batch = p.batchStart + wid.z;
  ${batchOffsets(rank)}
  ${decl.join('\n  ')}
  let k0 = wid.y * p.chunk;
  let k1 = min(k0 + p.chunk, p.k);
  for (var kr = k0; kr < k1; kr = kr + 4u) {
    let row0 = (bOff + kr * p.ldb) / 4u;
    let row1 = row0 + p.ldb / 4u;
    let row2 = row1 + p.ldb / 4u;
    let row3 = row2 + p.ldb / 4u;
    ${loads.join('\n    ')}
    ${fmas.join('\n    ')}
  }
  ${stores.join('\n  ')}
}`;
}

/** C (per its layout) = the sum over chunks of P[batch][chunk][row][n], a column quad per thread. */
function splitSumShader(accumulate: boolean): string {
  const stores = [0, 1, 2, 3].map((c) => store(accumulate, `at + ${c}u`, `sum.${'xyzw'[c]}`));
  return `
struct Params { m: u32, n: u32, chunks: u32, batches: u32, ldc: u32, cAdjust: u32, cBatch: u32 }
@group(0) @binding(0) var<storage, read> P: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> C: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('p.batches * p.m * (p.n / 4u)', 64)}
  let quads = p.n / 4u;
  let rows = i / quads; // batch * m + row
  let quad = i - rows * quads;
  let batch = rows / p.m;
  let row = rows - batch * p.m;
  // Chunk c of this row and quad: (batch · chunks + c) · m · quads + row · quads + quad.
  let first = batch * p.chunks * p.m * quads + row * quads + quad;
  let stride = p.m * quads;
  var sum = vec4<f32>();
  for (var c = 0u; c < p.chunks; c = c + 1u) { sum = sum + P[first + c * stride]; }
  let at = p.cAdjust + batch * p.cBatch + row * p.ldc + quad * 4u;
  ${stores.join('\n  ')}
}`;
}

/** A B-layout matvec (see splitShader): one dispatch, plus the sum of partials past one chunk. */
function splitMatvec(
  rt: GpuRuntime,
  a: GpuBinding,
  b: GpuBinding,
  out: GpuBinding,
  p: MatmulParams,
  layout: MatmulLayout,
): void {
  const rank = p.batchShape.length;
  const plan = splitPlan(p);
  const direct = plan.chunks === 1;
  const key = `matvec:split:${p.m}:${plan.quadsPerThread}:${rank}${direct ? ':direct' : ''}${layout.accumulate ? ':acc' : ''}`;
  const pipeline = rt.pipeline(key, () =>
    splitShader(p.m, plan.quadsPerThread, rank, direct, layout.accumulate),
  );
  rt.checkLoop(key, rank + plan.chunk / 4);
  // Batches past one dispatch's z, or whose partial sums would pass one binding, go in runs.
  const perBatch = plan.chunks * p.m * p.n * 4;
  const run = Math.min(
    rt.limits.maxComputeWorkgroupsPerDimension,
    direct ? Number.POSITIVE_INFINITY : Math.floor(rt.bindingLimit / perBatch),
  );
  for (let start = 0; start < layout.batches; start += run) {
    const batches = Math.min(run, layout.batches - start);
    const partial = direct ? null : rt.allocate(batches * plan.chunks * p.m * p.n * 4);
    const params = new ParamWriter()
      .u32(p.m)
      .u32(p.n)
      .u32(p.k)
      .u32(batches)
      .u32(layout.lda)
      .u32(layout.ldb)
      .u32(layout.ldc)
      .u32(plan.chunk)
      .u32(layout.batchStart + start)
      .u32(layout.aAdjust)
      .u32(layout.bAdjust)
      .u32(layout.cAdjust)
      .u32(layout.cBatch)
      .u32(plan.chunks)
      .dims(p.batchShape)
      .dims(p.aBatchStrides)
      .dims(p.bBatchStrides);
    rt.dispatch(key, pipeline, [a, b, partial ? partial.buffer : out], params, [
      plan.groups,
      plan.chunks,
      batches,
    ]);
    if (partial) {
      const sumKey = `matvec:splitSum${layout.accumulate ? ':acc' : ''}`;
      const sum = rt.pipeline(sumKey, () => splitSumShader(layout.accumulate));
      rt.checkLoop(sumKey, plan.chunks);
      const sumParams = new ParamWriter()
        .u32(p.m)
        .u32(p.n)
        .u32(plan.chunks)
        .u32(batches)
        .u32(layout.ldc)
        .u32((layout.cAdjust + (layout.batchStart + start) * layout.cBatch) >>> 0)
        .u32(layout.cBatch);
      rt.dispatch(sumKey, sum, [partial.buffer, out], sumParams, grid((batches * p.m * p.n) / 4, 64));
      rt.release(partial);
    }
  }
}

/** One dispatch of a skinny product (see `fitsMatvec`); `f16B`: B holds packed halves (f16.ts). */
export function matvecKernel(
  rt: GpuRuntime,
  a: GpuBinding,
  b: GpuBinding,
  out: GpuBinding,
  p: MatmulParams,
  layout: MatmulLayout,
  f16B = false,
): void {
  // The split's partial sums of one batch must fit a binding (n past ~170,000 columns would not).
  if (!p.transB && !f16B && splitPlan(p).chunks * p.m * p.n * 4 <= rt.bindingLimit) {
    splitMatvec(rt, a, b, out, p, layout);
    return;
  }
  const rank = p.batchShape.length;
  const key = `matvec:${p.transB ? 'T' : 'N'}:${p.m}:${rank}${layout.accumulate ? ':acc' : ''}${f16B ? ':f16B' : ''}`;
  const pipeline = rt.pipeline(key, () => matvecShader(p.transB, p.m, rank, layout.accumulate, f16B));
  rt.checkLoop(key, rank + p.k / 4);
  const params = new ParamWriter()
    .u32(p.m)
    .u32(p.n)
    .u32(p.k)
    .u32(layout.batches)
    .u32(layout.lda)
    .u32(layout.ldb)
    .u32(layout.ldc)
    .u32(p.k)
    .u32(layout.batchStart)
    .u32(layout.aAdjust)
    .u32(layout.bAdjust)
    .u32(layout.cAdjust)
    .u32(layout.cBatch)
    .dims(p.batchShape)
    .dims(p.aBatchStrides)
    .dims(p.bBatchStrides);
  const cols = p.transB ? T_COLS : 4;
  rt.dispatch(
    key,
    pipeline,
    [a, b, out],
    params,
    grid(layout.batches * Math.ceil(p.n / cols), MATVEC_THREADS),
  );
}

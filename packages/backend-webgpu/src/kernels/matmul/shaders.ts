// Batched matmul kernels, register-blocked: each thread accumulates an R × 4V block of
// C in vec4 registers, fed from A and B tiles staged in workgroup memory D deep in k.
// Large blocks matter most on Mesa llvmpipe, where every workgroup-memory load is a
// gather across SIMD lanes: an 8 × 8 block does 16 vec4 FMAs per 4 vec4 loads, the
// 4 × 4 block it replaced only 4 per 2 (4.1 → ~10 GFLOP/s at N = 1024 on 2 cores).
// Small products take a 32 × 32 tile, tiny ones one thread per output element (which
// tile, and when, is decided in plan.ts). Transposed operands are read in place by
// index math; batch dims broadcast through per-dim strides. Leading dimensions and
// per-operand offsets (`MatmulLayout`) let one dispatch compute a block of a larger
// product through binding windows, adding to C for all but the first k block.
import { type MatmulParams, sizeOf } from '@tensorlm/tensor-core';
import { WebGPUError } from '../../errors.js';
import { dimRef, ParamWriter } from '../../params.js';
import type { GpuBinding, GpuRuntime } from '../../runtime.js';
import { elementMain, grid } from '../wgsl.js';
import { fitsMatvec, matvecKernel } from './matvec.js';
import { kernelShape, type TileConfig, tileCols, tileRows } from './plan.js';

/**
 * Where one dispatch's product lives in its bindings, beyond `MatmulParams`: leading
 * dimensions (a block of a wider operand, split-k slices of a longer k), the batches it
 * covers, and per-operand adjustments added to each batch's offset (a span's base
 * minus the first batch's offset, modulo 2³²).
 */
export interface MatmulLayout {
  readonly lda: number;
  readonly ldb: number;
  readonly ldc: number;
  /** Elements between consecutive batches of C. */
  readonly cBatch: number;
  readonly batchStart: number;
  readonly batches: number;
  readonly aAdjust: number;
  readonly bAdjust: number;
  readonly cAdjust: number;
  /**
   * Split-k: batch b multiplies k-slice b (each `k` long, the last one cut at `kTotal`).
   */
  readonly kTotal?: number;
  /** Add to C instead of writing it (a later k block). */
  readonly accumulate: boolean;
}

/** The layout of a product that is all of its bindings. */
export function denseLayout(p: MatmulParams): MatmulLayout {
  return {
    lda: p.transA ? p.m : p.k,
    ldb: p.transB ? p.k : p.n,
    ldc: p.n,
    cBatch: p.m * p.n,
    batchStart: 0,
    batches: sizeOf(p.batchShape),
    aAdjust: 0,
    bAdjust: 0,
    cAdjust: 0,
    accumulate: false,
  };
}

export const PARAMS = `struct Params { m: u32, n: u32, k: u32, batches: u32, lda: u32, ldb: u32, ldc: u32, kTotal: u32, batchStart: u32, aAdjust: u32, bAdjust: u32, cAdjust: u32, cBatch: u32, shape: array<vec4<u32>, 2>, aStrides: array<vec4<u32>, 2>, bStrides: array<vec4<u32>, 2> }`;

/** WGSL: A's and B's element offsets (aOff, bOff) for batch index `batch`, unrolled per dim. */
export function batchOffsets(rank: number): string {
  const lines = ['var rem = batch;', 'var aOff = p.aAdjust;', 'var bOff = p.bAdjust;'];
  for (let d = rank - 1; d >= 0; d--) {
    const index = d === 0 ? 'rem' : `rem % ${dimRef('p.shape', d)}`;
    const next = d === 0 ? '' : ` rem = rem / ${dimRef('p.shape', d)};`;
    lines.push(
      `{ let j = ${index};${next} aOff = aOff + j * ${dimRef('p.aStrides', d)}; bOff = bOff + j * ${dimRef('p.bStrides', d)}; }`,
    );
  }
  return lines.join('\n  ');
}

/** How a result lands in C: written, or added to what an earlier k block wrote. */
export function store(accumulate: boolean, at: string, value: string): string {
  return accumulate ? `C[${at}] = C[${at}] + ${value};` : `C[${at}] = ${value};`;
}

function shader(
  c: TileConfig,
  transA: boolean,
  transB: boolean,
  rank: number,
  splitK: boolean,
  accumulate: boolean,
): string {
  const tm = tileRows(c);
  const tn = tileCols(c);
  const threads = c.wx * c.wy;
  const aVec4s = (tm / 4) * c.d; // tileA[k][rows / 4]: four consecutive rows at one k
  const bVec4s = (tn / 4) * c.d; // tileB[k][cols / 4]: four consecutive columns at one k
  const comps = ['x', 'y', 'z', 'w'] as const;
  const aAt = (row: string, k: string) =>
    transA ? `aOff + (${k}) * p.lda + ${row}` : `aOff + (${row}) * p.lda + ${k}`;
  const bAt = (k: string, col: string) =>
    transB ? `bOff + (${col}) * p.ldb + ${k}` : `bOff + (${k}) * p.ldb + ${col}`;
  // Consecutive threads walk the operand's contiguous axis, so their loads share cache lines.
  const aSplit = transA
    ? `let kk = e / ${tm / 4}u; let r4 = e % ${tm / 4}u;`
    : `let r4 = e / ${c.d}u; let kk = e % ${c.d}u;`;
  const bSplit = transB
    ? `let c4 = e / ${c.d}u; let kk = e % ${c.d}u;`
    : `let kk = e / ${tn / 4}u; let c4 = e % ${tn / 4}u;`;
  const loads: string[] = [];
  for (let l = 0; l < Math.ceil(aVec4s / threads); l++) {
    const lanes = comps.map((q, i) => `if (row + ${i}u < p.m) { v.${q} = A[${aAt(`row + ${i}u`, 'k')}]; }`);
    loads.push(`{ let e = flat + ${l * threads}u;${aVec4s % threads === 0 ? '' : ` if (e < ${aVec4s}u)`} {
      ${aSplit} let row = rowBase + r4 * 4u; let k = kt + kk; var v = vec4<f32>();
      if (k < kEnd) { ${lanes.join(' ')} }
      tileA[kk * ${tm / 4}u + r4] = v; } }`);
  }
  for (let l = 0; l < Math.ceil(bVec4s / threads); l++) {
    const lanes = comps.map((q, i) => `if (col + ${i}u < p.n) { v.${q} = B[${bAt('k', `col + ${i}u`)}]; }`);
    loads.push(`{ let e = flat + ${l * threads}u;${bVec4s % threads === 0 ? '' : ` if (e < ${bVec4s}u)`} {
      ${bSplit} let col = colBase + c4 * 4u; let k = kt + kk; var v = vec4<f32>();
      if (k < kEnd) { ${lanes.join(' ')} }
      tileB[kk * ${tn / 4}u + c4] = v; } }`);
  }
  const acc: string[] = [];
  const step: string[] = [];
  const stores: string[] = [];
  for (let i = 0; i < c.r / 4; i++)
    step.push(`let a${i} = tileA[kk * ${tm / 4}u + lid.y * ${c.r / 4}u + ${i}u];`);
  for (let j = 0; j < c.v; j++) step.push(`let b${j} = tileB[kk * ${tn / 4}u + lid.x * ${c.v}u + ${j}u];`);
  for (let i = 0; i < c.r; i++) {
    const row: string[] = [];
    for (let j = 0; j < c.v; j++) {
      acc.push(`var c${i}_${j} = vec4<f32>();`);
      step.push(`c${i}_${j} += a${i >> 2}.${comps[i & 3]} * b${j};`);
      for (let q = 0; q < 4; q++)
        row.push(
          `if (col0 + ${j * 4 + q}u < p.n) { ${store(accumulate, `o + ${j * 4 + q}u`, `c${i}_${j}.${comps[q]}`)} }`,
        );
    }
    stores.push(`if (row0 + ${i}u < p.m) { let o = cOff + (row0 + ${i}u) * p.ldc + col0; ${row.join(' ')} }`);
  }
  return `
${PARAMS}
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
var<workgroup> tileA: array<vec4<f32>, ${aVec4s}>;
var<workgroup> tileB: array<vec4<f32>, ${bVec4s}>;

@compute @workgroup_size(${c.wx}, ${c.wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = p.batchStart + wid.z;
  ${batchOffsets(rank)}
  let flat = lid.y * ${c.wx}u + lid.x;
  let rowBase = wid.y * ${tm}u;
  let colBase = wid.x * ${tn}u;
  ${acc.join('\n  ')}
  let kEnd = ${splitK ? 'min(p.k, p.kTotal - batch * p.k)' : 'p.k'};
  for (var kt = 0u; kt < kEnd; kt = kt + ${c.d}u) {
    ${loads.join('\n    ')}
    workgroupBarrier();
    for (var kk = 0u; kk < ${c.d}u; kk = kk + 1u) {
      ${step.join('\n      ')}
    }
    workgroupBarrier();
  }
  let cOff = p.cAdjust + batch * p.cBatch;
  let row0 = rowBase + lid.y * ${c.r}u;
  let col0 = colBase + lid.x * ${4 * c.v}u;
  ${stores.join('\n  ')}
}`;
}

function tinyShader(transA: boolean, transB: boolean, rank: number, accumulate: boolean): string {
  const a = transA ? 'aOff + k * p.lda + row' : 'aOff + row * p.lda + k';
  const b = transB ? 'bOff + col * p.ldb + k' : 'bOff + k * p.ldb + col';
  return `
${PARAMS}
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${elementMain('p.batches * p.m * p.n')}
  let col = i % p.n;
  let row = (i / p.n) % p.m;
  let batch = p.batchStart + i / (p.m * p.n);
  ${batchOffsets(rank)}
  var acc = 0.0;
  for (var k = 0u; k < p.k; k = k + 1u) { acc = acc + A[${a}] * B[${b}]; }
  ${store(accumulate, 'p.cAdjust + batch * p.cBatch + row * p.ldc + col', 'acc')}
}`;
}

/**
 * One dispatch of a product (`p`'s m, n, k; its batch shape and strides locate each
 * batch) laid out in its bindings as `layout` says (by default: all of each binding),
 * with `tile` (the autotuner's candidate under test) or the runtime's tile for it.
 */
export function matmulKernel(
  rt: GpuRuntime,
  a: GpuBinding,
  b: GpuBinding,
  out: GpuBinding,
  p: MatmulParams,
  layout: MatmulLayout = denseLayout(p),
  tile?: TileConfig,
): void {
  const batches = layout.batches;
  if (batches === 0 || p.m === 0 || p.n === 0) return;
  const maxGroups = rt.limits.maxComputeWorkgroupsPerDimension;
  if (batches > maxGroups)
    throw new WebGPUError(
      'WEBGPU_DISPATCH_LIMIT',
      `matmul with ${batches} batches exceeds the device's ${maxGroups} workgroups per dimension`,
      { kernel: 'matmul' },
    );
  const rank = p.batchShape.length;
  const splitK = layout.kTotal !== undefined;
  const shape = kernelShape(p, splitK, tile ?? rt.matmulTile(p, splitK));
  if (shape.tiny && fitsMatvec(p, layout)) {
    matvecKernel(rt, a, b, out, p, layout);
    return;
  }
  const kind = shape.tiny ? 'tiny' : `${shape.tile.name}${splitK ? 'splitK' : ''}`;
  const key = `matmul:${kind}:${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}:${rank}${layout.accumulate ? ':acc' : ''}`;
  const pipeline = rt.pipeline(key, () =>
    shape.tiny
      ? tinyShader(p.transA, p.transB, rank, layout.accumulate)
      : shader(shape.tile, p.transA, p.transB, rank, splitK, layout.accumulate),
  );
  rt.checkLoop(key, rank + (shape.tiny ? p.k : Math.ceil(p.k / shape.tile.d) * (shape.tile.d + 1)));
  const params = new ParamWriter()
    .u32(p.m)
    .u32(p.n)
    .u32(p.k)
    .u32(batches)
    .u32(layout.lda)
    .u32(layout.ldb)
    .u32(layout.ldc)
    .u32(layout.kTotal ?? p.k)
    .u32(layout.batchStart)
    .u32(layout.aAdjust)
    .u32(layout.bAdjust)
    .u32(layout.cAdjust)
    .u32(layout.cBatch)
    .dims(p.batchShape)
    .dims(p.aBatchStrides)
    .dims(p.bBatchStrides);
  const workgroups: [number, number, number] | [number, number] = shape.tiny
    ? grid(batches * p.m * p.n)
    : [Math.ceil(p.n / tileCols(shape.tile)), Math.ceil(p.m / tileRows(shape.tile)), batches];
  rt.dispatch(key, pipeline, [a, b, out], params, workgroups);
}

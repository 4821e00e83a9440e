// Batched matmul kernels, register-blocked: each thread accumulates an R × 4V block of
// C in vec4 registers, fed from A and B tiles staged in workgroup memory D deep in k.
// Large blocks matter most on Mesa llvmpipe, where every workgroup-memory load is a
// gather across SIMD lanes: an 8 × 8 block does 16 vec4 FMAs per 4 vec4 loads, the
// 4 × 4 block it replaced only 4 per 2 (4.1 → ~10 GFLOP/s at N = 1024 on 2 cores).
// Small products take a 32 × 32 tile, tiny ones one thread per output element (which
// tile, and when, is decided in plan.ts). Transposed operands are read in place by
// index math; batch dims broadcast through per-dim strides. `ldc`/`cCol` let a caller
// write a column block of a wider C, which is how a B past one storage binding (the tied
// LM head) is split into row windows.
import { type MatmulParams, sizeOf } from '@tensorlm/tensor-core';
import { WebGPUError } from '../../errors.js';
import { dimRef, ParamWriter } from '../../params.js';
import type { GpuBinding, GpuRuntime } from '../../runtime.js';
import { elementMain, grid } from '../wgsl.js';
import { kernelShape, type TileConfig, tileCols, tileRows } from './plan.js';

export interface MatmulTarget {
  /** Row stride of C (default n). */
  readonly ldc?: number;
  /** Column of C where this product's column 0 lands (default 0). */
  readonly cCol?: number;
  /**
   * Split-k: batch b multiplies k-slice b (each `k` long, the last one cut at `kTotal`);
   * A's rows (not transposed) and Bᵀ's rows are then `kTotal` long.
   */
  readonly kTotal?: number;
}

/** WGSL: A's and B's element offsets (aOff, bOff) for batch index `batch`, unrolled per dim. */
function batchOffsets(rank: number): string {
  const lines = ['var rem = batch;', 'var aOff = 0u;', 'var bOff = 0u;'];
  for (let d = rank - 1; d >= 0; d--) {
    const index = d === 0 ? 'rem' : `rem % ${dimRef('p.shape', d)}`;
    const next = d === 0 ? '' : ` rem = rem / ${dimRef('p.shape', d)};`;
    lines.push(
      `{ let j = ${index};${next} aOff = aOff + j * ${dimRef('p.aStrides', d)}; bOff = bOff + j * ${dimRef('p.bStrides', d)}; }`,
    );
  }
  return lines.join('\n  ');
}

function shader(c: TileConfig, transA: boolean, transB: boolean, rank: number, splitK: boolean): string {
  const tm = tileRows(c);
  const tn = tileCols(c);
  const threads = c.wx * c.wy;
  const aVec4s = (tm / 4) * c.d; // tileA[k][rows / 4]: four consecutive rows at one k
  const bVec4s = (tn / 4) * c.d; // tileB[k][cols / 4]: four consecutive columns at one k
  const comps = ['x', 'y', 'z', 'w'] as const;
  const aAt = (row: string, k: string) =>
    transA ? `aOff + (${k}) * p.m + ${row}` : `aOff + (${row}) * p.kTotal + ${k}`;
  const bAt = (k: string, col: string) =>
    transB ? `bOff + (${col}) * p.kTotal + ${k}` : `bOff + (${k}) * p.n + ${col}`;
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
        row.push(`if (col0 + ${j * 4 + q}u < p.n) { C[o + ${j * 4 + q}u] = c${i}_${j}.${comps[q]}; }`);
    }
    stores.push(
      `if (row0 + ${i}u < p.m) { let o = cOff + (row0 + ${i}u) * p.ldc + p.cCol + col0; ${row.join(' ')} }`,
    );
  }
  return `
struct Params { m: u32, n: u32, k: u32, batches: u32, ldc: u32, cCol: u32, kTotal: u32, shape: array<vec4<u32>, 2>, aStrides: array<vec4<u32>, 2>, bStrides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
var<workgroup> tileA: array<vec4<f32>, ${aVec4s}>;
var<workgroup> tileB: array<vec4<f32>, ${bVec4s}>;

@compute @workgroup_size(${c.wx}, ${c.wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = wid.z;
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
  let cOff = batch * p.m * p.ldc;
  let row0 = rowBase + lid.y * ${c.r}u;
  let col0 = colBase + lid.x * ${4 * c.v}u;
  ${stores.join('\n  ')}
}`;
}

function tinyShader(transA: boolean, transB: boolean, rank: number): string {
  const a = transA ? 'aOff + k * p.m + row' : 'aOff + row * p.kTotal + k';
  const b = transB ? 'bOff + col * p.kTotal + k' : 'bOff + k * p.n + col';
  return `
struct Params { m: u32, n: u32, k: u32, batches: u32, ldc: u32, cCol: u32, kTotal: u32, shape: array<vec4<u32>, 2>, aStrides: array<vec4<u32>, 2>, bStrides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${elementMain('p.batches * p.m * p.n')}
  let col = i % p.n;
  let row = (i / p.n) % p.m;
  let batch = i / (p.m * p.n);
  ${batchOffsets(rank)}
  var acc = 0.0;
  for (var k = 0u; k < p.k; k = k + 1u) { acc = acc + A[${a}] * B[${b}]; }
  C[batch * p.m * p.ldc + row * p.ldc + p.cCol + col] = acc;
}`;
}

/** One dispatch of a product (or of a block of one, or of split-k slices: see `target`). */
export function matmulKernel(
  rt: GpuRuntime,
  a: GpuBinding,
  b: GpuBinding,
  out: GpuBinding,
  p: MatmulParams,
  target: MatmulTarget = {},
): void {
  const batches = sizeOf(p.batchShape);
  if (batches === 0 || p.m === 0 || p.n === 0) return;
  if (batches > 65535)
    throw new WebGPUError('WEBGPU_DISPATCH_LIMIT', `matmul with ${batches} batches exceeds 65535`, {
      kernel: 'matmul',
    });
  const rank = p.batchShape.length;
  const splitK = target.kTotal !== undefined;
  const shape = kernelShape(p, splitK);
  const kind = shape.tiny ? 'tiny' : `${shape.tile.name}${splitK ? 'splitK' : ''}`;
  const key = `matmul:${kind}:${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}:${rank}`;
  const pipeline = rt.pipeline(key, () =>
    shape.tiny ? tinyShader(p.transA, p.transB, rank) : shader(shape.tile, p.transA, p.transB, rank, splitK),
  );
  rt.checkLoop(key, rank + (shape.tiny ? p.k : Math.ceil(p.k / shape.tile.d) * (shape.tile.d + 1)));
  const params = new ParamWriter()
    .u32(p.m)
    .u32(p.n)
    .u32(p.k)
    .u32(batches)
    .u32(target.ldc ?? p.n)
    .u32(target.cCol ?? 0)
    .u32(target.kTotal ?? p.k)
    .dims(p.batchShape)
    .dims(p.aBatchStrides)
    .dims(p.bBatchStrides);
  const workgroups: [number, number, number] | [number, number] = shape.tiny
    ? grid(batches * p.m * p.n)
    : [Math.ceil(p.n / tileCols(shape.tile)), Math.ceil(p.m / tileRows(shape.tile)), batches];
  rt.dispatch(key, pipeline, [a, b, out], params, workgroups);
}

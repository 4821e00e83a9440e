// Skinny products — a cached decoding step feeds 1 row (≤ 4) through every weight:
// memory-bound, so what counts is bytes per load. Each thread computes 4 columns of C
// for all of A's rows, walking k 4 at a time with vec4 loads of A and of B (4 columns
// of one k-row of B, or 4 k of one row of Bᵀ): 16 multiply-adds per 5 loads, where the
// per-element kernel did 1 per 2 scalar loads (GPT-2's tied LM head, 1 × 768 · Wᵀ, ran
// at 0.8 GB/s on llvmpipe). Taken when every offset and row length is a multiple of 4;
// anything else runs the per-element kernel. With `f16B`, B is stored as packed
// halves (f16.ts: two per u32, read as vec2<u32> = 4 halves and widened with core
// WGSL's unpack2x16float): half the bytes of every weight read, f32 accumulation.
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

function matvecShader(
  transB: boolean,
  rows: number,
  rank: number,
  accumulate: boolean,
  f16B: boolean,
): string {
  // Four of B's elements: a vec4<f32>, or 4 halves in a vec2<u32> widened to one.
  const bLoad = (at: string) => (f16B ? `halves4(B[${at}])` : `B[${at}]`);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(`var acc${r} = vec4<f32>();`);
  const step: string[] = [];
  for (let r = 0; r < rows; r++) step.push(`let a${r} = A[(aOff + ${r}u * p.lda) / 4u + kk];`);
  if (transB) {
    // Bᵀ: column c of C is row c of B, read 4 k at a time.
    // Columns past n (the last thread's) read row n − 1 and are never stored.
    for (let j = 0; j < 4; j++)
      step.push(`let b${j} = ${bLoad(`(bOff + min(col + ${j}u, p.n - 1u) * p.ldb) / 4u + kk`)};`);
    for (let r = 0; r < rows; r++)
      step.push(
        `acc${r} = acc${r} + vec4<f32>(dot(a${r}, b0), dot(a${r}, b1), dot(a${r}, b2), dot(a${r}, b3));`,
      );
  } else {
    // B: 4 consecutive columns of each of 4 k-rows.
    for (let j = 0; j < 4; j++)
      step.push(`let b${j} = ${bLoad(`(bOff + (4u * kk + ${j}u) * p.ldb + col) / 4u`)};`);
    for (let r = 0; r < rows; r++)
      step.push(`acc${r} = acc${r} + a${r}.x * b0 + a${r}.y * b1 + a${r}.z * b2 + a${r}.w * b3;`);
  }
  const stores: string[] = [];
  for (let r = 0; r < rows; r++)
    for (let q = 0; q < 4; q++)
      stores.push(
        `if (col + ${q}u < p.n) { ${store(accumulate, `cOff + ${r}u * p.ldc + col + ${q}u`, `acc${r}.${'xyzw'[q]}`)} }`,
      );
  return `
${PARAMS}
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<${f16B ? 'vec2<u32>' : 'vec4<f32>'}>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${f16B ? 'fn halves4(w: vec2<u32>) -> vec4<f32> { return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y)); }' : ''}
${elementMain('p.batches * ((p.n + 3u) / 4u)')}
  let quads = (p.n + 3u) / 4u;
  let col = (i % quads) * 4u;
  let batch = p.batchStart + i / quads;
  ${batchOffsets(rank)}
  ${lines.join('\n  ')}
  for (var kk = 0u; kk < p.k / 4u; kk = kk + 1u) {
    ${step.join('\n    ')}
  }
  let cOff = p.cAdjust + batch * p.cBatch;
  ${stores.join('\n  ')}
}`;
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
  rt.dispatch(key, pipeline, [a, b, out], params, grid(layout.batches * Math.ceil(p.n / 4)));
}

// Top-k per row, for rows as long as a vocabulary. Every invocation must stay within
// the loop budget (llvmpipe ends a shader's loops after 65,535 iterations in all), and
// one thread walking a 50k-wide row k times would also leave the GPU idle, so:
// - small k: tournament by chunks — each invocation scans one chunk of a row keeping
//   its best k in ranked order by insertion (one pass; an insertion, at most k steps,
//   is rare once the list fills, and chunk · (k + 1) bounds the loop even for a sorted
//   row), writing (value, column) pairs; the pairs are merged the same way, level by
//   level, until one chunk is left;
// - large k (top-p over a whole vocabulary sorts the row): a bitonic sort of each
//   row padded to a power of two, one dispatch per compare-exchange stage (no loops).
// Both order by value, then by the lower column on ties, so they agree with the CPU
// backend exactly.
import type { RowsLayout } from '@tensorlm/tensor-core';
import { forEachRowGroupWindow, WORD } from '../binding-windows.js';
import { ParamWriter } from '../params.js';
import type { GpuRuntime } from '../runtime.js';
import { elementMain, grid, wgslType } from './wgsl.js';

/** Loop iterations one invocation may spend (under llvmpipe's 65,535, with room for the rest). */
export const LOOP_BUDGET = 60_000;

/** Selection threads each loop long: small workgroups spread them over every core. */
const SELECT_WORKGROUP = 16;

/** Past this k a chunk could not hold enough pairs to shrink each level: sort instead. */
export const SELECTION_MAX_K = 128;

/** How a top-k runs: one selection pass, levels of chunked selection, or a sort. */
export type TopkPlan =
  | { readonly kind: 'select'; readonly levels: readonly SelectLevel[] }
  | { readonly kind: 'sort'; readonly padded: number };

/** One selection pass: rows of `n` candidates cut into `chunks` chunks of `chunk`, each kept to k. */
export interface SelectLevel {
  readonly n: number;
  readonly chunk: number;
  readonly chunks: number;
}

/** Plans a top-k of k over rows of `cols` (pure: unit-tested without a GPU). */
export function planTopk(cols: number, k: number, budget = LOOP_BUDGET): TopkPlan {
  // A thread scanning n pairs loops n times plus k per insertion: n · (k + 1) at worst
  // (a row already in ranked order).
  const worst = (n: number) => n * (k + 1) + k;
  if (k <= SELECTION_MAX_K && worst(cols) <= budget)
    return { kind: 'select', levels: [{ n: cols, chunk: cols, chunks: 1 }] };
  const chunk = Math.floor((budget - k) / (k + 1));
  if (k > SELECTION_MAX_K || chunk < 2 * k) return { kind: 'sort', padded: 2 ** Math.ceil(Math.log2(cols)) };
  const levels: SelectLevel[] = [];
  let n = cols;
  while (worst(n) > budget) {
    const chunks = Math.ceil(n / chunk);
    levels.push({ n, chunk, chunks });
    n = chunks * k;
  }
  levels.push({ n, chunk: n, chunks: 1 });
  return { kind: 'select', levels };
}

function ranking(t: string, largest: boolean): string {
  return `// (v, i) ranks before (pv, pi): ${largest ? 'larger' : 'smaller'} value first, lower column on ties.
fn ranksBefore(v: ${t}, i: i32, pv: ${t}, pi: i32) -> bool {
  return ${largest ? 'v > pv' : 'v < pv'} || (v == pv && i < pi);
}`;
}

/** Slots of the per-thread best list: k rounded up to a power of two (one pipeline per size). */
function slotsFor(k: number): number {
  return Math.max(8, 2 ** Math.ceil(Math.log2(k)));
}

function selectPipeline(
  rt: GpuRuntime,
  t: string,
  largest: boolean,
  merge: boolean,
  k: number,
): GPUComputePipeline {
  const slots = slotsFor(k);
  const key = `topkSelect:${t}:${largest}:${slots}${merge ? ':merge' : ''}`;
  const column = merge ? 'XI[base + j]' : 'i32(start + j)';
  return rt.pipeline(
    key,
    () => `
struct Params { rows: u32, n: u32, chunk: u32, chunks: u32, k: u32, xBase: u32, outBase: u32 }
@group(0) @binding(0) var<storage, read> X: array<${t}>;
${merge ? '@group(0) @binding(1) var<storage, read> XI: array<i32>;' : ''}
@group(0) @binding(${merge ? 2 : 1}) var<storage, read_write> Values: array<${t}>;
@group(0) @binding(${merge ? 3 : 2}) var<storage, read_write> Indices: array<i32>;
@group(0) @binding(${merge ? 4 : 3}) var<uniform> p: Params;
${ranking(t, largest)}
// This thread's best pairs so far, in ranked order.
var<private> bestV: array<${t}, ${slots}>;
var<private> bestI: array<i32, ${slots}>;
${elementMain('p.rows * p.chunks', SELECT_WORKGROUP)}
  let row = i / p.chunks;
  let c = i % p.chunks;
  let start = c * p.chunk;
  let len = min(p.chunk, p.n - start);
  let base = p.xBase + row * p.n + start;
  let out = p.outBase + (row * p.chunks + c) * p.k;
  let last = p.k - 1u;
  var count = 0u;
  for (var j = 0u; j < len; j = j + 1u) {
    let v = X[base + j];
    let col = ${column};
    if (col < 0 || (count == p.k && !ranksBefore(v, col, bestV[last], bestI[last]))) { continue; }
    // Insertion from the end: at most k steps, and rare once the list has filled.
    var at = min(count, last);
    loop {
      if (at == 0u || !ranksBefore(v, col, bestV[at - 1u], bestI[at - 1u])) { break; }
      bestV[at] = bestV[at - 1u];
      bestI[at] = bestI[at - 1u];
      at = at - 1u;
    }
    bestV[at] = v;
    bestI[at] = col;
    count = min(count + 1u, p.k);
  }
  // A chunk shorter than k pads its pairs with column −1 (absent).
  for (var s = 0u; s < p.k; s = s + 1u) {
    Values[out + s] = bestV[min(s, last)];
    Indices[out + s] = select(-1, bestI[s], s < count);
  }
}`,
  );
}

/** The k best of each row of x (rows × cols) into values and indices (rows × k). */
export function topkKernel(
  rt: GpuRuntime,
  x: GPUBuffer,
  dtype: 'f32' | 'i32',
  values: GPUBuffer,
  indices: GPUBuffer,
  layout: RowsLayout,
  k: number,
  largest: boolean,
): void {
  if (layout.rows === 0 || k === 0) return;
  const t = wgslType(dtype);
  const plan = planTopk(layout.cols, k);
  if (plan.kind === 'sort') {
    bitonicTopk(rt, x, t, values, indices, layout, k, largest, plan.padded);
    return;
  }
  let input: { values: GPUBuffer; indices: GPUBuffer | null } = { values: x, indices: null };
  const scratch: ReturnType<GpuRuntime['allocate']>[] = [];
  for (const [level, { n, chunk, chunks }] of plan.levels.entries()) {
    const last = level === plan.levels.length - 1;
    const output = last
      ? { values, indices }
      : (() => {
          const v = rt.allocate(layout.rows * chunks * k * WORD);
          const ix = rt.allocate(layout.rows * chunks * k * WORD);
          scratch.push(v, ix);
          return { values: v.buffer, indices: ix.buffer };
        })();
    const merge = input.indices !== null;
    const pipeline = selectPipeline(rt, t, largest, merge, k);
    const groups = [
      { buffers: merge ? [input.values, input.indices!] : [input.values], rowLength: n },
      { buffers: [output.values, output.indices], rowLength: chunks * k },
    ];
    forEachRowGroupWindow(layout.rows, groups, rt.bindingLimits, (_, count, [ins, outs]) => {
      const params = new ParamWriter()
        .u32(count)
        .u32(n)
        .u32(chunk)
        .u32(chunks)
        .u32(k)
        .u32(ins!.base)
        .u32(outs!.base);
      const bound = [...ins!.bindings, ...outs!.bindings];
      rt.dispatch(pipeline.label, pipeline, bound, params, grid(count * chunks, SELECT_WORKGROUP));
    });
    input = output;
  }
  for (const s of scratch) rt.release(s);
}

/**
 * Top-k by sorting each row: pairs (value, column) padded to `padded` with column −1
 * (ranked last), a bitonic network of compare-exchange stages, then the first k.
 */
function bitonicTopk(
  rt: GpuRuntime,
  x: GPUBuffer,
  t: string,
  values: GPUBuffer,
  indices: GPUBuffer,
  layout: RowsLayout,
  k: number,
  largest: boolean,
  padded: number,
): void {
  const { rows, cols } = layout;
  const sv = rt.allocate(rows * padded * WORD);
  const si = rt.allocate(rows * padded * WORD);
  const init = rt.pipeline(
    `topkSortInit:${t}`,
    () => `
struct Params { rows: u32, cols: u32, padded: u32, xBase: u32, sBase: u32 }
@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> SV: array<${t}>;
@group(0) @binding(2) var<storage, read_write> SI: array<i32>;
@group(0) @binding(3) var<uniform> p: Params;
${elementMain('p.rows * p.padded')}
  let row = i / p.padded;
  let j = i % p.padded;
  let at = p.sBase + i;
  if (j < p.cols) { SV[at] = X[p.xBase + row * p.cols + j]; SI[at] = i32(j); }
  else { SV[at] = X[p.xBase + row * p.cols]; SI[at] = -1; }
}`,
  );
  forEachRowGroupWindow(
    rows,
    [
      { buffers: [x], rowLength: cols },
      { buffers: [sv.buffer, si.buffer], rowLength: padded },
    ],
    rt.bindingLimits,
    (_, count, [xs, ss]) => {
      const params = new ParamWriter().u32(count).u32(cols).u32(padded).u32(xs!.base).u32(ss!.base);
      rt.dispatch('topkSortInit', init, [...xs!.bindings, ...ss!.bindings], params, grid(count * padded));
    },
  );
  const stage = rt.pipeline(
    `topkSortStage:${t}:${largest}`,
    () => `
struct Params { rows: u32, padded: u32, size: u32, stride: u32, sBase: u32 }
@group(0) @binding(0) var<storage, read_write> SV: array<${t}>;
@group(0) @binding(1) var<storage, read_write> SI: array<i32>;
@group(0) @binding(2) var<uniform> p: Params;
${ranking(t, largest)}
// Pair (a, b) in ranked order: a real pair before padding, then by ranksBefore.
fn inOrder(av: ${t}, ai: i32, bv: ${t}, bi: i32) -> bool {
  if (bi < 0) { return true; }
  if (ai < 0) { return false; }
  return ranksBefore(av, ai, bv, bi);
}
${elementMain('p.rows * (p.padded / 2u)')}
  let half = p.padded / 2u;
  let row = i / half;
  let t = i % half;
  let lo = (t / p.stride) * 2u * p.stride + t % p.stride;
  let hi = lo + p.stride;
  let a = p.sBase + row * p.padded + lo;
  let b = p.sBase + row * p.padded + hi;
  let av = SV[a];
  let ai = SI[a];
  let bv = SV[b];
  let bi = SI[b];
  // Blocks with the size bit clear end in ranked order, the others in reverse.
  let forward = (lo & p.size) == 0u;
  if (inOrder(av, ai, bv, bi) != forward) {
    SV[a] = bv; SI[a] = bi;
    SV[b] = av; SI[b] = ai;
  }
}`,
  );
  forEachRowGroupWindow(
    rows,
    [{ buffers: [sv.buffer, si.buffer], rowLength: padded }],
    rt.bindingLimits,
    (_, count, [ss]) => {
      for (let size = 2; size <= padded; size *= 2) {
        for (let stride = size / 2; stride >= 1; stride /= 2) {
          // In the final merge (size = padded) no index has the size bit: the whole row
          // ends in ranked order.
          const params = new ParamWriter().u32(count).u32(padded).u32(size).u32(stride).u32(ss!.base);
          rt.dispatch('topkSortStage', stage, ss!.bindings, params, grid((count * padded) / 2));
        }
      }
    },
  );
  const take = rt.pipeline(
    `topkSortTake:${t}`,
    () => `
struct Params { rows: u32, padded: u32, k: u32, sBase: u32, outBase: u32 }
@group(0) @binding(0) var<storage, read> SV: array<${t}>;
@group(0) @binding(1) var<storage, read> SI: array<i32>;
@group(0) @binding(2) var<storage, read_write> Values: array<${t}>;
@group(0) @binding(3) var<storage, read_write> Indices: array<i32>;
@group(0) @binding(4) var<uniform> p: Params;
${elementMain('p.rows * p.k')}
  let row = i / p.k;
  let s = i % p.k;
  let at = p.sBase + row * p.padded + s;
  Values[p.outBase + i] = SV[at];
  Indices[p.outBase + i] = SI[at];
}`,
  );
  forEachRowGroupWindow(
    rows,
    [
      { buffers: [sv.buffer, si.buffer], rowLength: padded },
      { buffers: [values, indices], rowLength: k },
    ],
    rt.bindingLimits,
    (_, count, [ss, outs]) => {
      const params = new ParamWriter().u32(count).u32(padded).u32(k).u32(ss!.base).u32(outs!.base);
      rt.dispatch('topkSortTake', take, [...ss!.bindings, ...outs!.bindings], params, grid(count * k));
    },
  );
  rt.release(sv);
  rt.release(si);
}

// Fused row kernels over the last axis — softmax / log-softmax and backward, layer
// norm forward and backward, cross-entropy forward and backward. Each row is read a few
// times and never written back between steps. Two shapes of the same program:
// - wide rows: one workgroup per row, reducing through workgroup memory;
// - short rows (≤ SHORT_ROW columns: attention scores, a small model's hidden size):
//   one thread per row, looping over it. On llvmpipe a workgroup barrier costs a
//   coroutine switch per SIMD lane group, so 81,920 softmax rows of 20 took 2 s as
//   workgroups and take milliseconds as threads; on GPUs short rows waste a workgroup.
import type { RowsLayout } from '@tensorlm/tensor-core';
import { IndexKernel, indexErrorWgsl } from '../index-errors.js';
import { ParamWriter } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
import { elementMain, grid, INFINITY, WORKGROUP } from './wgsl.js';

/** Workgroup-wide reductions of one f32 per thread (all threads must call them). */
const ROW_REDUCE = /* wgsl */ `
var<workgroup> scratch: array<f32, ${WORKGROUP}>;
fn rowSum(value: f32, lane: u32) -> f32 {
  scratch[lane] = value;
  workgroupBarrier();
  for (var stride = ${WORKGROUP / 2}u; stride > 0u; stride = stride / 2u) {
    if (lane < stride) { scratch[lane] = scratch[lane] + scratch[lane + stride]; }
    workgroupBarrier();
  }
  let total = scratch[0];
  workgroupBarrier();
  return total;
}
fn rowMax(value: f32, lane: u32) -> f32 {
  scratch[lane] = value;
  workgroupBarrier();
  for (var stride = ${WORKGROUP / 2}u; stride > 0u; stride = stride / 2u) {
    if (lane < stride) { scratch[lane] = max(scratch[lane], scratch[lane + stride]); }
    workgroupBarrier();
  }
  let peak = scratch[0];
  workgroupBarrier();
  return peak;
}
${INFINITY}
var<workgroup> scratchPair: array<vec2<f32>, ${WORKGROUP}>;
// Two sums in one reduction. (Calling rowSum twice in a row miscomputed the second sum
// on Dawn's OpenGL backend over llvmpipe; one paired reduction is also half the barriers.)
fn rowSumPair(value: vec2<f32>, lane: u32) -> vec2<f32> {
  scratchPair[lane] = value;
  workgroupBarrier();
  for (var stride = ${WORKGROUP / 2}u; stride > 0u; stride = stride / 2u) {
    if (lane < stride) { scratchPair[lane] = scratchPair[lane] + scratchPair[lane + stride]; }
    workgroupBarrier();
  }
  let pair = scratchPair[0];
  workgroupBarrier();
  return pair;
}
`;

const ROW_MAIN = /* wgsl */ `
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  let lane = lid.x;
  let live = row < p.rows;
  let base = row * p.cols;`;

function rowGrid(rows: number): [number, number] {
  const x = Math.min(Math.max(rows, 1), 65535);
  return [x, Math.ceil(Math.max(rows, 1) / x)];
}

function rows(layout: RowsLayout): ParamWriter {
  return new ParamWriter().u32(layout.rows).u32(layout.cols);
}

/** Rows at most this long take one thread each (see the header). */
const SHORT_ROW = 128;

/**
 * The pieces a row program is written with, so each kernel body is written once for
 * both shapes: \`loop\` visits the row's columns (all of them, or this lane's share),
 * the reductions combine partial results (identity per thread), \`first\` guards
 * what one invocation per row does.
 */
interface RowShape {
  readonly name: 'thread' | 'group';
  readonly header: string;
  readonly main: string;
  readonly loop: string;
  readonly max: (v: string) => string;
  readonly sum: (v: string) => string;
  readonly sumPair: (v: string) => string;
  readonly first: string;
  readonly grid: (rows: number) => [number, number];
}

const THREAD_ROWS: RowShape = {
  name: 'thread',
  header: INFINITY,
  main: `${elementMain('p.rows')}
  let row = i;
  let live = true;
  let base = row * p.cols;`,
  loop: 'for (var c = 0u; c < p.cols; c = c + 1u)',
  max: (v) => v,
  sum: (v) => v,
  sumPair: (v) => v,
  first: 'true',
  grid: (n) => grid(n),
};

const GROUP_ROWS: RowShape = {
  name: 'group',
  header: ROW_REDUCE,
  main: ROW_MAIN,
  loop: `for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u)`,
  max: (v) => `rowMax(${v}, lane)`,
  sum: (v) => `rowSum(${v}, lane)`,
  sumPair: (v) => `rowSumPair(${v}, lane)`,
  first: 'lane == 0u',
  grid: (n) => rowGrid(n),
};

function rowShape(layout: RowsLayout): RowShape {
  return layout.cols <= SHORT_ROW ? THREAD_ROWS : GROUP_ROWS;
}

export function softmaxKernel(
  rt: GpuRuntime,
  x: GpuBinding,
  out: GpuBinding,
  layout: RowsLayout,
  log: boolean,
): void {
  if (layout.rows === 0) return;
  const shape = rowShape(layout);
  const key = `softmax:${log}:${shape.name}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${shape.header}
${shape.main}
  var peak = -infinity();
  if (live) { ${shape.loop} { peak = max(peak, X[base + c]); } }
  peak = ${shape.max('peak')};
  // Only an all −∞ row moves the shift (as the CPU backend); a row of the lowest finite
  // score (nn's MASKED_SCORE, fully masked) stays uniform.
  if (peak == -infinity()) { peak = 0.0; }
  var total = 0.0;
  if (live) { ${shape.loop} { total = total + exp(X[base + c] - peak); } }
  total = ${shape.sum('total')};
  if (!live) { return; }
  ${log ? 'let shift = peak + log(total);' : 'let inv = 1.0 / total;'}
  ${shape.loop} {
    Out[base + c] = ${log ? 'X[base + c] - shift' : 'exp(X[base + c] - peak) * inv'};
  }
}`,
  );
  rt.dispatch(key, pipeline, [x, out], rows(layout), shape.grid(layout.rows));
}

export function softmaxBackwardKernel(
  rt: GpuRuntime,
  y: GpuBinding,
  dy: GpuBinding,
  dx: GpuBinding,
  layout: RowsLayout,
  log: boolean,
): void {
  if (layout.rows === 0) return;
  const shape = rowShape(layout);
  const key = `softmaxBackward:${log}:${shape.name}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> Y: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${shape.header}
${shape.main}
  var dot = 0.0;
  if (live) { ${shape.loop} { dot = dot + ${log ? 'DY[base + c]' : 'DY[base + c] * Y[base + c]'}; } }
  dot = ${shape.sum('dot')};
  if (!live) { return; }
  ${shape.loop} {
    DX[base + c] = ${log ? 'DY[base + c] - exp(Y[base + c]) * dot' : 'Y[base + c] * (DY[base + c] - dot)'};
  }
}`,
  );
  rt.dispatch(key, pipeline, [y, dy, dx], rows(layout), shape.grid(layout.rows));
}

export function layerNormKernel(
  rt: GpuRuntime,
  x: GpuBinding,
  weight: GpuBinding,
  bias: GpuBinding,
  affine: { weight: boolean; bias: boolean },
  y: GpuBinding,
  mean: GpuBinding,
  rstd: GpuBinding,
  layout: RowsLayout,
  eps: number,
): void {
  if (layout.rows === 0) return;
  const shape = rowShape(layout);
  const key = `layerNorm:${affine.weight}:${affine.bias}:${shape.name}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { rows: u32, cols: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> Bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<storage, read_write> Mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> Rstd: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
${shape.header}
${shape.main}
  // One pass over the row for Σ(x − s) and Σ(x − s)², shifted by the row's first element
  // so the variance does not cancel catastrophically when the mean is large.
  var shift = 0.0;
  if (live) { shift = X[base]; }
  var total = 0.0;
  var squares = 0.0;
  if (live) {
    ${shape.loop} {
      let d = X[base + c] - shift;
      total = total + d;
      squares = squares + d * d;
    }
  }
  let sums = ${shape.sumPair('vec2<f32>(total, squares)')} / f32(p.cols);
  let meanShifted = sums.x;
  let meanSquares = sums.y;
  let mu = shift + meanShifted;
  let inv = inverseSqrt(max(meanSquares - meanShifted * meanShifted, 0.0) + p.eps);
  if (!live) { return; }
  if (${shape.first}) { Mean[row] = mu; Rstd[row] = inv; }
  ${shape.loop} {
    Y[base + c] = (X[base + c] - mu) * inv${affine.weight ? ' * W[c]' : ' + 0.0 * W[0]'}${affine.bias ? ' + Bias[c]' : ' + 0.0 * Bias[0]'};
  }
}`,
  );
  const params = rows(layout).f32(eps);
  rt.dispatch(key, pipeline, [x, weight, bias, y, mean, rstd], params, shape.grid(layout.rows));
}

export function layerNormBackwardKernels(
  rt: GpuRuntime,
  dy: GpuBinding,
  x: GpuBinding,
  weight: GpuBinding,
  hasWeight: boolean,
  mean: GpuBinding,
  rstd: GpuBinding,
  dx: GpuBinding,
  dWeight: GpuBinding,
  dBias: GpuBinding,
  layout: RowsLayout,
): void {
  if (layout.rows > 0) {
    const shape = rowShape(layout);
    const key = `layerNormBackward:${hasWeight}:${shape.name}`;
    const w = hasWeight ? 'W[c]' : '(1.0 + 0.0 * W[0])';
    const pipeline = rt.pipeline(
      key,
      () => `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read> Mean: array<f32>;
@group(0) @binding(4) var<storage, read> Rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> DX: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
${shape.header}
${shape.main}
  var mu = 0.0;
  var inv = 0.0;
  if (live) { mu = Mean[row]; inv = Rstd[row]; }
  var g = 0.0;
  var gx = 0.0;
  if (live) {
    ${shape.loop} {
      let gc = DY[base + c] * ${w};
      g = g + gc;
      gx = gx + gc * (X[base + c] - mu) * inv;
    }
  }
  let means = ${shape.sumPair('vec2<f32>(g, gx)')} / f32(p.cols);
  let meanG = means.x;
  let meanGX = means.y;
  if (!live) { return; }
  ${shape.loop} {
    let xhat = (X[base + c] - mu) * inv;
    DX[base + c] = inv * (DY[base + c] * ${w} - meanG - xhat * meanGX);
  }
}`,
    );
    rt.dispatch(key, pipeline, [dy, x, weight, mean, rstd, dx], rows(layout), shape.grid(layout.rows));
  }
  // dW and dB: one thread per column summing over rows.
  rt.checkLoop('layerNormBackwardColumns', layout.rows);
  const columns = rt.pipeline(
    'layerNormBackwardColumns',
    () => `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Mean: array<f32>;
@group(0) @binding(3) var<storage, read> Rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> DW: array<f32>;
@group(0) @binding(5) var<storage, read_write> DB: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
${elementMain('p.cols')}
  var gw = 0.0;
  var gb = 0.0;
  for (var r = 0u; r < p.rows; r = r + 1u) {
    let d = DY[r * p.cols + i];
    gw = gw + d * (X[r * p.cols + i] - Mean[r]) * Rstd[r];
    gb = gb + d;
  }
  DW[i] = gw;
  DB[i] = gb;
}`,
  );
  if (layout.cols > 0)
    rt.dispatch(
      'layerNormBackwardColumns',
      columns,
      [dy, x, mean, rstd, dWeight, dBias],
      rows(layout),
      grid(layout.cols),
    );
}

export function crossEntropyKernel(
  rt: GpuRuntime,
  logits: GpuBinding,
  targets: GpuBinding,
  losses: GpuBinding,
  logSumExp: GpuBinding,
  layout: RowsLayout,
  ignoreIndex: number,
): void {
  if (layout.rows === 0) return;
  const shape = rowShape(layout);
  const key = `crossEntropy:${shape.name}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { rows: u32, cols: u32, ignore: i32 }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Target: array<i32>;
@group(0) @binding(2) var<storage, read_write> Loss: array<f32>;
@group(0) @binding(3) var<storage, read_write> Lse: array<f32>;
${indexErrorWgsl(4)}
@group(0) @binding(5) var<uniform> p: Params;
${shape.header}
${shape.main}
  var peak = -infinity();
  if (live) { ${shape.loop} { peak = max(peak, X[base + c]); } }
  peak = ${shape.max('peak')};
  var total = 0.0;
  if (live) { ${shape.loop} { total = total + exp(X[base + c] - peak); } }
  total = ${shape.sum('total')};
  if (!live || !(${shape.first})) { return; }
  let lse = peak + log(total);
  Lse[row] = lse;
  let t = Target[row];
  if (t == p.ignore) { Loss[row] = 0.0; }
  else if (t < 0 || u32(t) >= p.cols) {
    Loss[row] = 0.0;
    reportBadIndex(${IndexKernel.crossEntropy}u, t, p.cols, p.ignore);
  } else { Loss[row] = lse - X[base + u32(t)]; }
}`,
  );
  rt.dispatch(
    key,
    pipeline,
    [logits, targets, losses, logSumExp, rt.indexErrorFlag()],
    rows(layout).i32(ignoreIndex),
    shape.grid(layout.rows),
  );
}

export function crossEntropyBackwardKernel(
  rt: GpuRuntime,
  logits: GpuBinding,
  targets: GpuBinding,
  logSumExp: GpuBinding,
  dLosses: GpuBinding,
  dLogits: GpuBinding,
  layout: RowsLayout,
  ignoreIndex: number,
): void {
  const total = layout.rows * layout.cols;
  if (total === 0) return;
  const pipeline = rt.pipeline(
    'crossEntropyBackward',
    () => `
struct Params { rows: u32, cols: u32, ignore: i32 }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Target: array<i32>;
@group(0) @binding(2) var<storage, read> Lse: array<f32>;
@group(0) @binding(3) var<storage, read> DLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;
${indexErrorWgsl(5)}
@group(0) @binding(6) var<uniform> p: Params;
${elementMain('p.rows * p.cols')}
  let row = i / p.cols;
  let c = i % p.cols;
  let t = Target[row];
  if (t == p.ignore) { DX[i] = 0.0; return; }
  if (c == 0u && (t < 0 || u32(t) >= p.cols)) {
    reportBadIndex(${IndexKernel.crossEntropyBackward}u, t, p.cols, p.ignore);
  }
  let onehot = select(0.0, 1.0, i32(c) == t);
  DX[i] = (exp(X[i] - Lse[row]) - onehot) * DLoss[row];
}`,
  );
  rt.dispatch(
    'crossEntropyBackward',
    pipeline,
    [logits, targets, logSumExp, dLosses, dLogits, rt.indexErrorFlag()],
    rows(layout).i32(ignoreIndex),
    grid(total),
  );
}

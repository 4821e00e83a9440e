// Fused row kernels over the last axis — softmax / log-softmax and backward, layer
// norm forward and backward, cross-entropy forward and backward. One workgroup per
// row reduces through workgroup memory (max, sums) so each row is read a few times,
// never written back between steps.
import type { RowsLayout } from '@tensorlm/tensor-core';
import { ParamWriter } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
import { elementMain, grid, WORKGROUP } from './wgsl.js';

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
const NEG_INF = -3.4028234663852886e38;
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

export function softmaxKernel(
  rt: GpuRuntime,
  x: GpuBinding,
  out: GpuBinding,
  layout: RowsLayout,
  log: boolean,
): void {
  if (layout.rows === 0) return;
  const key = `softmax:${log}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${ROW_REDUCE}
${ROW_MAIN}
  var peak = NEG_INF;
  if (live) { for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) { peak = max(peak, X[base + c]); } }
  peak = rowMax(peak, lane);
  if (peak == NEG_INF) { peak = 0.0; }
  var total = 0.0;
  if (live) { for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) { total = total + exp(X[base + c] - peak); } }
  total = rowSum(total, lane);
  if (!live) { return; }
  ${log ? 'let shift = peak + log(total);' : 'let inv = 1.0 / total;'}
  for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) {
    Out[base + c] = ${log ? 'X[base + c] - shift' : 'exp(X[base + c] - peak) * inv'};
  }
}`,
  );
  rt.dispatch(key, pipeline, [x, out], rows(layout), rowGrid(layout.rows));
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
  const key = `softmaxBackward:${log}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> Y: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${ROW_REDUCE}
${ROW_MAIN}
  var dot = 0.0;
  if (live) { for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) { dot = dot + ${log ? 'DY[base + c]' : 'DY[base + c] * Y[base + c]'}; } }
  dot = rowSum(dot, lane);
  if (!live) { return; }
  for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) {
    DX[base + c] = ${log ? 'DY[base + c] - exp(Y[base + c]) * dot' : 'Y[base + c] * (DY[base + c] - dot)'};
  }
}`,
  );
  rt.dispatch(key, pipeline, [y, dy, dx], rows(layout), rowGrid(layout.rows));
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
  const key = `layerNorm:${affine.weight}:${affine.bias}`;
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
${ROW_REDUCE}
${ROW_MAIN}
  // One pass over the row for Σ(x − s) and Σ(x − s)², shifted by the row's first element
  // so the variance does not cancel catastrophically when the mean is large.
  var shift = 0.0;
  if (live) { shift = X[base]; }
  var total = 0.0;
  var squares = 0.0;
  if (live) {
    for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) {
      let d = X[base + c] - shift;
      total = total + d;
      squares = squares + d * d;
    }
  }
  let sums = rowSumPair(vec2<f32>(total, squares), lane) / f32(p.cols);
  let meanShifted = sums.x;
  let meanSquares = sums.y;
  let mu = shift + meanShifted;
  let inv = inverseSqrt(max(meanSquares - meanShifted * meanShifted, 0.0) + p.eps);
  if (!live) { return; }
  if (lane == 0u) { Mean[row] = mu; Rstd[row] = inv; }
  for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) {
    Y[base + c] = (X[base + c] - mu) * inv${affine.weight ? ' * W[c]' : ' + 0.0 * W[0]'}${affine.bias ? ' + Bias[c]' : ' + 0.0 * Bias[0]'};
  }
}`,
  );
  const params = rows(layout).f32(eps);
  rt.dispatch(key, pipeline, [x, weight, bias, y, mean, rstd], params, rowGrid(layout.rows));
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
    const key = `layerNormBackward:${hasWeight}`;
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
${ROW_REDUCE}
${ROW_MAIN}
  var mu = 0.0;
  var inv = 0.0;
  if (live) { mu = Mean[row]; inv = Rstd[row]; }
  var g = 0.0;
  var gx = 0.0;
  if (live) {
    for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) {
      let gc = DY[base + c] * ${w};
      g = g + gc;
      gx = gx + gc * (X[base + c] - mu) * inv;
    }
  }
  let means = rowSumPair(vec2<f32>(g, gx), lane) / f32(p.cols);
  let meanG = means.x;
  let meanGX = means.y;
  if (!live) { return; }
  for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) {
    let xhat = (X[base + c] - mu) * inv;
    DX[base + c] = inv * (DY[base + c] * ${w} - meanG - xhat * meanGX);
  }
}`,
    );
    rt.dispatch(key, pipeline, [dy, x, weight, mean, rstd, dx], rows(layout), rowGrid(layout.rows));
  }
  // dW and dB: one thread per column summing over rows.
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
  const pipeline = rt.pipeline(
    'crossEntropy',
    () => `
struct Params { rows: u32, cols: u32, ignore: i32 }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Target: array<i32>;
@group(0) @binding(2) var<storage, read_write> Loss: array<f32>;
@group(0) @binding(3) var<storage, read_write> Lse: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
${ROW_REDUCE}
${ROW_MAIN}
  var peak = NEG_INF;
  if (live) { for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) { peak = max(peak, X[base + c]); } }
  peak = rowMax(peak, lane);
  var total = 0.0;
  if (live) { for (var c = lane; c < p.cols; c = c + ${WORKGROUP}u) { total = total + exp(X[base + c] - peak); } }
  total = rowSum(total, lane);
  if (!live || lane != 0u) { return; }
  let lse = peak + log(total);
  Lse[row] = lse;
  let t = Target[row];
  if (t == p.ignore || t < 0 || u32(t) >= p.cols) { Loss[row] = 0.0; } else { Loss[row] = lse - X[base + u32(t)]; }
}`,
  );
  rt.dispatch(
    'crossEntropy',
    pipeline,
    [logits, targets, losses, logSumExp],
    rows(layout).i32(ignoreIndex),
    rowGrid(layout.rows),
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
@group(0) @binding(5) var<uniform> p: Params;
${elementMain('p.rows * p.cols')}
  let row = i / p.cols;
  let c = i % p.cols;
  let t = Target[row];
  if (t == p.ignore) { DX[i] = 0.0; return; }
  let onehot = select(0.0, 1.0, i32(c) == t);
  DX[i] = (exp(X[i] - Lse[row]) - onehot) * DLoss[row];
}`,
  );
  rt.dispatch(
    'crossEntropyBackward',
    pipeline,
    [logits, targets, logSumExp, dLosses, dLogits],
    rows(layout).i32(ignoreIndex),
    grid(total),
  );
}

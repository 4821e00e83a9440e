// Fused row kernels over the last axis — softmax / log-softmax and backward, layer
// norm forward and backward, cross-entropy forward and backward. Each row is read a few
// times and never written back between steps. Two shapes of the same program:
// - wide rows: one workgroup per row, reducing through workgroup memory;
// - short rows (≤ SHORT_ROW columns: attention scores, a small model's hidden size):
//   one thread per row, looping over it. On llvmpipe a workgroup barrier costs a
//   coroutine switch per SIMD lane group, so 81,920 softmax rows of 20 took 2 s as
//   workgroups and take milliseconds as threads; on GPUs short rows waste a workgroup.
import type { RowsLayout } from '@tensorlm/tensor-core';
import { forEachRowSpan, type RowSpans } from '../binding-windows.js';
import { IndexKernel, indexErrorWgsl } from '../index-errors.js';
import { ParamWriter } from '../params.js';
import type { GpuRuntime } from '../runtime.js';
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
  let base = p.wideBase + row * p.cols;
  let at = p.narrowBase + row;`;

function rowGrid(rows: number): [number, number] {
  const x = Math.min(Math.max(rows, 1), 65535);
  return [x, Math.ceil(Math.max(rows, 1) / x)];
}

/** A window's params: its rows, the row length, and its bases (see forEachRowSpan). */
function rows(spans: RowSpans, cols: number): ParamWriter {
  return new ParamWriter().u32(spans.count).u32(cols).u32(spans.wideBase).u32(spans.narrowBase);
}

/** Every row kernel's params start so. */
const ROW_PARAMS = 'rows: u32, cols: u32, wideBase: u32, narrowBase: u32';

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
  let base = p.wideBase + row * p.cols;
  let at = p.narrowBase + row;`,
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
  x: GPUBuffer,
  out: GPUBuffer,
  layout: RowsLayout,
  log: boolean,
): void {
  if (layout.rows === 0) return;
  const shape = rowShape(layout);
  const key = `softmax:${log}:${shape.name}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { ${ROW_PARAMS} }
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
  forEachRowSpan(layout.rows, layout.cols, [x, out], [], rt.bindingLimits, (spans) =>
    rt.dispatch(key, pipeline, spans.wide, rows(spans, layout.cols), shape.grid(spans.count)),
  );
}

export function softmaxBackwardKernel(
  rt: GpuRuntime,
  y: GPUBuffer,
  dy: GPUBuffer,
  dx: GPUBuffer,
  layout: RowsLayout,
  log: boolean,
): void {
  if (layout.rows === 0) return;
  const shape = rowShape(layout);
  const key = `softmaxBackward:${log}:${shape.name}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { ${ROW_PARAMS} }
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
  forEachRowSpan(layout.rows, layout.cols, [y, dy, dx], [], rt.bindingLimits, (spans) =>
    rt.dispatch(key, pipeline, spans.wide, rows(spans, layout.cols), shape.grid(spans.count)),
  );
}

export function layerNormKernel(
  rt: GpuRuntime,
  x: GPUBuffer,
  weight: GPUBuffer,
  bias: GPUBuffer,
  affine: { weight: boolean; bias: boolean },
  y: GPUBuffer,
  mean: GPUBuffer,
  rstd: GPUBuffer,
  layout: RowsLayout,
  eps: number,
): void {
  if (layout.rows === 0) return;
  const shape = rowShape(layout);
  const key = `layerNorm:${affine.weight}:${affine.bias}:${shape.name}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { ${ROW_PARAMS}, eps: f32 }
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
  if (${shape.first}) { Mean[at] = mu; Rstd[at] = inv; }
  ${shape.loop} {
    Y[base + c] = (X[base + c] - mu) * inv${affine.weight ? ' * W[c]' : ' + 0.0 * W[0]'}${affine.bias ? ' + Bias[c]' : ' + 0.0 * Bias[0]'};
  }
}`,
  );
  forEachRowSpan(layout.rows, layout.cols, [x, y], [mean, rstd], rt.bindingLimits, (spans) => {
    const [xs, ys] = spans.wide;
    const [means, rstds] = spans.narrow;
    const bound = [xs!, weight, bias, ys!, means!, rstds!];
    rt.dispatch(key, pipeline, bound, rows(spans, layout.cols).f32(eps), shape.grid(spans.count));
  });
}

export function layerNormBackwardKernels(
  rt: GpuRuntime,
  dy: GPUBuffer,
  x: GPUBuffer,
  weight: GPUBuffer,
  hasWeight: boolean,
  mean: GPUBuffer,
  rstd: GPUBuffer,
  dx: GPUBuffer,
  dWeight: GPUBuffer,
  dBias: GPUBuffer,
  layout: RowsLayout,
): void {
  if (layout.rows > 0) {
    const shape = rowShape(layout);
    const key = `layerNormBackward:${hasWeight}:${shape.name}`;
    const w = hasWeight ? 'W[c]' : '(1.0 + 0.0 * W[0])';
    const pipeline = rt.pipeline(
      key,
      () => `
struct Params { ${ROW_PARAMS} }
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
  if (live) { mu = Mean[at]; inv = Rstd[at]; }
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
    forEachRowSpan(layout.rows, layout.cols, [dy, x, dx], [mean, rstd], rt.bindingLimits, (spans) => {
      const [dys, xs, dxs] = spans.wide;
      const [means, rstds] = spans.narrow;
      const bound = [dys!, xs!, weight, means!, rstds!, dxs!];
      rt.dispatch(key, pipeline, bound, rows(spans, layout.cols), shape.grid(spans.count));
    });
  }
  // dW and dB: one thread per column summing over rows, in windows of rows (past one
  // binding, or past the adapter's loop limit) that add to what earlier ones wrote.
  if (layout.cols === 0 || layout.rows === 0) {
    if (layout.cols > 0) {
      rt.clear(dWeight, layout.cols * 4);
      rt.clear(dBias, layout.cols * 4);
    }
    return;
  }
  const maxRows = Math.max(1, rt.loopLimit - 1);
  forEachRowSpan(
    layout.rows,
    layout.cols,
    [dy, x],
    [mean, rstd],
    rt.bindingLimits,
    (spans) => {
      const fold = spans.start > 0;
      const key = `layerNormBackwardColumns${fold ? ':fold' : ''}`;
      const columns = rt.pipeline(
        key,
        () => `
struct Params { ${ROW_PARAMS} }
@group(0) @binding(0) var<storage, read> DY: array<f32>;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Mean: array<f32>;
@group(0) @binding(3) var<storage, read> Rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> DW: array<f32>;
@group(0) @binding(5) var<storage, read_write> DB: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;
${elementMain('p.cols')}
  var gw = ${fold ? 'DW[i]' : '0.0'};
  var gb = ${fold ? 'DB[i]' : '0.0'};
  for (var r = 0u; r < p.rows; r = r + 1u) {
    let d = DY[p.wideBase + r * p.cols + i];
    gw = gw + d * (X[p.wideBase + r * p.cols + i] - Mean[p.narrowBase + r]) * Rstd[p.narrowBase + r];
    gb = gb + d;
  }
  DW[i] = gw;
  DB[i] = gb;
}`,
      );
      const [dys, xs] = spans.wide;
      const [means, rstds] = spans.narrow;
      rt.dispatch(
        key,
        columns,
        [dys!, xs!, means!, rstds!, dWeight, dBias],
        rows(spans, layout.cols),
        grid(layout.cols),
      );
    },
    maxRows,
  );
}

export function crossEntropyKernel(
  rt: GpuRuntime,
  logits: GPUBuffer,
  targets: GPUBuffer,
  losses: GPUBuffer,
  logSumExp: GPUBuffer,
  layout: RowsLayout,
  ignoreIndex: number,
): void {
  if (layout.rows === 0) return;
  const shape = rowShape(layout);
  const key = `crossEntropy:${shape.name}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { ${ROW_PARAMS}, ignore: i32 }
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
  Lse[at] = lse;
  let t = Target[at];
  if (t == p.ignore) { Loss[at] = 0.0; }
  else if (t < 0 || u32(t) >= p.cols) {
    Loss[at] = 0.0;
    reportBadIndex(${IndexKernel.crossEntropy}u, t, p.cols, p.ignore);
  } else { Loss[at] = lse - X[base + u32(t)]; }
}`,
  );
  forEachRowSpan(
    layout.rows,
    layout.cols,
    [logits],
    [targets, losses, logSumExp],
    rt.bindingLimits,
    (spans) => {
      const bound = [...spans.wide, ...spans.narrow, rt.indexErrorFlag()];
      rt.dispatch(key, pipeline, bound, rows(spans, layout.cols).i32(ignoreIndex), shape.grid(spans.count));
    },
  );
}

export function crossEntropyBackwardKernel(
  rt: GpuRuntime,
  logits: GPUBuffer,
  targets: GPUBuffer,
  logSumExp: GPUBuffer,
  dLosses: GPUBuffer,
  dLogits: GPUBuffer,
  layout: RowsLayout,
  ignoreIndex: number,
): void {
  const total = layout.rows * layout.cols;
  if (total === 0) return;
  const pipeline = rt.pipeline(
    'crossEntropyBackward',
    () => `
struct Params { ${ROW_PARAMS}, ignore: i32 }
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
  let at = p.narrowBase + row;
  let t = Target[at];
  let e = p.wideBase + i;
  if (t == p.ignore) { DX[e] = 0.0; return; }
  if (c == 0u && (t < 0 || u32(t) >= p.cols)) {
    reportBadIndex(${IndexKernel.crossEntropyBackward}u, t, p.cols, p.ignore);
  }
  let onehot = select(0.0, 1.0, i32(c) == t);
  DX[e] = (exp(X[e] - Lse[at]) - onehot) * DLoss[at];
}`,
  );
  const wide = [logits, dLogits];
  forEachRowSpan(layout.rows, layout.cols, wide, [targets, logSumExp, dLosses], rt.bindingLimits, (spans) => {
    const [xs, dxs] = spans.wide;
    const bound = [xs!, ...spans.narrow, dxs!, rt.indexErrorFlag()];
    const params = rows(spans, layout.cols).i32(ignoreIndex);
    rt.dispatch('crossEntropyBackward', pipeline, bound, params, grid(spans.count * layout.cols));
  });
}

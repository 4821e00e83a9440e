// The kernels that run in JavaScript on typed-array views of the wasm memory: every
// dtype other than f32 for the element-wise ops, the transcendental unary ops without
// a SIMD version (log, erf, sin, cos), strided copies and argmax/argmin. Indexing, random
// streams, top-k and multinomial are backend-cpu's reference kernels, run as they are on
// these views (`@tensorlm/backend-cpu/kernels`). They are rarely hot in a training step.

import { erf, gelu, geluErf, geluErfGrad, geluGrad, roundHalfEven } from '@tensorlm/backend-cpu/kernels';
import type {
  ActivationGradOp,
  ActivationOp,
  AxisLayout,
  BinaryOp,
  DataArray,
  Shape,
  StridedView,
  UnaryOp,
} from '@tensorlm/tensor-core';

export const UNARY_JS: Readonly<Record<UnaryOp | ActivationOp, (v: number) => number>> = {
  neg: (v) => -v,
  abs: Math.abs,
  sign: (v) => (v > 0 ? 1 : v < 0 ? -1 : v),
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (v) => 1 / Math.sqrt(v),
  square: (v) => v * v,
  reciprocal: (v) => 1 / v,
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  relu: (v) => Math.max(v, 0), // NaN stays NaN, −0 becomes +0
  erf,
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  logicalNot: (v) => (v === 0 ? 1 : 0),
  gelu,
  geluErf,
};

export const BINARY_JS: Readonly<Record<BinaryOp | ActivationGradOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  reluGrad: (a, b) => (a > 0 ? b : 0),
  geluGrad: (a, b) => geluGrad(a) * b,
  geluErfGrad: (a, b) => geluErfGrad(a) * b,
  tanhGrad: (a, b) => b * (1 - a * a),
  sigmoidGrad: (a, b) => b * a * (1 - a),
};

export function unaryJs(fn: (v: number) => number, x: DataArray, out: DataArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = fn(x[i]!);
}

/**
 * Walks `shape` row by row (the last axis), calling `row(outOffset, offsets…)` with the
 * element offsets of each input for that row. Inputs use broadcast strides (0 where an
 * input is broadcast).
 */
export function forEachRow(
  shape: Shape,
  strides: readonly (readonly number[])[],
  row: (outOffset: number, offsets: readonly number[]) => void,
): void {
  const rank = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  const inner = rank === 0 ? 1 : shape[rank - 1]!;
  if (total === 0 || inner === 0) return;
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  const offsets = strides.map(() => 0);
  for (let o = 0; o < total; o += inner) {
    row(o, offsets);
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      for (let s = 0; s < strides.length; s++) offsets[s]! += strides[s]![d]!;
      if (index[d]! < shape[d]!) break;
      for (let s = 0; s < strides.length; s++) offsets[s]! -= strides[s]![d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

export function binaryJs(
  fn: (a: number, b: number) => number,
  a: DataArray,
  sa: readonly number[],
  b: DataArray,
  sb: readonly number[],
  out: DataArray,
  shape: Shape,
): void {
  const rank = shape.length;
  const inner = rank === 0 ? 1 : shape[rank - 1]!;
  const ia = rank === 0 ? 0 : sa[rank - 1]!;
  const ib = rank === 0 ? 0 : sb[rank - 1]!;
  forEachRow(shape, [sa, sb], (o, [offA, offB]) => {
    for (let j = 0; j < inner; j++) out[o + j] = fn(a[offA! + j * ia]!, b[offB! + j * ib]!);
  });
}

export function whereJs(
  cond: DataArray,
  sc: readonly number[],
  a: DataArray,
  sa: readonly number[],
  b: DataArray,
  sb: readonly number[],
  out: DataArray,
  shape: Shape,
): void {
  const rank = shape.length;
  const inner = rank === 0 ? 1 : shape[rank - 1]!;
  const [ic, ia, ib] = [sc, sa, sb].map((s) => (rank === 0 ? 0 : s[rank - 1]!)) as [number, number, number];
  forEachRow(shape, [sc, sa, sb], (o, [offC, offA, offB]) => {
    for (let j = 0; j < inner; j++) {
      out[o + j] = cond[offC! + j * ic] ? a[offA! + j * ia]! : b[offB! + j * ib]!;
    }
  });
}

/** Copies a strided view into a strided view (both over whole-memory arrays, element offsets). */
export function copyStridedJs(
  src: DataArray,
  srcBase: number,
  dst: DataArray,
  dstBase: number,
  shape: Shape,
  from: StridedView,
  to: StridedView,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[dstBase + to.offset] = src[srcBase + from.offset]!;
    return;
  }
  const inner = shape[rank - 1]!;
  const si = from.strides[rank - 1]!;
  const di = to.strides[rank - 1]!;
  const contiguous = shape.map(() => 0);
  forEachRow(shape, [from.strides, to.strides, contiguous], (_o, [s, t]) => {
    const sOff = srcBase + from.offset + s!;
    const tOff = dstBase + to.offset + t!;
    if (si === 1 && di === 1) dst.set(src.subarray(sOff, sOff + inner), tOff);
    else for (let j = 0; j < inner; j++) dst[tOff + j * di] = src[sOff + j * si]!;
  });
}

/** Reductions in f64 for the cases without a SIMD kernel (i32 input, argmax, argmin). */
export function reduceJs(
  op: 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'argmin',
  x: DataArray,
  out: DataArray,
  { outer, size, inner }: AxisLayout,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      if (op === 'sum' || op === 'mean') {
        let acc = 0;
        for (let s = 0; s < size; s++) acc += x[base + s * inner]!;
        out[o * inner + i] = op === 'mean' ? acc / size : acc;
      } else {
        const isMax = op === 'max' || op === 'argmax';
        let best = x[base]!;
        let at = 0;
        for (let s = 1; s < size && !Number.isNaN(best); s++) {
          const v = x[base + s * inner]!;
          // NaN wins, as in PyTorch: once the best is NaN nothing replaces it.
          if (Number.isNaN(v) || (isMax ? v > best : v < best)) {
            best = v;
            at = s;
          }
        }
        out[o * inner + i] = op === 'max' || op === 'min' ? best : at;
      }
    }
  }
}

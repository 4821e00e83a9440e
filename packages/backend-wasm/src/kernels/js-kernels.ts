// The kernels that run in JavaScript on typed-array views of the wasm memory: every
// dtype other than f32 for the element-wise ops, the transcendental unary ops without
// a SIMD version (log, erf, sin, cos), strided copies, indexing, argmax/argmin, random
// streams, top-k and multinomial. They are rarely hot in a training step; each is a
// plain loop that the SIMD kernels (wasm/kernels.ts) are tested against as well.
import {
  type ActivationGradOp,
  type ActivationOp,
  type AxisLayout,
  type BinaryOp,
  type DataArray,
  type RandomParams,
  type RowsLayout,
  rng,
  type Shape,
  type StridedView,
  TensorError,
  type UnaryOp,
} from '@tensorlm/tensor-core';
import { erf, gelu, geluErf, geluErfGrad, geluGrad, roundHalfEven } from './scalar-math.js';

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

function checkIndex(kernel: string, index: number, size: number): void {
  if (index < 0 || index >= size) {
    throw new TensorError(kernel, `index ${index} is out of range for an axis of size ${size}`);
  }
}

export function indexSelectJs(
  x: DataArray,
  indices: Int32Array,
  out: DataArray,
  { outer, size, inner }: AxisLayout,
): void {
  const m = indices.length;
  for (let j = 0; j < m; j++) checkIndex('indexSelect', indices[j]!, size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * size + indices[j]!) * inner;
      out.set(x.subarray(src, src + inner), (o * m + j) * inner);
    }
  }
}

export function indexAddJs(
  src: Float32Array,
  indices: Int32Array,
  out: Float32Array,
  { outer, size, inner }: AxisLayout,
): void {
  const m = indices.length;
  for (let j = 0; j < m; j++) checkIndex('indexAdd', indices[j]!, size);
  out.fill(0);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const from = (o * m + j) * inner;
      const to = (o * size + indices[j]!) * inner;
      for (let i = 0; i < inner; i++) out[to + i]! += src[from + i]!;
    }
  }
}

export function gatherAlongJs(
  x: DataArray,
  indices: Int32Array,
  out: DataArray,
  { outer, size, inner }: AxisLayout,
): void {
  const m = indices.length / Math.max(outer * inner, 1);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * m + j) * inner + i;
        const index = indices[at]!;
        checkIndex('gather', index, size);
        out[at] = x[(o * size + index) * inner + i]!;
      }
    }
  }
}

export function scatterAddAlongJs(
  src: Float32Array,
  indices: Int32Array,
  out: Float32Array,
  { outer, size, inner }: AxisLayout,
): void {
  const m = indices.length / Math.max(outer * inner, 1);
  for (let at = 0; at < indices.length; at++) checkIndex('scatterAdd', indices[at]!, size);
  out.fill(0);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * m + j) * inner + i;
        out[(o * size + indices[at]!) * inner + i]! += src[at]!;
      }
    }
  }
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

export function randomJs(out: Float32Array, p: RandomParams): void {
  const key = rng.keyFromSeed(p.seed);
  if (p.distribution === 'uniform') {
    const width = p.b - p.a;
    for (let i = 0; i < p.size; i++) out[i] = p.a + width * rng.uniformAt(key, p.offset + i);
  } else {
    for (let i = 0; i < p.size; i++) out[i] = p.a + p.b * rng.normalAt(key, p.offset, i);
  }
}

/** a ranks before b: larger first (NaN largest), lower index first on ties. */
function before(va: number, ia: number, vb: number, ib: number, largest: boolean): boolean {
  const aNaN = Number.isNaN(va);
  const bNaN = Number.isNaN(vb);
  if (aNaN || bNaN) {
    if (aNaN && bNaN) return ia < ib;
    return largest ? aNaN : bNaN;
  }
  if (va !== vb) return largest ? va > vb : va < vb;
  return ia < ib;
}

/** Top-k per row: a bounded heap of the k best seen, then a sort of those k. */
export function topkJs(
  x: DataArray,
  values: DataArray,
  indices: Int32Array,
  { rows, cols }: RowsLayout,
  k: number,
  largest: boolean,
): void {
  if (k === 0) return;
  const heap = new Int32Array(k); // column indices; heap[0] is the worst kept
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const worse = (i: number, j: number) => before(x[base + j]!, j, x[base + i]!, i, largest);
    let n = 0;
    const swap = (i: number, j: number) => {
      const t = heap[i]!;
      heap[i] = heap[j]!;
      heap[j] = t;
    };
    for (let c = 0; c < cols; c++) {
      if (n < k) {
        heap[n] = c;
        let i = n++;
        while (i > 0 && worse(heap[i]!, heap[(i - 1) >> 1]!)) {
          swap(i, (i - 1) >> 1);
          i = (i - 1) >> 1;
        }
      } else if (before(x[base + c]!, c, x[base + heap[0]!]!, heap[0]!, largest)) {
        heap[0] = c;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          let w = i;
          if (l < n && worse(heap[l]!, heap[w]!)) w = l;
          if (l + 1 < n && worse(heap[l + 1]!, heap[w]!)) w = l + 1;
          if (w === i) break;
          swap(i, w);
          i = w;
        }
      }
    }
    const kept = Array.from(heap.subarray(0, n));
    kept.sort((i, j) => (before(x[base + i]!, i, x[base + j]!, j, largest) ? -1 : 1));
    for (let j = 0; j < k; j++) {
      indices[r * k + j] = kept[j]!;
      values[r * k + j] = x[base + kept[j]!]!;
    }
  }
}

/** Multinomial by inverse CDF over each row's weights (f64 running sums). */
export function multinomialJs(
  probs: Float32Array,
  out: Int32Array,
  { rows, cols }: RowsLayout,
  numSamples: number,
  replacement: boolean,
  seed: number,
  offset: number,
): void {
  const key = rng.keyFromSeed(seed);
  const weights = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let c = 0; c < cols; c++) {
      const w = probs[r * cols + c]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new TensorError(
          'multinomial',
          `row ${r} has an invalid weight ${w} (weights must be finite and ≥ 0)`,
        );
      }
      weights[c] = w;
      total += w;
    }
    for (let s = 0; s < numSamples; s++) {
      if (!(total > 0))
        throw new TensorError('multinomial', `row ${r} has no positive weight left to sample`);
      const u = rng.uniformAt(key, offset + r * numSamples + s) * total;
      let cumulative = 0;
      let pick = -1;
      let lastPositive = -1;
      for (let c = 0; c < cols; c++) {
        if (weights[c]! <= 0) continue;
        lastPositive = c;
        cumulative += weights[c]!;
        if (u < cumulative) {
          pick = c;
          break;
        }
      }
      if (pick < 0) pick = lastPositive; // rounding at the very top of the CDF
      out[r * numSamples + s] = pick;
      if (!replacement) {
        total -= weights[pick]!;
        weights[pick] = 0;
      }
    }
  }
}

// An independent, deliberately naive f64 n-d array library used as the test oracle.
// It shares no code with any backend: plain index arithmetic, nothing clever, so a
// bug in a backend cannot also be a bug here. Finite differences run on it in f64.

export interface Nd {
  readonly shape: number[];
  readonly data: Float64Array;
}

export function nd(shape: readonly number[], data: ArrayLike<number>): Nd {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`reference: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function stridesFor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    idx[i] = d === 0 ? 0 : flat % d;
    flat = d === 0 ? 0 : Math.floor(flat / d);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i]! + idx[i]!;
  return flat;
}

export function map(x: Nd, f: (v: number) => number): Nd {
  return { shape: [...x.shape], data: x.data.map(f) };
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: cannot broadcast [${a}] and [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Reads x at an output multi-index under broadcasting. */
function at(x: Nd, outIdx: readonly number[]): number {
  const off = outIdx.length - x.shape.length;
  const idx = x.shape.map((d, i) => (d === 1 ? 0 : outIdx[i + off]!));
  return x.data[ravel(idx, x.shape)]!;
}

export function zip(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  const shape = broadcastShape(a.shape, b.shape);
  const size = sizeOfShape(shape);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const idx = unravel(i, shape);
    data[i] = f(at(a, idx), at(b, idx));
  }
  return { shape, data };
}

export function zip3(c: Nd, a: Nd, b: Nd, f: (c: number, x: number, y: number) => number): Nd {
  const shape = broadcastShape(broadcastShape(c.shape, a.shape), b.shape);
  const size = sizeOfShape(shape);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const idx = unravel(i, shape);
    data[i] = f(at(c, idx), at(a, idx), at(b, idx));
  }
  return { shape, data };
}

/** Folds the listed axes with (acc, value, indexAlongAxes) → acc; keepDims keeps them as 1. */
export function reduce(
  x: Nd,
  axes: readonly number[] | undefined,
  init: number,
  f: (acc: number, v: number) => number,
  keepDims = false,
): Nd {
  const list = (axes ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + x.shape.length : a));
  const kept = x.shape.map((d, i) => (list.includes(i) ? 1 : d));
  const out = new Float64Array(sizeOfShape(kept)).fill(init);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (list.includes(d) ? 0 : v));
    const o = ravel(idx, kept);
    out[o] = f(out[o]!, x.data[i]!);
  }
  const shape = keepDims ? kept : x.shape.filter((_, i) => !list.includes(i));
  return { shape, data: out };
}

export const sum = (x: Nd, axes?: number[], keepDims = false) =>
  reduce(x, axes, 0, (a, v) => a + v, keepDims);

export function mean(x: Nd, axes?: number[], keepDims = false): Nd {
  const list = axes ?? x.shape.map((_, i) => i);
  const count = list.reduce((n, a) => n * x.shape[a < 0 ? a + x.shape.length : a]!, 1);
  return map(sum(x, list, keepDims), (v) => v / count);
}

export function argReduce(x: Nd, axis: number, better: (v: number, best: number) => boolean): Nd {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const outShape = x.shape.filter((_, i) => i !== a);
  const out = new Float64Array(sizeOfShape(outShape));
  for (let o = 0; o < out.length; o++) {
    const base = unravel(o, outShape);
    let best = 0;
    let bestValue = Number.NaN;
    for (let j = 0; j < x.shape[a]!; j++) {
      const idx = [...base.slice(0, a), j, ...base.slice(a)];
      const v = x.data[ravel(idx, x.shape)]!;
      if (j === 0 || better(v, bestValue)) {
        best = j;
        bestValue = v;
      }
    }
    out[o] = best;
  }
  return { shape: outShape, data: out };
}

export function permute(x: Nd, dims: readonly number[]): Nd {
  const shape = dims.map((d) => x.shape[d]!);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(dims.length);
    dims.forEach((d, j) => {
      src[d] = idx[j]!;
    });
    out[i] = x.data[ravel(src, x.shape)]!;
  }
  return { shape, data: out };
}

export function transposeLast(x: Nd): Nd {
  const dims = x.shape.map((_, i) => i);
  const r = dims.length;
  [dims[r - 2], dims[r - 1]] = [dims[r - 1]!, dims[r - 2]!];
  return permute(x, dims);
}

/** Batched matmul with broadcast batch dims (both operands rank ≥ 2). */
export function matmul(a: Nd, b: Nd): Nd {
  const m = a.shape.at(-2)!;
  const k = a.shape.at(-1)!;
  const n = b.shape.at(-1)!;
  if (b.shape.at(-2) !== k) throw new Error('reference matmul: inner dims differ');
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  const out = new Float64Array(sizeOfShape(shape));
  const batches = sizeOfShape(batch);
  for (let t = 0; t < batches; t++) {
    const bi = unravel(t, batch);
    const aBatch = a.shape
      .slice(0, -2)
      .map((d, i) => (d === 1 ? 0 : bi[i + batch.length - (a.shape.length - 2)]!));
    const bBatch = b.shape
      .slice(0, -2)
      .map((d, i) => (d === 1 ? 0 : bi[i + batch.length - (b.shape.length - 2)]!));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          acc += a.data[ravel([...aBatch, i, p], a.shape)]! * b.data[ravel([...bBatch, p, j], b.shape)]!;
        }
        out[t * m * n + i * n + j] = acc;
      }
    }
  }
  return { shape, data: out };
}

export function softmax(x: Nd, axis = -1, log = false): Nd {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const peak = reduce(x, [a], Number.NEGATIVE_INFINITY, Math.max, true);
  const shifted = zip(x, peak, (v, m) => v - m);
  const total = sum(map(shifted, Math.exp), [a], true);
  return log
    ? zip(shifted, total, (v, s) => v - Math.log(s))
    : zip(shifted, total, (v, s) => Math.exp(v) / s);
}

export function layerNorm(x: Nd, cols: number, weight: Nd | null, bias: Nd | null, eps: number): Nd {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / cols; r++) {
    let mu = 0;
    for (let c = 0; c < cols; c++) mu += x.data[r * cols + c]!;
    mu /= cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x.data[r * cols + c]! - mu) ** 2;
    v /= cols;
    for (let c = 0; c < cols; c++) {
      const norm = (x.data[r * cols + c]! - mu) / Math.sqrt(v + eps);
      out[r * cols + c] = norm * (weight ? weight.data[c]! : 1) + (bias ? bias.data[c]! : 0);
    }
  }
  return { shape: [...x.shape], data: out };
}

/** Per-row cross-entropy of logits (rows, C) against integer targets. */
export function crossEntropyRows(logits: Nd, targets: readonly number[], ignoreIndex: number): number[] {
  const cols = logits.shape.at(-1)!;
  const losses: number[] = [];
  for (let r = 0; r < targets.length; r++) {
    const t = targets[r]!;
    if (t === ignoreIndex) {
      losses.push(0);
      continue;
    }
    let peak = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) peak = Math.max(peak, logits.data[r * cols + c]!);
    let total = 0;
    for (let c = 0; c < cols; c++) total += Math.exp(logits.data[r * cols + c]! - peak);
    losses.push(peak + Math.log(total) - logits.data[r * cols + t]!);
  }
  return losses;
}

/** erf by its Maclaurin series (|x| ≤ 3) or a continued fraction for erfc (beyond). */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (z <= 3) {
    let term = z;
    let total = z;
    for (let n = 1; n < 100; n++) {
      term *= (-z * z) / n;
      const add = term / (2 * n + 1);
      total += add;
      if (Math.abs(add) < 1e-17 * Math.abs(total)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * total;
  }
  // erfc(z) = e^{-z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), evaluated bottom-up.
  let fraction = z;
  for (let n = 60; n >= 1; n--) fraction = z + n / 2 / fraction;
  const erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / fraction;
  return Math.sign(x) * (1 - erfc);
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

export function geluExact(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** Python-style slice of one axis: [start, end, step]. */
export function sliceAxis(x: Nd, axis: number, start: number, end: number, step: number): Nd {
  const count = Math.max(0, Math.ceil((end - start) / step));
  const shape = [...x.shape];
  shape[axis] = count;
  const out = new Float64Array(sizeOfShape(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    idx[axis] = start + idx[axis]! * step;
    out[i] = x.data[ravel(idx, x.shape)]!;
  }
  return { shape, data: out };
}

export function concat(parts: readonly Nd[], axis: number): Nd {
  const shape = [...parts[0]!.shape];
  shape[axis] = parts.reduce((n, p) => n + p.shape[axis]!, 0);
  const out = new Float64Array(sizeOfShape(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let pos = idx[axis]!;
    let part = 0;
    while (pos >= parts[part]!.shape[axis]!) pos -= parts[part++]!.shape[axis]!;
    const src = [...idx];
    src[axis] = pos;
    out[i] = parts[part]!.data[ravel(src, parts[part]!.shape)]!;
  }
  return { shape, data: out };
}

/** Reads element (multi-index) of x. */
export function get(x: Nd, idx: readonly number[]): number {
  return x.data[ravel(idx, x.shape)]!;
}

export { ravel, stridesFor };

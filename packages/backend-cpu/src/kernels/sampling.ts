// Random draws from tensor-core's counter-based generator (so CPU and WebGPU agree),
// top-k selection with a bounded heap, and multinomial sampling by inverse CDF.
import { type DataArray, type RandomParams, type RowsLayout, rng, TensorError } from '@tensorlm/tensor-core';

export function randomKernel(out: Float32Array, p: RandomParams): void {
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

export function topkKernel(
  x: DataArray,
  values: DataArray,
  indices: Int32Array,
  { rows, cols }: RowsLayout,
  k: number,
  largest: boolean,
): void {
  if (k === 0) return;
  const heap = new Int32Array(k); // column indices; heap[0] is the worst kept element
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const worse = (i: number, j: number) => before(x[base + j]!, j, x[base + i]!, i, largest);
    let n = 0;
    const siftDown = (start: number) => {
      let i = start;
      for (;;) {
        const l = 2 * i + 1;
        const rr = l + 1;
        let w = i;
        if (l < n && worse(heap[l]!, heap[w]!)) w = l;
        if (rr < n && worse(heap[rr]!, heap[w]!)) w = rr;
        if (w === i) return;
        const t = heap[i]!;
        heap[i] = heap[w]!;
        heap[w] = t;
        i = w;
      }
    };
    for (let c = 0; c < cols; c++) {
      if (n < k) {
        heap[n] = c;
        let i = n++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if (!worse(heap[i]!, heap[parent]!)) break;
          const t = heap[i]!;
          heap[i] = heap[parent]!;
          heap[parent] = t;
          i = parent;
        }
      } else if (before(x[base + c]!, c, x[base + heap[0]!]!, heap[0]!, largest)) {
        heap[0] = c;
        siftDown(0);
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

export function multinomialKernel(
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

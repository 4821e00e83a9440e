// Fused neural-network kernels over rows of the last axis: softmax / log-softmax
// (max-subtracted, so large logits stay finite) and their backward, layer norm
// forward/backward, and cross-entropy forward/backward. Accumulation in f64.
import { type RowsLayout, TensorError } from '@tensorlm/tensor-core';

export function softmaxKernel(
  x: Float32Array,
  out: Float32Array,
  { rows, cols }: RowsLayout,
  log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let peak = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) if (x[base + c]! > peak) peak = x[base + c]!;
    if (peak === Number.NEGATIVE_INFINITY) peak = 0;
    let total = 0;
    for (let c = 0; c < cols; c++) total += Math.exp(x[base + c]! - peak);
    if (log) {
      const shift = peak + Math.log(total);
      for (let c = 0; c < cols; c++) out[base + c] = x[base + c]! - shift;
    } else {
      const inv = 1 / total;
      for (let c = 0; c < cols; c++) out[base + c] = Math.exp(x[base + c]! - peak) * inv;
    }
  }
}

export function softmaxBackwardKernel(
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  { rows, cols }: RowsLayout,
  log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    if (log) {
      for (let c = 0; c < cols; c++) dot += dy[base + c]!;
      for (let c = 0; c < cols; c++) dx[base + c] = dy[base + c]! - Math.exp(y[base + c]!) * dot;
    } else {
      for (let c = 0; c < cols; c++) dot += dy[base + c]! * y[base + c]!;
      for (let c = 0; c < cols; c++) dx[base + c] = y[base + c]! * (dy[base + c]! - dot);
    }
  }
}

export function layerNormKernel(
  x: Float32Array,
  weight: Float32Array | null,
  bias: Float32Array | null,
  y: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  { rows, cols }: RowsLayout,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let total = 0;
    for (let c = 0; c < cols; c++) total += x[base + c]!;
    const mu = total / cols;
    let squares = 0;
    for (let c = 0; c < cols; c++) {
      const d = x[base + c]! - mu;
      squares += d * d;
    }
    const inv = 1 / Math.sqrt(squares / cols + eps);
    mean[r] = mu;
    rstd[r] = inv;
    for (let c = 0; c < cols; c++) {
      const normalized = (x[base + c]! - mu) * inv;
      y[base + c] = normalized * (weight ? weight[c]! : 1) + (bias ? bias[c]! : 0);
    }
  }
}

export function layerNormBackwardKernel(
  dy: Float32Array,
  x: Float32Array,
  weight: Float32Array | null,
  mean: Float32Array,
  rstd: Float32Array,
  dx: Float32Array,
  dWeight: Float32Array,
  dBias: Float32Array,
  { rows, cols }: RowsLayout,
): void {
  const gw = new Float64Array(cols);
  const gb = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mu = mean[r]!;
    const inv = rstd[r]!;
    // dx = rstd · (g − mean(g) − x̂·mean(g·x̂)) with g = dy·w.
    let meanG = 0;
    let meanGX = 0;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c]! - mu) * inv;
      const g = dy[base + c]! * (weight ? weight[c]! : 1);
      meanG += g;
      meanGX += g * xhat;
      gw[c]! += dy[base + c]! * xhat;
      gb[c]! += dy[base + c]!;
    }
    meanG /= cols;
    meanGX /= cols;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c]! - mu) * inv;
      const g = dy[base + c]! * (weight ? weight[c]! : 1);
      dx[base + c] = inv * (g - meanG - xhat * meanGX);
    }
  }
  for (let c = 0; c < cols; c++) {
    dWeight[c] = gw[c]!;
    dBias[c] = gb[c]!;
  }
}

function checkTarget(target: number, cols: number, ignoreIndex: number): void {
  if (target !== ignoreIndex && (target < 0 || target >= cols)) {
    throw new TensorError(
      'crossEntropy',
      `target ${target} is out of range for ${cols} classes (ignoreIndex is ${ignoreIndex})`,
    );
  }
}

export function crossEntropyKernel(
  logits: Float32Array,
  targets: Int32Array,
  losses: Float32Array,
  logSumExp: Float32Array,
  { rows, cols }: RowsLayout,
  ignoreIndex: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const target = targets[r]!;
    checkTarget(target, cols, ignoreIndex);
    let peak = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) if (logits[base + c]! > peak) peak = logits[base + c]!;
    let total = 0;
    for (let c = 0; c < cols; c++) total += Math.exp(logits[base + c]! - peak);
    const lse = peak + Math.log(total);
    logSumExp[r] = lse;
    losses[r] = target === ignoreIndex ? 0 : lse - logits[base + target]!;
  }
}

export function crossEntropyBackwardKernel(
  logits: Float32Array,
  targets: Int32Array,
  logSumExp: Float32Array,
  dLosses: Float32Array,
  dLogits: Float32Array,
  { rows, cols }: RowsLayout,
  ignoreIndex: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const target = targets[r]!;
    if (target === ignoreIndex) {
      dLogits.fill(0, base, base + cols);
      continue;
    }
    const g = dLosses[r]!;
    const lse = logSumExp[r]!;
    for (let c = 0; c < cols; c++)
      dLogits[base + c] = (Math.exp(logits[base + c]! - lse) - (c === target ? 1 : 0)) * g;
  }
}

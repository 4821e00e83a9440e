// The f64 reference for scaled dot-product attention and its analytic gradients
// (softmax(scale·q·kᵀ, masked)·v, one (batch, head) at a time), so attention cases
// compare q, k and v gradients without thousands of finite differences per case. The
// gradient formulas are themselves checked against finite differences in
// attention-reference.test.ts. Attention dropout multiplies each probability by its
// factor (0, or 1/(1 − p) where the mask keeps it), the mask being the hash that
// defines it (backend/fused/defaults/attention-dropout.ts).
import { dropoutKeeps } from '../backend/fused/defaults/attention-dropout.js';

/** The score a masked position gets (the lowest f32), as tensor-core's masks use. */
export const MASKED = -3.4028234663852886e38;

export interface AttentionProblem {
  readonly b: number;
  readonly h: number;
  readonly t: number;
  readonly s: number;
  readonly d: number;
  readonly scale: number;
  readonly causal: boolean;
  readonly pastLength: number;
  /** (b, s): true where a key is padding. */
  readonly keyPadding: readonly boolean[] | null;
  /** An additive mask over (b, h, t, s) by index; MASKED (or below) masks the score. */
  readonly bias: ((b: number, h: number, i: number, j: number) => number) | null;
  /** Dropout on the probabilities (absent or null: none). */
  readonly dropout?: { readonly p: number; readonly seed: number } | null;
}

/** Head (bi, hi)'s dropout factors (t, s): 1/(1 − p) where kept, 0 where dropped; all 1 without dropout. */
function headDropoutFactors(p: AttentionProblem, bi: number, hi: number): Float64Array {
  const factors = new Float64Array(p.t * p.s).fill(1);
  const drop = p.dropout;
  if (!drop || drop.p === 0) return factors;
  for (let i = 0; i < p.t; i++) {
    for (let j = 0; j < p.s; j++) {
      factors[i * p.s + j] = dropoutKeeps(drop.p, drop.seed, bi * p.h + hi, i, j) ? 1 / (1 - drop.p) : 0;
    }
  }
  return factors;
}

export interface AttentionGradients {
  readonly dq: Float64Array;
  readonly dk: Float64Array;
  readonly dv: Float64Array;
}

/** Probabilities (t, s) of head (bi, hi), and whether each score was masked. */
function headProbabilities(
  p: AttentionProblem,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  bi: number,
  hi: number,
): { probs: Float64Array; masked: Uint8Array } {
  const { t, s, d } = p;
  const qBase = (bi * p.h + hi) * t * d;
  const kBase = (bi * p.h + hi) * s * d;
  const probs = new Float64Array(t * s);
  const masked = new Uint8Array(t * s);
  for (let i = 0; i < t; i++) {
    let peak = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < s; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q[qBase + i * d + c]! * k[kBase + j * d + c]!;
      let score = p.scale * dot;
      let isMasked = (p.causal && j > p.pastLength + i) || (p.keyPadding?.[bi * s + j] ?? false);
      if (p.bias) {
        const extra = p.bias(bi, hi, i, j);
        if (extra <= MASKED) isMasked = true;
        else score += extra;
      }
      if (isMasked) score = MASKED;
      masked[i * s + j] = isMasked ? 1 : 0;
      probs[i * s + j] = score;
      peak = Math.max(peak, score);
    }
    let total = 0;
    for (let j = 0; j < s; j++) {
      const e = Math.exp(probs[i * s + j]! - peak);
      probs[i * s + j] = e;
      total += e;
    }
    for (let j = 0; j < s; j++) probs[i * s + j]! /= total;
  }
  return { probs, masked };
}

/** The attention output (b, h, t, d). */
export function attentionForward(
  p: AttentionProblem,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
): Float64Array {
  const { t, s, d } = p;
  const out = new Float64Array(p.b * p.h * t * d);
  for (let bi = 0; bi < p.b; bi++) {
    for (let hi = 0; hi < p.h; hi++) {
      const { probs } = headProbabilities(p, q, k, bi, hi);
      const factors = headDropoutFactors(p, bi, hi);
      const oBase = (bi * p.h + hi) * t * d;
      const vBase = (bi * p.h + hi) * s * d;
      for (let i = 0; i < t; i++) {
        for (let j = 0; j < s; j++) {
          const w = probs[i * s + j]! * factors[i * s + j]!;
          for (let c = 0; c < d; c++) out[oBase + i * d + c]! += w * v[vBase + j * d + c]!;
        }
      }
    }
  }
  return out;
}

/** Gradients of Σ dOut·attention(q, k, v) with respect to q, k and v. */
export function attentionBackward(
  p: AttentionProblem,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dOut: ArrayLike<number>,
): AttentionGradients {
  const { t, s, d } = p;
  const dq = new Float64Array(p.b * p.h * t * d);
  const dk = new Float64Array(p.b * p.h * s * d);
  const dv = new Float64Array(p.b * p.h * s * d);
  for (let bi = 0; bi < p.b; bi++) {
    for (let hi = 0; hi < p.h; hi++) {
      const { probs, masked } = headProbabilities(p, q, k, bi, hi);
      const factors = headDropoutFactors(p, bi, hi);
      const qBase = (bi * p.h + hi) * t * d;
      const kBase = (bi * p.h + hi) * s * d;
      for (let i = 0; i < t; i++) {
        // O_i = Σ_j P_ij·Z_ij·v_j with dropout factors Z, so dP_ij = Z_ij·(dO_i·v_j);
        // dS_ij = P_ij·(dP_ij − Σ_l P_il·dP_il), zero where masked.
        const dP = new Float64Array(s);
        let weighted = 0;
        for (let j = 0; j < s; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += dOut[qBase + i * d + c]! * v[kBase + j * d + c]!;
          dP[j] = dot * factors[i * s + j]!;
          weighted += probs[i * s + j]! * dP[j]!;
        }
        for (let j = 0; j < s; j++) {
          const pij = probs[i * s + j]!;
          const dropped = pij * factors[i * s + j]!;
          for (let c = 0; c < d; c++) dv[kBase + j * d + c]! += dropped * dOut[qBase + i * d + c]!;
          if (masked[i * s + j]) continue;
          const dScore = p.scale * pij * (dP[j]! - weighted);
          for (let c = 0; c < d; c++) {
            dq[qBase + i * d + c]! += dScore * k[kBase + j * d + c]!;
            dk[kBase + j * d + c]! += dScore * q[qBase + i * d + c]!;
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}

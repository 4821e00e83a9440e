// Default scaled dot-product attention and its backward, composed from the primitives:
// the (B, H, T, S) scores are materialised (batched matmul, scale, mask, row softmax),
// which is what a fused kernel avoids. The backward recomputes the probabilities from
// the saved row statistics, as the fused kernels do, so both paths share one contract.
import type { AttentionParams, Backend, BackendPrimitives, KernelTensor, Storage } from '../../backend.js';
import { type Composer, composeKernel } from '../compose.js';
import { attentionDropoutFactors } from './attention-dropout.js';
import { softmaxDefault } from './softmax.js';

/** The score a masked position gets: the lowest f32 (not −∞), so a fully masked row is uniform. */
export const MASKED_SCORE = -3.4028234663852886e38;

/** True above the diagonal shifted by pastLength: query i sees keys 0 … pastLength + i. */
export function causalPattern(queries: number, keys: number, pastLength: number): Uint8Array {
  const masked = new Uint8Array(queries * keys);
  for (let i = 0; i < queries; i++)
    masked.fill(1, i * keys + Math.min(keys, pastLength + i + 1), (i + 1) * keys);
  return masked;
}

/** scale·q·kᵀ (+ bias) with masked scores set to MASKED_SCORE, and where the mask holds. */
function maskedScores(
  k: Composer,
  q: KernelTensor,
  key: KernelTensor,
  bias: KernelTensor | null,
  p: AttentionParams,
): { scores: KernelTensor; masked: KernelTensor | null } {
  let scores = k.mul(k.matmul(q, key, false, true), p.scale); // (B, H, T, S)
  let masked: KernelTensor | null = p.causal
    ? k.constant(causalPattern(p.queries, p.keys, p.pastLength), [1, 1, p.queries, p.keys], 'bool')
    : null;
  if (bias) {
    const biasMasked = k.binary('le', bias, MASKED_SCORE);
    masked = masked ? k.binary('logicalOr', masked, biasMasked) : biasMasked;
    scores = k.add(scores, bias);
  }
  if (masked) scores = k.where(masked, MASKED_SCORE, scores);
  return { scores, masked };
}

/** The (B, H, T, S) dropout factors (0 or 1/(1 − p)) as a constant, or null without dropout. */
function dropoutFactors(k: Composer, p: AttentionParams): KernelTensor | null {
  if (!(p.dropout > 0)) return null;
  return k.constant(attentionDropoutFactors(p), [p.batch, p.heads, p.queries, p.keys], 'f32');
}

function shapes(p: AttentionParams) {
  const { batch: b, heads: h, queries: t, keys: s, headSize: d } = p;
  return { q: [b, h, t, d], kv: [b, h, s, d], rowStat: [b, h, t, 1], rows: b * h * t };
}

export function attentionDefault(
  backend: BackendPrimitives,
  qIn: KernelTensor,
  kIn: KernelTensor,
  vIn: KernelTensor,
  bias: KernelTensor | null,
  p: AttentionParams,
): { output: Storage; rowMax: Storage; rowSum: Storage } {
  const shape = shapes(p);
  if (shape.rows * p.headSize === 0) {
    return {
      output: backend.alloc(shape.rows * p.headSize, 'f32'),
      rowMax: backend.alloc(shape.rows, 'f32'),
      rowSum: backend.alloc(shape.rows, 'f32'),
    };
  }
  return composeKernel(backend, (k) => {
    const q = k.view(qIn, shape.q);
    const v = k.view(vIn, shape.kv);
    const { scores } = maskedScores(k, q, k.view(kIn, shape.kv), bias, p);
    const factors = dropoutFactors(k, p);
    if (!p.saveStats) {
      // Inference: the backend's own softmax (one kernel where it has one), no statistics.
      const layout = { rows: shape.rows, cols: p.keys };
      const own = (backend as Backend).softmax?.bind(backend);
      let probs = k.adopt(
        own ? own(scores, layout, false) : softmaxDefault(backend, scores, layout, false),
        scores.shape,
      );
      if (factors) probs = k.mul(probs, factors);
      return {
        output: k.keep(k.matmul(probs, v, false, false)),
        rowMax: backend.alloc(0, 'f32'),
        rowSum: backend.alloc(0, 'f32'),
      };
    }
    const flat = k.view(scores, [shape.rows, p.keys]);
    const rowMax = k.reduceRows('max', flat, shape.rows, p.keys);
    const exps = k.unary('exp', k.sub(flat, rowMax));
    const rowSum = k.reduceRows('sum', exps, shape.rows, p.keys);
    let probs = k.view(k.div(exps, rowSum), [p.batch, p.heads, p.queries, p.keys]);
    if (factors) probs = k.mul(probs, factors); // dropout after the softmax, as torch's
    const output = k.matmul(probs, v, false, false); // (B, H, T, D)
    return { output: k.keep(output), rowMax: k.keep(rowMax), rowSum: k.keep(rowSum) };
  });
}

export function attentionBackwardDefault(
  backend: BackendPrimitives,
  qIn: KernelTensor,
  kIn: KernelTensor,
  vIn: KernelTensor,
  bias: KernelTensor | null,
  outputIn: KernelTensor,
  dOutputIn: KernelTensor,
  rowMaxIn: KernelTensor,
  rowSumIn: KernelTensor,
  p: AttentionParams,
): { dq: Storage; dk: Storage; dv: Storage } {
  const shape = shapes(p);
  const qSize = shape.rows * p.headSize;
  const kvSize = p.batch * p.heads * p.keys * p.headSize;
  if (qSize === 0 || kvSize === 0) {
    return {
      dq: backend.fill(qSize, 'f32', 0),
      dk: backend.fill(kvSize, 'f32', 0),
      dv: backend.fill(kvSize, 'f32', 0),
    };
  }
  return composeKernel(backend, (k) => {
    const q = k.view(qIn, shape.q);
    const key = k.view(kIn, shape.kv);
    const v = k.view(vIn, shape.kv);
    const dOutput = k.view(dOutputIn, shape.q);
    const { scores, masked } = maskedScores(k, q, key, bias, p);
    const rowMax = k.view(rowMaxIn, shape.rowStat);
    const rowSum = k.view(rowSumIn, shape.rowStat);
    const probs = k.div(k.unary('exp', k.sub(scores, rowMax)), rowSum); // (B, H, T, S)
    // With dropout factors Z the output is (P⊙Z)·v: dV = (P⊙Z)ᵀ·dO and dP = (dO·vᵀ)⊙Z.
    const factors = dropoutFactors(k, p);
    const dv = k.matmul(factors ? k.mul(probs, factors) : probs, dOutput, true, false); // (B, H, S, D)
    let dProbs = k.matmul(dOutput, v, false, true); // dO·vᵀ: (B, H, T, S)
    if (factors) dProbs = k.mul(dProbs, factors);
    // Σ_j P·dP per row equals Σ_d dO·O (FlashAttention's delta), without a (T, S) reduction;
    // with dropout too, since O = (P⊙Z)·v.
    const delta = k.view(
      k.reduceRows('sum', k.mul(dOutput, k.view(outputIn, shape.q)), shape.rows, p.headSize),
      shape.rowStat,
    );
    let dScores = k.mul(probs, k.sub(dProbs, delta));
    // A masked score was replaced, not computed from q and k: no gradient flows back.
    if (masked) dScores = k.where(masked, 0, dScores);
    dScores = k.mul(dScores, p.scale);
    const dq = k.matmul(dScores, key, false, false); // (B, H, T, D)
    const dk = k.matmul(dScores, q, true, false); // (B, H, S, D)
    return { dq: k.keep(dq), dk: k.keep(dk), dv: k.keep(dv) };
  });
}

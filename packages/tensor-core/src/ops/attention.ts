// Scaled dot-product attention as one op (torch.nn.functional.scaled_dot_product_attention
// with PyTorch's bool-mask convention inverted to "true = not allowed", as tensorlm's
// masks are): softmax(scale·q·kᵀ, masked)·v. The forward kernel (fused, or composed by
// default) saves each row's softmax max and sum; the backward recomputes the
// probabilities from them instead of keeping the (T, S) matrix alive. Attention
// dropout, likewise, is a hash the backward recomputes rather than a stored mask.
import { z } from 'zod';
import type { AttentionParams } from '../backend/backend.js';
import { MASKED_SCORE } from '../backend/fused/defaults/attention.js';
import { fused } from '../backend/fused/index.js';
import { TensorError } from '../errors.js';
import { keyFromSeed, randomBits } from '../random/counter-rng.js';
import { engine, isGradEnabled, noGrad } from '../tensor/engine.js';
import { broadcastShapes, formatShape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { parseOrThrow } from '../zod-issues.js';
import { cast, where } from './elementwise.js';
import { assertDType, backendOf, record, wrap } from './op-utils.js';
import { reshape } from './shape.js';

export { MASKED_SCORE };

const attentionOptions = z.object({
  causal: z.boolean().default(false),
  pastLength: z.number().int().nonnegative().optional(),
  scale: z.number().finite().optional(),
  dropout: z.number().min(0).lt(1).default(0),
  dropoutSeed: z.number().int().min(0).max(0xffffffff).optional(),
});

export interface AttentionOpOptions {
  /**
   * Query i sees keys 0 … pastLength + i only. With a KV cache the T new queries follow
   * pastLength cached keys (S = pastLength + T).
   */
  causal?: boolean;
  /** Keys before the first query's position; default S − T (the queries are the last T positions). */
  pastLength?: number;
  /** (B, S) bool, true for keys no query may attend to (padding). */
  keyPaddingMask?: Tensor | null;
  /**
   * Broadcastable to (B, H, T, S): bool, true where attention is NOT allowed; or an
   * additive f32 mask, where a value at or below the lowest f32 (or −∞) masks as true does.
   */
  mask?: Tensor | null;
  /** Multiplies q·kᵀ; default 1/√D. */
  scale?: number;
  /**
   * Dropout on the attention probabilities, p in [0, 1) (default 0): each is zeroed with
   * probability p and the rest scaled by 1/(1 − p), as torch's `dropout_p`. Pass it only
   * in training. The mask is a hash of (dropoutSeed, b·H + h, i, j)
   * (backend/fused/defaults/attention-dropout.ts), so it costs no memory and every
   * backend draws the same one.
   */
  dropout?: number;
  /** The mask's u32 seed; default one draw from the default random stream (manualSeed). */
  dropoutSeed?: number;
}

/** A u32 dropout seed from the default random stream, so manualSeed makes runs repeat. */
function drawDropoutSeed(): number {
  const { seed, offset } = engine.nextRandom('uniform', 1);
  return randomBits(keyFromSeed(seed), offset >>> 0, Math.floor(offset / 4294967296) >>> 0) >>> 0;
}

/** The masks as one f32 bias (B|1, H|1, T|1, S|1): MASKED_SCORE where masked, else the additive value. */
function biasOf(
  op: string,
  options: AttentionOpOptions,
  b: number,
  h: number,
  t: number,
  s: number,
): Tensor | null {
  const { mask, keyPaddingMask } = options;
  const full = [b, h, t, s];
  let bias: Tensor | null = null;
  if (mask) {
    if (!(mask instanceof Tensor)) throw new TensorError(op, 'options.mask must be a Tensor');
    const fits = (() => {
      try {
        return mask.rank <= 4 && shapesEqual(broadcastShapes(mask.shape, full, op), full);
      } catch {
        return false;
      }
    })();
    if (!fits) {
      throw new TensorError(
        op,
        `options.mask ${formatShape(mask.shape)} does not broadcast to (B, H, T, S) = ${formatShape(full)}`,
      );
    }
    const mask4 = reshape(mask, [...new Array<number>(4 - mask.rank).fill(1), ...mask.shape]);
    bias = mask4.dtype === 'bool' ? where(mask4, MASKED_SCORE, 0) : cast(mask4, 'f32');
  }
  if (keyPaddingMask) {
    if (!(keyPaddingMask instanceof Tensor))
      throw new TensorError(op, 'options.keyPaddingMask must be a Tensor');
    assertDType(op, keyPaddingMask, ['bool'], 'options.keyPaddingMask');
    if (!shapesEqual(keyPaddingMask.shape, [b, s])) {
      throw new TensorError(
        op,
        `options.keyPaddingMask must be (B, S) = ${formatShape([b, s])}, got ${formatShape(keyPaddingMask.shape)}`,
      );
    }
    bias = where(reshape(keyPaddingMask, [b, 1, 1, s]), MASKED_SCORE, bias ?? 0);
  }
  return bias;
}

/**
 * softmax(scale·q·kᵀ + masks)·v for q (B, H, T, D), k and v (B, H, S, D) → (B, H, T, D),
 * differentiable in q, k and v (not in an additive mask). A masked score is the lowest
 * f32, so a query whose keys are all masked averages v uniformly instead of giving NaN.
 */
export function scaledDotProductAttention(
  qIn: Tensor,
  kIn: Tensor,
  vIn: Tensor,
  options: AttentionOpOptions = {},
): Tensor {
  const op = 'scaledDotProductAttention';
  const parsed = parseOrThrow(
    attentionOptions,
    {
      causal: options.causal,
      pastLength: options.pastLength,
      scale: options.scale,
      dropout: options.dropout,
      dropoutSeed: options.dropoutSeed,
    },
    'options',
    (message) => new TensorError(op, message),
  );
  for (const [name, x] of [
    ['q', qIn],
    ['k', kIn],
    ['v', vIn],
  ] as const) {
    if (!(x instanceof Tensor)) throw new TensorError(op, `${name} must be a Tensor`);
    if (x.rank !== 4)
      throw new TensorError(op, `${name} must be (B, H, len, D), got ${formatShape(x.shape)}`);
  }
  const [b, h, t, d] = qIn.shape as [number, number, number, number];
  const s = kIn.shape[2]!;
  if (!shapesEqual(kIn.shape, [b, h, s, d]) || !shapesEqual(vIn.shape, kIn.shape)) {
    throw new TensorError(
      op,
      `k and v must be (B, H, S, D) = (${b}, ${h}, S, ${d}) like q ${formatShape(qIn.shape)}, got k ${formatShape(kIn.shape)} and v ${formatShape(vIn.shape)}`,
    );
  }
  if (s === 0) throw new TensorError(op, 'k and v have no keys (S = 0): softmax over no scores is undefined');
  const pastLength = parsed.pastLength ?? s - t;
  if (parsed.causal && pastLength < 0) {
    throw new TensorError(op, `causal with more queries (${t}) than keys (${s}) needs options.pastLength`);
  }
  const params: AttentionParams = {
    batch: b,
    heads: h,
    queries: t,
    keys: s,
    headSize: d,
    scale: parsed.scale ?? 1 / Math.sqrt(d),
    causal: parsed.causal,
    pastLength,
    dropout: parsed.dropout,
    dropoutSeed: parsed.dropout > 0 ? (parsed.dropoutSeed ?? drawDropoutSeed()) : 0,
    // Statistics only when a backward pass may follow (set below).
    saveStats: false,
  };
  const bias = noGrad(() => biasOf(op, options, b, h, t, s));
  const [q, k, v] = [qIn, kIn, vIn].map((x) => (x.dtype === 'f32' ? x : cast(x, 'f32'))) as [
    Tensor,
    Tensor,
    Tensor,
  ];
  const backend = backendOf(op, q, k, v, ...(bias ? [bias] : []));
  const recording = isGradEnabled() && (q.requiresGrad || k.requiresGrad || v.requiresGrad);
  const out = fused.attention(backend, q, k, v, bias, { ...params, saveStats: recording });
  const output = wrap(backend, out.output, [b, h, t, d], 'f32');
  if (!recording) {
    backend.release(out.rowMax);
    backend.release(out.rowSum);
    if (bias && bias !== options.mask) bias.dispose();
    return output;
  }
  const rowMax = wrap(backend, out.rowMax, [b, h, t], 'f32');
  const rowSum = wrap(backend, out.rowSum, [b, h, t], 'f32');
  // A bias built here is saved with the statistics; a caller's own f32 mask is only read.
  const ownBias = bias && bias !== options.mask ? [bias] : [];
  return record(
    output,
    op,
    [q, k, v],
    (dOutput) => {
      const grads = fused.attentionBackward(backend, q, k, v, bias, output, dOutput, rowMax, rowSum, {
        ...params,
        saveStats: true,
      });
      return [
        wrap(backend, grads.dq, q.shape, 'f32'),
        wrap(backend, grads.dk, k.shape, 'f32'),
        wrap(backend, grads.dv, v.shape, 'f32'),
      ];
    },
    [rowMax, rowSum, ...ownBias],
  );
}

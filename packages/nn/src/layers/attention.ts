// Multi-head attention: the scaled dot-product core every model here shares, the masks
// it takes (causal, padding), and a general MultiHeadAttention module (causal or
// bidirectional, fused or separate Q/K/V) for models built from parts.
import {
  type AttentionOpOptions,
  scaledDotProductAttention as attentionOp,
  type Backend,
  dropout,
  equal,
  getBackend,
  logicalNot,
  logicalOr,
  maskedFill,
  matmul,
  noGrad,
  reshape,
  softmax,
  split,
  type Tensor,
  tensor,
  transpose,
  unsqueeze,
  where,
} from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { Module } from '../module/module.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';

/**
 * The score masked positions get before softmax: the lowest f32, as Hugging Face uses
 * (not −∞), so a row with every key masked becomes uniform instead of NaN.
 */
export const MASKED_SCORE = -3.4028234663852886e38;

/**
 * What a mask made by `causalMask`, `paddingMask` or `combineMasks` stands for, so the
 * fused attention op can take it as `causal` + a (B, 1, 1, S) padding bias (a kernel then
 * skips key tiles no query may see, and reads no (T, S) mask) instead of as a tensor.
 */
interface MaskMeaning {
  /** The causal offset, or null when the mask is not causal. */
  readonly pastLength: number | null;
  /** The (B, 1, 1, S) padding mask inside it, or null. */
  readonly padding: Tensor | null;
}
const maskMeanings = new WeakMap<Tensor, MaskMeaning>();

/**
 * Each padding mask's additive f32 bias (B, 1, 1, S), MASKED_SCORE where padded, else 0:
 * built by the first layer that reads the mask and shared by the rest, where the op
 * would otherwise build it again in every layer. It lives as long as the mask (the
 * same tidy scope, or the finalizer); one disposed meanwhile is built again.
 */
const paddingBiases = new WeakMap<Tensor, Tensor>();

function paddingBias(padding: Tensor): Tensor {
  const cached = paddingBiases.get(padding);
  if (cached && !cached.isDisposed) return cached;
  const bias = noGrad(() => where(padding, MASKED_SCORE, 0));
  paddingBiases.set(padding, bias);
  return bias;
}

/**
 * Causal mask (1, 1, T, S), true where attention is NOT allowed: query i (at absolute
 * position `pastLength + i`) may see keys 0 … pastLength + i. S = `keys`, by default
 * pastLength + T; more keys (a preallocated KV cache's buffers) are all masked, so the
 * attention op reads the mask as the scalars causal + pastLength, with no tensor.
 */
export function causalMask(
  length: number,
  options: { pastLength?: number; keys?: number; backend?: Backend } = {},
): Tensor {
  const pastLength = options.pastLength ?? 0;
  const keys = options.keys ?? pastLength + length;
  if (!(Number.isInteger(keys) && keys >= pastLength + length)) {
    throw new NnError(
      `causalMask: keys (${keys}) must be a whole number ≥ pastLength + length = ${pastLength + length}`,
    );
  }
  const masked = new Uint8Array(length * keys);
  for (let i = 0; i < length; i++) {
    for (let j = pastLength + i + 1; j < keys; j++) masked[i * keys + j] = 1;
  }
  const mask = tensor(masked, [1, 1, length, keys], {
    dtype: 'bool',
    backend: options.backend ?? getBackend(),
  });
  maskMeanings.set(mask, { pastLength, padding: null });
  return mask;
}

/**
 * Padding mask (B, 1, 1, S), true where attention is NOT allowed, from an HF-style
 * attention mask (B, S): 1 (or true) for tokens to attend to, 0 for padding.
 */
export function paddingMask(attentionMask: Tensor): Tensor {
  if (attentionMask.rank !== 2) {
    throw new NnError(`attentionMask must be (batch, seq), got [${attentionMask.shape.join(', ')}]`);
  }
  const isPad = attentionMask.dtype === 'bool' ? logicalNot(attentionMask) : equal(attentionMask, 0);
  const mask = unsqueeze(unsqueeze(isPad, 1), 1);
  maskMeanings.set(mask, { pastLength: null, padding: mask });
  return mask;
}

/** Either mask, or their union when both are given. */
export function combineMasks(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (!(a && b)) return a ?? b;
  const union = logicalOr(a, b);
  const [ma, mb] = [maskMeanings.get(a), maskMeanings.get(b)];
  // A causal mask and a padding mask combine into one meaning; anything else stays a tensor.
  if (ma && mb && (ma.pastLength === null) !== (mb.pastLength === null) && !(ma.padding && mb.padding)) {
    maskMeanings.set(union, {
      pastLength: ma.pastLength ?? mb.pastLength,
      padding: ma.padding ?? mb.padding,
    });
  }
  return union;
}

/** The op's mask options for `mask`: its causal / padding meaning when known and it fits q, k. */
function opMaskOptions(mask: Tensor | null, q: Tensor, k: Tensor): AttentionOpOptions {
  if (!mask) return {};
  const meaning = maskMeanings.get(mask);
  const [b, , t] = q.shape as [number, number, number, number];
  const s = k.shape[2]!;
  const causalFits = meaning?.pastLength === null || (mask.shape.at(-2) === t && mask.shape.at(-1) === s);
  const padding = meaning?.padding ?? null;
  const paddingFits =
    padding === null || (!padding.isDisposed && padding.shape[0] === b && padding.shape[3] === s);
  if (!meaning || !causalFits || !paddingFits) return { mask };
  return {
    causal: meaning.pastLength !== null,
    ...(meaning.pastLength !== null ? { pastLength: meaning.pastLength } : {}),
    // The padding as the additive bias the op would build from a key-padding mask: the same values.
    mask: padding ? paddingBias(padding) : null,
  };
}

export interface AttentionOptions {
  /** Bool mask broadcastable to (B, nh, T, S), true where attention is NOT allowed. */
  mask?: Tensor | null;
  /** Dropout on the attention probabilities (active only when `training`). */
  dropoutP?: number;
  training?: boolean;
  /**
   * Return the (B, nh, T, S) probabilities (default true). Without them, on a backend
   * with a fused attention kernel, tensor-core's attention op runs (dropout included),
   * which never materialises the scores. Elsewhere the composition below runs (on such
   * backends it is as fast as the op's composed default, and bit-identical to the path
   * that returns weights). The two draw different dropout masks from the same seed: the
   * op hashes (seed, head, query, key), the composition draws `dropout`'s uniforms.
   */
  needWeights?: boolean;
}

export interface AttentionResult {
  /** (B, nh, T, hs) */
  output: Tensor;
  /** (B, nh, T, S): softmax probabilities before dropout, for visualisation; null when not asked for. */
  weights: Tensor | null;
}

/** softmax(q·kᵀ/√hs + mask)·v over heads: q (B, nh, T, hs), k and v (B, nh, S, hs). */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: AttentionOptions & { needWeights?: true },
): AttentionResult & { weights: Tensor };
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: AttentionOptions,
): AttentionResult;
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): AttentionResult {
  const dropoutP = options.training ? (options.dropoutP ?? 0) : 0;
  if (options.needWeights === false && dropoutP < 1 && typeof q.backend.attention === 'function') {
    // Same numerics as below: masked scores are the lowest f32 (a fully masked row is uniform).
    // Dropout acts inside the op (a hashed mask the backward regenerates, seeded from the
    // default random stream), so training keeps the fused kernels too.
    const drop = dropoutP > 0 ? { dropout: dropoutP } : {};
    return {
      output: attentionOp(q, k, v, { ...opMaskOptions(options.mask ?? null, q, k), ...drop }),
      weights: null,
    };
  }
  const hs = q.shape.at(-1)!;
  let att = matmul(q, k, { transposeB: true }).mul(1 / Math.sqrt(hs)); // (B, nh, T, S)
  if (options.mask) att = maskedFill(att, options.mask, MASKED_SCORE);
  const weights = softmax(att, -1);
  const dropped = dropout(weights, options.dropoutP ?? 0, { training: options.training ?? false });
  const output = matmul(dropped, v); // (B, nh, T, hs)
  return { output, weights };
}

/** (B, T, C) → (B, nh, T, hs) */
export function splitHeads(x: Tensor, numHeads: number): Tensor {
  const [b, t, c] = x.shape as [number, number, number];
  // One position (a decoding step) or one head: the transpose keeps the element order, so
  // a reshape gives the same tensor without a copy.
  if (t === 1 || numHeads === 1) return reshape(x, [b, numHeads, t, c / numHeads]);
  return transpose(reshape(x, [b, t, numHeads, c / numHeads]), 1, 2);
}

/** (B, nh, T, hs) → (B, T, C) */
export function mergeHeads(x: Tensor): Tensor {
  const [b, nh, t, hs] = x.shape as [number, number, number, number];
  if (t === 1 || nh === 1) return reshape(x, [b, t, nh * hs]); // as in splitHeads: no copy
  return reshape(transpose(x, 1, 2), [b, t, nh * hs]);
}

export interface MultiHeadAttentionOptions {
  embedDim: number;
  numHeads: number;
  /** Each position sees only itself and earlier ones (decoders). Default false. */
  causal?: boolean;
  /** One (3C, C) projection `qkv` instead of `query`, `key`, `value`. Default false. */
  fusedQkv?: boolean;
  /** Biases on the projections. Default true. */
  bias?: boolean;
  /** Dropout on attention probabilities and on the output. Default 0. */
  dropout?: number;
  /** N(0, initStd²) init for the projections; default PyTorch's Linear init. */
  initStd?: number;
}

export interface MultiHeadAttentionCallOptions {
  /** HF-style (B, T) mask: 1 for tokens, 0 for padding keys. */
  attentionMask?: Tensor | null;
}

/**
 * Self-attention over (B, T, C) with `numHeads` heads of C / numHeads each, as in
 * "Attention is all you need"; `forwardWithWeights` also returns the attention map.
 */
export class MultiHeadAttention extends Module {
  static override readonly typeName: string = 'MultiHeadAttention';
  readonly embedDim: number;
  readonly numHeads: number;
  readonly causal: boolean;
  readonly fusedQkv: boolean;
  readonly dropoutP: number;
  readonly qkv: Linear | null = null;
  readonly query: Linear | null = null;
  readonly key: Linear | null = null;
  readonly value: Linear | null = null;
  readonly out_proj: Linear;
  readonly resid_dropout: Dropout;

  constructor(options: MultiHeadAttentionOptions) {
    super();
    const { embedDim, numHeads } = options;
    if (
      !Number.isInteger(embedDim) ||
      !Number.isInteger(numHeads) ||
      numHeads <= 0 ||
      embedDim % numHeads !== 0
    ) {
      throw new NnError(
        `MultiHeadAttention: embedDim (${embedDim}) must be a positive multiple of numHeads (${numHeads})`,
      );
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.causal = options.causal ?? false;
    this.fusedQkv = options.fusedQkv ?? false;
    this.dropoutP = options.dropout ?? 0;
    const linearOptions = {
      bias: options.bias ?? true,
      ...(options.initStd === undefined ? {} : { initStd: options.initStd }),
    };
    if (this.fusedQkv) this.qkv = this.addModule('qkv', new Linear(embedDim, 3 * embedDim, linearOptions));
    else {
      this.query = this.addModule('query', new Linear(embedDim, embedDim, linearOptions));
      this.key = this.addModule('key', new Linear(embedDim, embedDim, linearOptions));
      this.value = this.addModule('value', new Linear(embedDim, embedDim, linearOptions));
    }
    this.out_proj = this.addModule('out_proj', new Linear(embedDim, embedDim, linearOptions));
    this.resid_dropout = this.addModule('resid_dropout', new Dropout(this.dropoutP));
  }

  /** (B, T, C) → (B, T, C) */
  forward(x: Tensor, options: MultiHeadAttentionCallOptions = {}): Tensor {
    return this.#attend(x, options, false).output;
  }

  /** (B, T, C) → output (B, T, C) and attention weights (B, nh, T, T). */
  forwardWithWeights(
    x: Tensor,
    options: MultiHeadAttentionCallOptions = {},
  ): { output: Tensor; weights: Tensor } {
    const { output, weights } = this.#attend(x, options, true);
    return { output, weights: weights! };
  }

  #attend(
    x: Tensor,
    options: MultiHeadAttentionCallOptions,
    needWeights: boolean,
  ): { output: Tensor; weights: Tensor | null } {
    if (x.rank !== 3 || x.shape[2] !== this.embedDim) {
      throw new NnError(
        `MultiHeadAttention: input must be (B, T, ${this.embedDim}), got [${x.shape.join(', ')}]`,
      );
    }
    const t = x.shape[1]!;
    let q: Tensor;
    let k: Tensor;
    let v: Tensor;
    if (this.qkv) [q, k, v] = split(this.qkv.forward(x), this.embedDim, 2) as [Tensor, Tensor, Tensor];
    else [q, k, v] = [this.query!.forward(x), this.key!.forward(x), this.value!.forward(x)];
    q = splitHeads(q, this.numHeads); // (B, nh, T, hs)
    k = splitHeads(k, this.numHeads);
    v = splitHeads(v, this.numHeads);
    const mask = combineMasks(
      this.causal ? causalMask(t, { backend: x.backend }) : null,
      options.attentionMask ? paddingMask(options.attentionMask) : null,
    );
    const { output, weights } = scaledDotProductAttention(q, k, v, {
      mask,
      dropoutP: this.dropoutP,
      training: this.training,
      needWeights,
    });
    const y = this.resid_dropout.forward(this.out_proj.forward(mergeHeads(output))); // (B, T, C)
    return { output: y, weights };
  }

  override extraRepr(): string {
    return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}, causal=${this.causal ? 'True' : 'False'}`;
  }
}

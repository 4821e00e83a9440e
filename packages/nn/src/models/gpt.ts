// GPT (decoder-only transformer) as Hugging Face's GPT2LMHeadModel: pre-LN blocks with
// causal self-attention, learned positions, a tied LM head, and HF parameter names and
// layouts (Conv1D weights stored (in, out)) so GPT-2 checkpoints load unchanged.
import {
  add,
  arange,
  assign,
  concat,
  crossEntropy,
  isGradEnabled,
  narrow,
  split,
  type Tensor,
  zeros,
} from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { activationModule, type GELU, type ReLU } from '../layers/activations.js';
import {
  causalMask,
  combineMasks,
  mergeHeads,
  paddingMask,
  scaledDotProductAttention,
  splitHeads,
} from '../layers/attention.js';
import { ModuleList } from '../layers/containers.js';
import { Conv1D } from '../layers/conv1d.js';
import { Dropout } from '../layers/dropout.js';
import { Embedding } from '../layers/embedding.js';
import { LayerNorm } from '../layers/layer-norm.js';
import { Linear } from '../layers/linear.js';
import { Module, onMeta } from '../module/module.js';
import { type GPTConfig, type GPTConfigInput, gptConfig } from './gpt-config.js';

/**
 * Cached keys and values of one layer, (B, nh, S, hs) each, for incremental decoding.
 * With `length`, key and value are preallocated buffers of `key.shape[2]` positions
 * (`cacheCapacity`) of which the first `length` hold keys and values and the rest are
 * zeros: the next call writes its positions in place (see GPTForwardOptions).
 */
export interface LayerPast {
  key: Tensor;
  value: Tensor;
  length?: number;
}

interface AttentionCall {
  /** Bool mask broadcastable to (B, nh, T, S), true where attention is not allowed. */
  mask: Tensor | null;
  layerPast?: LayerPast | undefined;
  /** Keep the attention probabilities (default true); false lets the fused attention op run. */
  needWeights?: boolean;
  /**
   * Return this layer's keys and values in buffers of this many positions, appended in
   * place when `layerPast` already is one (0: exact-size tensors, concatenated).
   */
  cacheCapacity?: number;
}

/** Positions cached in a layer's past (its valid length for a preallocated one). */
function pastPositions(past: LayerPast | undefined): number {
  return past ? (past.length ?? past.key.shape[2]!) : 0;
}

/**
 * The layer's cache after this call's keys and values k, v (B, nh, T, hs): written in
 * place into `past`'s buffers when they are `capacity` long (GPT2Model's capacity is
 * never below what is cached), else into new zero-filled buffers of `capacity`
 * positions (the old ones stay valid: the caller frees them), together with
 * the keys and values attention reads (the buffers: positions past the valid ones are
 * masked by GPT2Model).
 */
function appendInPlace(
  past: LayerPast | undefined,
  k: Tensor,
  v: Tensor,
  capacity: number,
): { present: LayerPast; key: Tensor; value: Tensor } {
  if (isGradEnabled() && (k.requiresGrad || v.requiresGrad)) {
    // assign copies values only: gradients would silently stop at the cache.
    throw new NnError(
      'GPT2Model: cacheCapacity (a KV cache appended in place) is for inference: call the model inside noGrad()',
    );
  }
  const length = pastPositions(past);
  const t = k.shape[2]!;
  let key = past?.key;
  let value = past?.value;
  if (!key || !value || past?.length === undefined || key.shape[2] !== capacity) {
    const [b, nh, , hs] = k.shape as [number, number, number, number];
    const grownKey = zeros([b, nh, capacity, hs], { backend: k.backend });
    const grownValue = zeros([b, nh, capacity, hs], { backend: k.backend });
    if (key && value && length > 0) {
      assign(grownKey, length === key.shape[2] ? key : narrow(key, 2, 0, length), { axis: 2, start: 0 });
      assign(grownValue, length === value.shape[2] ? value : narrow(value, 2, 0, length), {
        axis: 2,
        start: 0,
      });
    }
    key = grownKey;
    value = grownValue;
  }
  assign(key, k, { axis: 2, start: length });
  assign(value, v, { axis: 2, start: length });
  return { present: { key, value, length: length + t }, key, value };
}

/** Causal multi-head self-attention with a fused Q/K/V projection (`c_attn`). */
export class GPT2Attention extends Module {
  static override readonly typeName: string = 'GPT2Attention';
  readonly c_attn: Conv1D;
  readonly c_proj: Conv1D;
  readonly attn_dropout: Dropout;
  readonly resid_dropout: Dropout;
  readonly nHead: number;
  readonly nEmbd: number;

  constructor(config: GPTConfig) {
    super();
    const std = config.initializerRange;
    this.nHead = config.nHead;
    this.nEmbd = config.nEmbd;
    this.c_attn = this.addModule(
      'c_attn',
      new Conv1D(3 * config.nEmbd, config.nEmbd, { initStd: std, bias: config.qkvBias }),
    );
    // Residual projections are scaled by 1/√(2·nLayer) (GPT-2 paper, section 2.3).
    this.c_proj = this.addModule(
      'c_proj',
      new Conv1D(config.nEmbd, config.nEmbd, { initStd: std / Math.sqrt(2 * config.nLayer) }),
    );
    this.attn_dropout = this.addModule('attn_dropout', new Dropout(config.attnPdrop));
    this.resid_dropout = this.addModule('resid_dropout', new Dropout(config.residPdrop));
  }

  /** x (B, T, C) → y (B, T, C), this layer's keys/values, and the attention weights (B, nh, T, S). */
  forward(x: Tensor, call: AttentionCall): { output: Tensor; present: LayerPast; weights: Tensor | null } {
    const [q0, k0, v0] = split(this.c_attn.forward(x), this.nEmbd, 2) as [Tensor, Tensor, Tensor]; // (B, T, C) each
    const q = splitHeads(q0, this.nHead); // (B, nh, T, hs)
    let k = splitHeads(k0, this.nHead); // (B, nh, T, hs)
    let v = splitHeads(v0, this.nHead); // (B, nh, T, hs)
    let present: LayerPast;
    const capacity = call.cacheCapacity ?? 0;
    if (capacity > 0 && call.layerPast?.length !== undefined) {
      // Appended in place: attention reads the buffers, (B, nh, capacity, hs), masked past S.
      const cached = appendInPlace(call.layerPast, k, v, capacity);
      ({ present, key: k, value: v } = cached);
    } else {
      const past = call.layerPast;
      if (past) {
        // A preallocated past read without appending in place: its valid positions only.
        const valid = (x: Tensor) =>
          past.length !== undefined && past.length < x.shape[2]! ? narrow(x, 2, 0, past.length) : x;
        k = concat([valid(past.key), k], 2); // (B, nh, S, hs), S = past + T
        v = concat([valid(past.value), v], 2);
      }
      // A first call asked for buffers: attention reads the exact keys, the cache keeps room.
      present = capacity > 0 ? appendInPlace(undefined, k, v, capacity).present : { key: k, value: v };
    }
    const { output, weights } = scaledDotProductAttention(q, k, v, {
      mask: call.mask,
      dropoutP: this.attn_dropout.p,
      training: this.training,
      needWeights: call.needWeights ?? true,
    }); // (B, nh, T, hs)
    const y = this.resid_dropout.forward(this.c_proj.forward(mergeHeads(output))); // (B, T, C)
    return { output: y, present, weights };
  }
}

/** The feed-forward half of a block: C → 4C → C with GELU (tanh approximation). */
export class GPT2MLP extends Module {
  static override readonly typeName: string = 'GPT2MLP';
  readonly c_fc: Conv1D;
  readonly c_proj: Conv1D;
  readonly act: GELU | ReLU;
  readonly dropout: Dropout;

  constructor(config: GPTConfig) {
    super();
    const inner = config.nInner ?? 4 * config.nEmbd;
    const std = config.initializerRange;
    this.c_fc = this.addModule('c_fc', new Conv1D(inner, config.nEmbd, { initStd: std }));
    this.c_proj = this.addModule(
      'c_proj',
      new Conv1D(config.nEmbd, inner, { initStd: std / Math.sqrt(2 * config.nLayer) }),
    );
    this.act = this.addModule('act', activationModule(config.activation) as GELU | ReLU);
    this.dropout = this.addModule('dropout', new Dropout(config.residPdrop));
  }

  /** (B, T, C) → (B, T, C) */
  forward(x: Tensor): Tensor {
    const h = this.act.forward(this.c_fc.forward(x)); // (B, T, 4C)
    return this.dropout.forward(this.c_proj.forward(h)); // (B, T, C)
  }
}

/** Pre-LN transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class GPT2Block extends Module {
  static override readonly typeName: string = 'GPT2Block';
  readonly ln_1: LayerNorm;
  readonly attn: GPT2Attention;
  readonly ln_2: LayerNorm;
  readonly mlp: GPT2MLP;

  constructor(config: GPTConfig) {
    super();
    this.ln_1 = this.addModule('ln_1', new LayerNorm(config.nEmbd, { eps: config.layerNormEpsilon }));
    this.attn = this.addModule('attn', new GPT2Attention(config));
    this.ln_2 = this.addModule('ln_2', new LayerNorm(config.nEmbd, { eps: config.layerNormEpsilon }));
    this.mlp = this.addModule('mlp', new GPT2MLP(config));
  }

  /** (B, T, C) → (B, T, C) */
  forward(x: Tensor, call: AttentionCall): { hidden: Tensor; present: LayerPast; weights: Tensor | null } {
    const attn = this.attn.forward(this.ln_1.forward(x), call);
    const h = add(x, attn.output); // (B, T, C)
    const hidden = add(h, this.mlp.forward(this.ln_2.forward(h))); // (B, T, C)
    return { hidden, present: attn.present, weights: attn.weights };
  }
}

export interface GPTForwardOptions {
  /** HF-style (B, S) mask over past + current tokens: 1 to attend, 0 for padding. */
  attentionMask?: Tensor | null;
  /**
   * (B, T) or (T) i32 positions of `ids`; default past, past + 1, … for every row. A
   * left-padded row starts its real tokens at 0, as transformers derives them from the
   * attention mask (`cumsum(mask) − 1`).
   */
  positionIds?: Tensor | null;
  /** Keys and values of earlier tokens (from a previous call's `pastKeyValues`). */
  pastKeyValues?: readonly LayerPast[] | null;
  /** Return every layer's keys and values for the next incremental call. */
  useCache?: boolean;
  /**
   * With `useCache`: keep the returned keys and values in zero-filled buffers of this
   * many positions (at least past + new, rounded up to a multiple of 8, at most
   * blockSize), which a later call given them as `pastKeyValues` appends to in place
   * instead of copying the whole cache each step (full buffers are regrown, doubling).
   * Such a past is consumed: after the call it holds the new positions too, so do not
   * pass it again. Default 0: exact-size keys and values, a fresh copy per call.
   */
  cacheCapacity?: number;
  /**
   * Return every layer's attention probabilities (B, nh, T, S), after masking and softmax
   * and before attention dropout. Without it no weights are kept.
   */
  outputAttentions?: boolean;
  /**
   * Return nLayer + 1 hidden states (B, T, C), as transformers: the embeddings' output,
   * each block's output, the last one after ln_f (it is `lastHiddenState`).
   */
  outputHiddenStates?: boolean;
}

export interface GPTModelOutput {
  /** (B, T, C) after the final LayerNorm. */
  lastHiddenState: Tensor;
  pastKeyValues: LayerPast[] | null;
  attentions: Tensor[] | null;
  hiddenStates: Tensor[] | null;
}

/** The transformer trunk: token + position embeddings, `h` blocks, final LayerNorm. */
export class GPT2Model extends Module {
  static override readonly typeName: string = 'GPT2Model';
  readonly config: GPTConfig;
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly drop: Dropout;
  readonly h: ModuleList<GPT2Block>;
  readonly ln_f: LayerNorm;

  constructor(config: GPTConfigInput) {
    super();
    const c = gptConfig(config);
    this.config = c;
    this.wte = this.addModule('wte', new Embedding(c.vocabSize, c.nEmbd, { initStd: c.initializerRange }));
    this.wpe = this.addModule('wpe', new Embedding(c.blockSize, c.nEmbd, { initStd: c.initializerRange }));
    this.drop = this.addModule('drop', new Dropout(c.embdPdrop));
    this.h = this.addModule('h', new ModuleList(Array.from({ length: c.nLayer }, () => new GPT2Block(c))));
    this.ln_f = this.addModule('ln_f', new LayerNorm(c.nEmbd, { eps: c.layerNormEpsilon }));
  }

  /** ids (B, T) i32 → hidden states (B, T, C). */
  forward(ids: Tensor, options: GPTForwardOptions = {}): GPTModelOutput {
    if (ids.rank !== 2 || ids.dtype !== 'i32') {
      throw new NnError(
        `GPT2Model: input ids must be an i32 (batch, seq) tensor, got ${ids.dtype} [${ids.shape.join(', ')}]`,
      );
    }
    const [b, t] = ids.shape as [number, number];
    const past = options.pastKeyValues ?? null;
    if (past && past.length !== this.h.length) {
      throw new NnError(`GPT2Model: pastKeyValues has ${past.length} layers, the model has ${this.h.length}`);
    }
    const pastLength = pastPositions(past?.[0]);
    if (pastLength + t > this.config.blockSize) {
      throw new NnError(
        `GPT2Model: ${pastLength + t} positions (past ${pastLength} + ${t} new) exceed blockSize ${this.config.blockSize}`,
      );
    }
    checkShape('attentionMask', options.attentionMask, [b, pastLength + t]);
    checkShape('positionIds', options.positionIds, [b, t]);
    const capacity = options.useCache
      ? cacheCapacityOf(options.cacheCapacity, past?.[0], pastLength + t, this.config.blockSize)
      : 0;
    const pos = options.positionIds ?? arange(pastLength, pastLength + t, 1, { backend: ids.backend }); // (B, T) or (T)
    let x = this.drop.forward(add(this.wte.forward(ids), this.wpe.forward(pos))); // (B, T, C)
    // Attention reads a preallocated past's whole buffers: positions past S are masked too.
    const keys = capacity > 0 && past?.[0]?.length !== undefined ? capacity : pastLength + t;
    const mask =
      keys > pastLength + t
        ? bufferMask(b, t, pastLength, keys, options.attentionMask ?? null, ids)
        : combineMasks(
            // One new token after its past sees every key: the causal mask would be all false.
            t > 1 ? causalMask(t, { pastLength, backend: ids.backend }) : null, // (1, 1, T, S)
            options.attentionMask ? paddingMask(options.attentionMask) : null, // (B, 1, 1, S)
          );
    const presents: LayerPast[] | null = options.useCache ? [] : null;
    const attentions: Tensor[] | null = options.outputAttentions ? [] : null;
    const hiddenStates: Tensor[] | null = options.outputHiddenStates ? [] : null;
    let layer = 0;
    for (const block of this.h) {
      hiddenStates?.push(x);
      const out = block.forward(x, {
        mask,
        layerPast: past?.[layer],
        needWeights: attentions !== null,
        cacheCapacity: capacity,
      });
      x = out.hidden;
      presents?.push(out.present);
      // Over a preallocated cache's buffers: the valid keys only, (B, nh, T, S) as always.
      const s = pastLength + t;
      if (out.weights) attentions?.push(keys > s ? narrow(out.weights, 3, 0, s) : out.weights);
      layer++;
    }
    const lastHiddenState = this.ln_f.forward(x); // (B, T, C)
    hiddenStates?.push(lastHiddenState);
    return { lastHiddenState, pastKeyValues: presents, attentions, hiddenStates };
  }
}

/** Throws when an optional (B, …) input does not have the shape the ids imply. */
function checkShape(name: string, value: Tensor | null | undefined, expected: readonly number[]): void {
  if (!value) return;
  const ok =
    (value.rank === expected.length && value.shape.every((n, i) => n === expected[i])) ||
    // Position ids may be one row (T) shared by the whole batch.
    (name === 'positionIds' && value.rank === 1 && value.shape[0] === expected[1]);
  if (!ok) {
    throw new NnError(
      `GPT2Model: ${name} must be [${expected.join(', ')}] (batch, ${name === 'attentionMask' ? 'past + new tokens' : 'new tokens'}), got [${value.shape.join(', ')}]`,
    );
  }
}

/**
 * Positions of the cache buffers this call returns: 0 without `cacheCapacity` and
 * without a preallocated past; else what was asked (or the past's buffers), at least
 * the positions now cached, doubled when full, rounded up to a multiple of 8, never
 * past blockSize.
 */
function cacheCapacityOf(
  asked: number | undefined,
  past: LayerPast | undefined,
  needed: number,
  blockSize: number,
): number {
  if (asked !== undefined && !(Number.isInteger(asked) && asked >= 0)) {
    throw new NnError(`GPT2Model: cacheCapacity must be a whole number ≥ 0, got ${asked}`);
  }
  const held = past?.length !== undefined ? past.key.shape[2]! : 0;
  const wanted = Math.max(asked ?? 0, held);
  if (wanted === 0) return 0;
  const grown = wanted >= needed ? wanted : Math.max(needed, 2 * wanted);
  // Whole multiples of 8 positions: attention's products over them then take vec4 kernels.
  return Math.min(blockSize, Math.ceil(grown / 8) * 8);
}

/**
 * The mask over a preallocated cache's `keys` positions: each query i (at pastLength + i)
 * sees keys up to its own position, never the buffers' unused tail, and not the padding
 * of `attentionMask` (B, S). (B or 1, 1, T, keys) bool, true where not allowed. Without
 * padding it is a causal mask only, which the attention op takes as causal + pastLength:
 * no bias is built or read in any layer. With padding, one new token needs the padding
 * (tail included) only, which every layer reads as one shared bias.
 */
function bufferMask(
  b: number,
  t: number,
  pastLength: number,
  keys: number,
  attentionMask: Tensor | null,
  ids: Tensor,
): Tensor {
  if (!attentionMask) return causalMask(t, { pastLength, keys, backend: ids.backend }); // (1, 1, T, keys)
  const s = pastLength + t;
  const padded = concat(
    [attentionMask.cast('i32'), zeros([b, keys - s], { dtype: 'i32', backend: ids.backend })],
    1,
  );
  const padding = paddingMask(padded); // (B, 1, 1, keys)
  if (t === 1) return padding;
  return combineMasks(causalMask(t, { pastLength, keys, backend: ids.backend }), padding)!;
}

export interface GPTLMForwardOptions extends GPTForwardOptions {
  /** (B, T) i32 next-token targets (already shifted, as nanoGPT); adds `loss`. */
  targets?: Tensor | null;
  /** Target id that does not count in the loss (default −100, as PyTorch). */
  ignoreIndex?: number;
  /**
   * Compute logits for the last n positions only (transformers' `logits_to_keep`): 1 when
   * generating, where the LM head over every prompt position is wasted work. 0 (the
   * default) keeps all.
   */
  logitsToKeep?: number;
}

export interface GPTLMOutput {
  /** (B, T, vocab), or (B, min(n, T), vocab) for `logitsToKeep: n`. */
  logits: Tensor;
  /** Mean cross-entropy over counted targets, when `targets` were given. */
  loss: Tensor | null;
  pastKeyValues: LayerPast[] | null;
  attentions: Tensor[] | null;
  hiddenStates: Tensor[] | null;
}

/** GPT with a language-modelling head (`lm_head`, tied to `transformer.wte` by default). */
export class GPT2LMHeadModel extends Module {
  static override readonly typeName: string = 'GPT2LMHeadModel';
  readonly config: GPTConfig;
  readonly transformer: GPT2Model;
  readonly lm_head: Linear;

  constructor(config: GPTConfigInput) {
    super();
    const c = gptConfig(config);
    this.config = c;
    this.transformer = this.addModule('transformer', new GPT2Model(c));
    const head = () => new Linear(c.nEmbd, c.vocabSize, { bias: false, initStd: c.initializerRange });
    // A tied head is built shape-only and then shares wte's weight: no throwaway init.
    this.lm_head = this.addModule('lm_head', c.tieWordEmbeddings ? onMeta(head) : head());
    if (c.tieWordEmbeddings) this.lm_head.tieParameter('weight', this.transformer.wte);
  }

  /** ids (B, T) i32 → logits (B, T, vocab), and the loss when targets are given. */
  forward(ids: Tensor, options: GPTLMForwardOptions = {}): GPTLMOutput {
    const keep = options.logitsToKeep ?? 0;
    if (!Number.isInteger(keep) || keep < 0) {
      throw new NnError(
        `GPT2LMHeadModel: logitsToKeep must be a whole number ≥ 0 (0 keeps all), got ${keep}`,
      );
    }
    if (keep > 0 && options.targets) {
      throw new NnError('GPT2LMHeadModel: logitsToKeep and targets together: the loss needs every position');
    }
    const out = this.transformer.forward(ids, options);
    let hidden = out.lastHiddenState; // (B, T, C)
    const t = hidden.shape[1]!;
    if (keep > 0 && keep < t) hidden = narrow(hidden, 1, t - keep, keep); // (B, keep, C)
    const logits = this.lm_head.forward(hidden); // (B, T or keep, vocab)
    let loss: Tensor | null = null;
    if (options.targets) {
      loss = crossEntropy(logits, options.targets, { ignoreIndex: options.ignoreIndex ?? -100 });
    }
    return {
      logits,
      loss,
      pastKeyValues: out.pastKeyValues,
      attentions: out.attentions,
      hiddenStates: out.hiddenStates,
    };
  }
}

/** How a sequence classifier turns (B, T, C) hidden states into one (B, C) vector per row. */
export type GPTPooling = 'last' | 'mean';

/** What GPT2ForSequenceClassification adds to a GPT config (transformers' GPT2Config fields). */
export interface GPTClassifierFields {
  /** Classes (transformers' `num_labels`, the length of `id2label`). */
  numLabels: number;
  /** Name of each class index (`id2label`); default `LABEL_i`. */
  id2label: string[];
  /** The padding id (`pad_token_id`): rows are pooled at their last token that is not it. */
  padTokenId: number | null;
  /**
   * 'last' (transformers: the hidden state of each row's last non-padding token) or
   * 'mean' (tensorlm's option: the mean over non-padding tokens; transformers ignores it).
   */
  pooling: GPTPooling;
}

export type GPTClassifierConfig = GPTConfig & GPTClassifierFields;
export type GPTClassifierConfigInput = GPTConfigInput & Partial<GPTClassifierFields>;

/** A validated classifier config; errors name the field. */
export function gptClassifierConfig(input: GPTClassifierConfigInput): GPTClassifierConfig {
  const { numLabels, id2label, padTokenId = null, pooling = 'last', ...gpt } = input;
  const base = gptConfig(gpt);
  const labels = id2label ?? Array.from({ length: numLabels ?? 2 }, (_, i) => `LABEL_${i}`);
  const count = numLabels ?? labels.length;
  const fail = (message: string) => new NnError(`GPT2ForSequenceClassification config: ${message}`);
  if (!Number.isInteger(count) || count < 1) throw fail(`numLabels must be a whole number ≥ 1, got ${count}`);
  if (labels.length !== count || labels.some((l) => typeof l !== 'string' || l === ''))
    throw fail(`id2label must name each of the ${count} labels, got ${JSON.stringify(labels)}`);
  if (
    padTokenId !== null &&
    !(Number.isInteger(padTokenId) && padTokenId >= 0 && padTokenId < base.vocabSize)
  )
    throw fail(`padTokenId must be a token id below vocabSize ${base.vocabSize}, got ${padTokenId}`);
  if (pooling !== 'last' && pooling !== 'mean')
    throw fail(`pooling must be 'last' or 'mean', got '${pooling}'`);
  return { ...base, numLabels: count, id2label: labels, padTokenId, pooling };
}

export interface GPTClassificationOptions extends GPTForwardOptions {
  /** (B) i32 class ids; adds the mean cross-entropy `loss`. */
  labels?: Tensor | null;
}

export interface GPTClassificationOutput {
  /** (B, numLabels) */
  logits: Tensor;
  loss: Tensor | null;
  /** (B, C): the pooled hidden state each row's logits come from. */
  pooled: Tensor;
  attentions: Tensor[] | null;
  hiddenStates: Tensor[] | null;
}

/**
 * (B, T) with 1 at every token that counts (from the attention mask, else ids ≠ padTokenId,
 * else every token), as f32.
 */
function tokenMask(ids: Tensor, attentionMask: Tensor | null | undefined, padTokenId: number | null): Tensor {
  if (attentionMask) return attentionMask.cast('f32');
  if (padTokenId !== null) return ids.notEqual(padTokenId).cast('f32');
  return ids.notEqual(-1).cast('f32');
}

/**
 * The hidden state of each row's last counted token (transformers' rule: the rightmost
 * token that is not padding; a row of padding only is pooled at position 0) or the mean
 * over its counted tokens. hidden (B, T, C), mask (B, T) f32 → (B, C).
 */
export function poolHidden(hidden: Tensor, mask: Tensor, pooling: GPTPooling): Tensor {
  const [b, t, c] = hidden.shape as [number, number, number];
  if (pooling === 'mean') {
    const counts = mask.sum(1, { keepDims: true }).maximum(1); // (B, 1)
    const summed = hidden.mul(mask.reshape([b, t, 1])).sum(1); // (B, C)
    return summed.div(counts); // (B, C)
  }
  const positions = arange(0, t, 1, { backend: hidden.backend }).cast('f32'); // (T)
  const last = mask.mul(positions).argmax(1).cast('i32'); // (B)
  const index = last.reshape([b, 1, 1]).expand([b, 1, c]); // (B, 1, C)
  return hidden.gather(1, index).reshape([b, c]); // (B, C)
}

/**
 * GPT with a sequence-classification head, as transformers' GPT2ForSequenceClassification:
 * the trunk (`transformer`), then `score`, a Linear without bias, on each row's pooled
 * hidden state; cross-entropy against `labels`.
 */
export class GPT2ForSequenceClassification extends Module {
  static override readonly typeName: string = 'GPT2ForSequenceClassification';
  readonly config: GPTClassifierConfig;
  readonly transformer: GPT2Model;
  readonly score: Linear;

  constructor(config: GPTClassifierConfigInput) {
    super();
    const c = gptClassifierConfig(config);
    this.config = c;
    const { numLabels: _n, id2label: _l, padTokenId: _p, pooling: _k, ...trunk } = c;
    this.transformer = this.addModule('transformer', new GPT2Model(trunk));
    this.score = this.addModule(
      'score',
      new Linear(c.nEmbd, c.numLabels, { bias: false, initStd: c.initializerRange }),
    );
  }

  /** ids (B, T) i32 → logits (B, numLabels), and the loss when labels are given. */
  forward(ids: Tensor, options: GPTClassificationOptions = {}): GPTClassificationOutput {
    const out = this.transformer.forward(ids, options);
    const mask = tokenMask(ids, options.attentionMask, this.config.padTokenId); // (B, T)
    const pooled = poolHidden(out.lastHiddenState, mask, this.config.pooling); // (B, C)
    const logits = this.score.forward(pooled); // (B, numLabels)
    const loss = options.labels ? crossEntropy(logits, options.labels) : null;
    return { logits, loss, pooled, attentions: out.attentions, hiddenStates: out.hiddenStates };
  }
}

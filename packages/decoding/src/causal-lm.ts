// The model side of decoding: a small CausalLM interface any autoregressive model can
// implement (logits for the given positions, an optional cache in and out), and an
// adapter that makes nn's GPT2LMHeadModel one. The adapter only renames: nn's forward
// takes the cache, the attention mask, position ids (a left-padded prompt starts at
// position 0) and `logitsToKeep` itself.
import { GPT2LMHeadModel, type LayerPast, LSTMLanguageModel } from '@tensorlm/nn';
import { type Backend, disposeTensors, forEachTensor, type Tensor } from '@tensorlm/tensor-core';
import { DecodingError } from './errors.js';
import { LSTMCausalLM } from './lstm-adapter.js';

export interface CausalLMForwardOptions<Past = unknown> {
  /** The cache a previous call returned; `ids` are then the tokens after it. */
  past?: Past | null;
  /** Return a cache covering past + `ids` for the next call. */
  useCache?: boolean;
  /** (B, past + T) i32, 1 for tokens and 0 for padding (Hugging Face's attention_mask). */
  attentionMask?: Tensor | null;
  /** (B, T) i32 positions of `ids`; default past, past + 1, … for every row. */
  positionIds?: Tensor | null;
  /** Only the last position's logits are needed: a model may return (B, 1, V). */
  lastOnly?: boolean;
  /**
   * With `useCache`: the positions the cache will grow to, so a model may keep it in
   * buffers of that size and append each step in place. The past given back is then
   * consumed (it may share buffers with the new one; `disposeReplacedPast` frees only
   * what the new one does not hold).
   */
  cacheCapacity?: number;
}

export interface CausalLMOutput<Past = unknown> {
  /** (B, T, V), or (B, 1, V) for the last position when `lastOnly` was set. */
  logits: Tensor;
  /** The cache after this call, or null (no cache asked for, or the model has none). */
  past: Past | null;
}

/**
 * What `generate` needs from a model. `forward` takes i32 ids (B, T) and is called under
 * `noGrad`. A model without a cache returns `past: null` and is recomputed over the whole
 * window each step; one that ignores `attentionMask` / `positionIds` still works for
 * prompts of equal length. A cache is kept and freed by `generate` through tensor-core's
 * `forEachTensor` (arrays, Maps, objects and class instances holding tensors); give
 * `disposePast` when freeing it takes more than disposing those tensors.
 */
export interface CausalLM<Past = unknown> {
  /** Logits per position: the size of the last axis of `logits`. */
  readonly vocabSize: number;
  /** The longest window the model accepts (learned positions); longer contexts are cropped. */
  readonly blockSize: number;
  /** The backend of the weights; inputs are created there (default: the current backend). */
  readonly backend?: Backend;
  forward(ids: Tensor, options?: CausalLMForwardOptions<Past>): CausalLMOutput<Past>;
  disposePast?(past: Past): void;
}

/** Frees a cache: the model's `disposePast` if it has one, else every tensor inside. */
export function disposePast<Past>(model: CausalLM<Past>, past: Past | null): void {
  if (past === null || past === undefined) return;
  if (model.disposePast) model.disposePast(past);
  else disposeTensors(past);
}

/**
 * Frees the cache a step replaced: every tensor of `old` that `next` does not hold too
 * (a cache appended in place keeps its buffers). A model's own `disposePast` frees `old`
 * whole, unless it is `next` itself.
 */
export function disposeReplacedPast<Past>(model: CausalLM<Past>, old: Past | null, next: Past | null): void {
  if (old === null || old === undefined || old === next) return;
  if (model.disposePast) {
    model.disposePast(old);
    return;
  }
  const kept = new Set<Tensor>();
  forEachTensor(next, (t) => kept.add(t));
  forEachTensor(old, (t) => {
    if (!kept.has(t)) t.dispose();
  });
}

/** nn's GPT2LMHeadModel as a CausalLM (dropout off while it runs). */
export class GPT2CausalLM implements CausalLM<LayerPast[]> {
  readonly model: GPT2LMHeadModel;

  constructor(model: GPT2LMHeadModel) {
    this.model = model;
  }

  get vocabSize(): number {
    return this.model.config.vocabSize;
  }

  get blockSize(): number {
    return this.model.config.blockSize;
  }

  /** Where the weights live: inputs are created there. */
  get backend(): Backend {
    return this.model.transformer.wte.weight.backend;
  }

  forward(ids: Tensor, options: CausalLMForwardOptions<LayerPast[]> = {}): CausalLMOutput<LayerPast[]> {
    // Dropout must be off while generating, whatever mode the model was left in.
    const training = this.model.training;
    if (training) this.model.eval();
    try {
      return this.#forward(ids, options);
    } finally {
      if (training) this.model.train();
    }
  }

  #forward(ids: Tensor, options: CausalLMForwardOptions<LayerPast[]>): CausalLMOutput<LayerPast[]> {
    const out = this.model.forward(ids, {
      pastKeyValues: options.past ?? null,
      useCache: options.useCache ?? false,
      cacheCapacity: options.useCache ? (options.cacheCapacity ?? 0) : 0,
      attentionMask: options.attentionMask ?? null,
      positionIds: options.positionIds ?? null,
      logitsToKeep: options.lastOnly ? 1 : 0,
    });
    return { logits: out.logits, past: out.pastKeyValues };
  }
}

/** A CausalLM as is, or nn's GPT2LMHeadModel / LSTMLanguageModel wrapped in its adapter. */
export function asCausalLM(model: CausalLM | GPT2LMHeadModel | LSTMLanguageModel): CausalLM {
  if (model instanceof LSTMLanguageModel) return new LSTMCausalLM(model);
  // instanceof, or its shape (a second copy of @tensorlm/nn in node_modules fails instanceof).
  const gpt = model as Partial<GPT2LMHeadModel>;
  const gptLike = gpt.transformer !== undefined && gpt.lm_head !== undefined && gpt.config?.vocabSize;
  if (model instanceof GPT2LMHeadModel || gptLike) return new GPT2CausalLM(model as GPT2LMHeadModel);
  const m = model as Partial<CausalLM>;
  if (typeof m.forward !== 'function' || !Number.isInteger(m.vocabSize) || !Number.isInteger(m.blockSize)) {
    throw new DecodingError(
      'model must be a CausalLM ({ vocabSize, blockSize, forward(ids, options) → { logits, past } }) or a GPT2LMHeadModel',
      ['model'],
    );
  }
  return model as CausalLM;
}

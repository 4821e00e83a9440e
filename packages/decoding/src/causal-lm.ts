// The model side of decoding: a small CausalLM interface any autoregressive model can
// implement (logits for the given positions, an optional cache in and out), and an
// adapter that makes nn's GPT2LMHeadModel one. The adapter runs the GPT trunk itself,
// from the model's own modules, because batched generation needs two things
// GPT2LMHeadModel.forward does not offer: position ids (a left-padded prompt must start
// at position 0, as Hugging Face derives them from the attention mask) and logits for
// the last position only (the LM head over every prompt position is wasted work).
import { causalMask, combineMasks, GPT2LMHeadModel, type LayerPast, paddingMask } from '@tensorlm/nn';
import {
  add,
  arange,
  type Backend,
  disposeTensors,
  logicalAnd,
  narrow,
  type Tensor,
  tensor,
} from '@tensorlm/tensor-core';
import { DecodingError } from './errors.js';

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
 * (1, 1, T, S) bool, false where query i meets its own key (S = past + T): lets a padding
 * position attend to itself. Otherwise a left-padding query has every key masked, a
 * softmax row made only of nn's MASKED_SCORE, which the WebGPU backend turns into NaN
 * that then reaches real tokens through 0 · NaN. Real tokens never see padding keys
 * either way, so their outputs do not change.
 */
function notSelf(t: number, pastLength: number, backend: Backend): Tensor {
  const keys = pastLength + t;
  const allowed = new Uint8Array(t * keys).fill(1);
  for (let i = 0; i < t; i++) allowed[i * keys + pastLength + i] = 0;
  return tensor(allowed, [1, 1, t, keys], { dtype: 'bool', backend });
}

/** nn's GPT2LMHeadModel as a CausalLM, with position ids and last-position logits. */
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
    const { transformer, lm_head } = this.model;
    if (ids.rank !== 2 || ids.dtype !== 'i32') {
      throw new DecodingError(
        `GPT2CausalLM: ids must be an i32 (batch, seq) tensor, got ${ids.dtype} [${ids.shape.join(', ')}]`,
      );
    }
    const t = ids.shape[1]!;
    const past = options.past ?? null;
    if (past && past.length !== transformer.h.length) {
      throw new DecodingError(
        `GPT2CausalLM: past has ${past.length} layers, the model has ${transformer.h.length}`,
      );
    }
    const pastLength = past?.[0]?.key.shape[2] ?? 0;
    if (pastLength + t > this.blockSize) {
      throw new DecodingError(
        `GPT2CausalLM: ${pastLength + t} positions (past ${pastLength} + ${t} new) exceed blockSize ${this.blockSize}`,
      );
    }
    const positions = options.positionIds ?? arange(pastLength, pastLength + t, 1, { backend: ids.backend }); // (B, T) or (T)
    let x = transformer.drop.forward(add(transformer.wte.forward(ids), transformer.wpe.forward(positions))); // (B, T, C)
    let mask: Tensor | null = null; // one new position without padding sees every key: no mask at all
    if (options.attentionMask) {
      const masked = combineMasks(
        causalMask(t, { pastLength, backend: ids.backend }),
        paddingMask(options.attentionMask),
      );
      mask = logicalAnd(masked!, notSelf(t, pastLength, ids.backend)); // (B, 1, T, S)
    } else if (t > 1) mask = causalMask(t, { pastLength, backend: ids.backend }); // (1, 1, T, S)
    const presents: LayerPast[] = [];
    let layer = 0;
    for (const block of transformer.h) {
      const out = block.forward(x, { mask, layerPast: past?.[layer] });
      x = out.hidden;
      presents.push(out.present);
      layer++;
    }
    if (options.lastOnly && t > 1) x = narrow(x, 1, t - 1, 1); // (B, 1, C)
    const logits = lm_head.forward(transformer.ln_f.forward(x)); // (B, T or 1, V)
    return { logits, past: options.useCache ? presents : null };
  }
}

/** A CausalLM as is, or nn's GPT2LMHeadModel wrapped in a GPT2CausalLM. */
export function asCausalLM(model: CausalLM | GPT2LMHeadModel): CausalLM {
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

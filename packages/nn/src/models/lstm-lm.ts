// A next-word LSTM language model as PyTorch's word_language_model example (RNNModel):
// `encoder` (Embedding) → dropout → `rnn` (a stacked nn.LSTM, PyTorch's names) → dropout
// → `decoder` (Linear head), the head optionally tied to the embedding. Its forward takes
// and returns the (h, c) state, which is what a causal-LM decoder carries instead of a
// KV cache. The config maps to a config.json with a tensorlm-specific `model_type`
// (Hugging Face has no LSTM LM), so checkpoints are ordinary model folders.
import { narrow, type Tensor } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { parseConfig } from '../config.js';
import { NnError } from '../errors.js';
import { Dropout } from '../layers/dropout.js';
import { Embedding } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { LSTM, type LSTMState } from '../layers/lstm.js';
import { Module } from '../module/module.js';

/** config.json's `model_type` of an LSTM LM (not a transformers type). */
export const LSTM_LM_MODEL_TYPE = 'tensorlm-lstm';

const probability = z.number().min(0).lt(1);

export const lstmLmConfigSchema = z
  .object({
    vocabSize: z.number().int().positive(),
    /** Width of the word embeddings (PyTorch example's `ninp`). */
    embeddingSize: z.number().int().positive(),
    /** LSTM state width (`nhid`). */
    hiddenSize: z.number().int().positive(),
    numLayers: z.number().int().positive().default(1),
    /** Dropout on the embeddings, between LSTM layers and before the head (training only). */
    dropout: probability.default(0),
    /** The head shares the embedding matrix (needs embeddingSize = hiddenSize). */
    tieWordEmbeddings: z.boolean().default(false),
    /**
     * The longest context `generate` keeps (an LSTM has no positional limit; this only
     * bounds the window it recomputes when no state is carried).
     */
    maxLength: z.number().int().positive().default(1_048_576),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.tieWordEmbeddings && c.embeddingSize !== c.hiddenSize)
      ctx.addIssue({
        code: 'custom',
        path: ['tieWordEmbeddings'],
        message: `a tied head needs embeddingSize = hiddenSize (got ${c.embeddingSize} and ${c.hiddenSize})`,
      });
  });

export type LSTMLMConfig = z.output<typeof lstmLmConfigSchema>;
export type LSTMLMConfigInput = z.input<typeof lstmLmConfigSchema>;

export function lstmLmConfig(input: LSTMLMConfigInput): LSTMLMConfig {
  return parseConfig(lstmLmConfigSchema, input, 'LSTM LM config');
}

export interface LSTMLMForwardOptions {
  /** The state a previous call returned; `ids` continue from it. */
  state?: LSTMState | null;
  /** (B, T) 0/1: padding steps leave a row's state unchanged (left-padded prompts). */
  attentionMask?: Tensor | null;
  /** Only the last `logitsToKeep` positions get logits (0: all). */
  logitsToKeep?: number;
}

export interface LSTMLMOutput {
  /** (B, T or logitsToKeep, V) */
  logits: Tensor;
  /** (h, c) after the last step, each (numLayers, B, H). */
  state: LSTMState;
  /** (B, T, H): the last LSTM layer's output at every step (before the head's dropout). */
  lastHiddenState: Tensor;
}

export class LSTMLanguageModel extends Module {
  static override readonly typeName: string = 'LSTMLanguageModel';
  readonly config: LSTMLMConfig;
  readonly encoder: Embedding;
  readonly drop: Dropout;
  readonly rnn: LSTM;
  readonly decoder: Linear;

  constructor(config: LSTMLMConfigInput) {
    super();
    const c = lstmLmConfig(config);
    this.config = c;
    // PyTorch's example inits the embedding and head U(±0.1); its LSTM keeps torch's init.
    this.encoder = this.addModule('encoder', new Embedding(c.vocabSize, c.embeddingSize, { initStd: 0.1 }));
    this.drop = this.addModule('drop', new Dropout(c.dropout));
    this.rnn = this.addModule(
      'rnn',
      new LSTM(c.embeddingSize, c.hiddenSize, { numLayers: c.numLayers, dropout: c.dropout }),
    );
    // A tied head keeps its own bias (PyTorch's example ties the weight only).
    this.decoder = this.addModule('decoder', new Linear(c.hiddenSize, c.vocabSize));
    if (c.tieWordEmbeddings) this.decoder.tieParameter('weight', this.encoder);
  }

  /** ids (B, T) i32 → logits (B, T, V) and the state after the last step. */
  forward(ids: Tensor, options: LSTMLMForwardOptions = {}): LSTMLMOutput {
    if (ids.rank !== 2)
      throw new NnError(`LSTMLanguageModel: ids must be (B, T), got [${ids.shape.join(', ')}]`);
    const keep = options.logitsToKeep ?? 0;
    if (!Number.isInteger(keep) || keep < 0)
      throw new NnError(
        `LSTMLanguageModel: logitsToKeep must be a whole number ≥ 0 (0 keeps all), got ${keep}`,
      );
    const t = ids.shape[1]!;
    let mask = options.attentionMask ?? null;
    // A mask over past + new tokens (Hugging Face's convention): the new steps are its tail.
    if (mask && mask.rank === 2 && mask.shape[1]! > t) mask = narrow(mask, 1, mask.shape[1]! - t, t);
    const x = this.drop.forward(this.encoder.forward(ids)); // (B, T, E)
    const out = this.rnn.forward(x, options.state ?? null, { mask });
    let hidden = out.output;
    if (keep > 0 && keep < t) hidden = narrow(hidden, 1, t - keep, keep);
    const logits = this.decoder.forward(this.drop.forward(hidden));
    return { logits, state: { h: out.h, c: out.c }, lastHiddenState: out.output };
  }
}

/** config.json fields (snake case, as transformers names its config attributes). */
export function lstmLmConfigToHF(config: LSTMLMConfig): Record<string, unknown> {
  return {
    architectures: ['LSTMLanguageModel'],
    model_type: LSTM_LM_MODEL_TYPE,
    vocab_size: config.vocabSize,
    embedding_size: config.embeddingSize,
    hidden_size: config.hiddenSize,
    num_layers: config.numLayers,
    dropout: config.dropout,
    tie_word_embeddings: config.tieWordEmbeddings,
    max_length: config.maxLength,
  };
}

const hfSchema = z.looseObject({
  vocab_size: z.number(),
  embedding_size: z.number(),
  hidden_size: z.number(),
  num_layers: z.number().optional(),
  dropout: z.number().optional(),
  tie_word_embeddings: z.boolean().optional(),
  max_length: z.number().optional(),
});

export function lstmLmConfigFromHF(json: unknown): LSTMLMConfig {
  const hf = parseConfig(hfSchema, json, 'LSTM LM config.json');
  return lstmLmConfig({
    vocabSize: hf.vocab_size,
    embeddingSize: hf.embedding_size,
    hiddenSize: hf.hidden_size,
    ...(hf.num_layers === undefined ? {} : { numLayers: hf.num_layers }),
    ...(hf.dropout === undefined ? {} : { dropout: hf.dropout }),
    ...(hf.tie_word_embeddings === undefined ? {} : { tieWordEmbeddings: hf.tie_word_embeddings }),
    ...(hf.max_length === undefined ? {} : { maxLength: hf.max_length }),
  });
}

// feature-extraction: texts → vectors. The encoder's last hidden states per token
// (`pooling: 'none'`, as transformers' pipeline) or one vector per text — the mean over
// real tokens (sentence-transformers' default), the first token ([CLS]) or the last real
// token (for a causal model) — optionally L2-normalised. Texts are batched with right
// padding and an attention mask; pooling only ever reads real tokens, so a text's vector
// does not depend on what it was batched with. Mean pooling may weight each token by its
// id (`tokenWeights`, e.g. SIF's a / (a + p(w)) that search fits on a corpus; not a
// transformers option: without it the output is transformers'). Besides BERT and GPT-2
// (any head), a next-word LSTM (`tensorlm train reviews --arch lstm`) is an encoder too:
// its last LSTM layer's outputs are its hidden states, as the reviews notebook mean-pools
// them.
import { BertModel, LSTMLanguageModel, type Module } from '@tensorlm/nn';
import {
  cast,
  div,
  indexSelect,
  mul,
  noGrad,
  normalize,
  reshape,
  slice,
  sum,
  type Tensor,
  tensor,
  tidy,
  unsqueeze,
} from '@tensorlm/tensor-core';
import { z } from 'zod';
import {
  BasePipeline,
  callable,
  type ResolvedPipelineOptions,
  requireTokenizer,
  unsupportedModel,
} from './base.js';
import {
  asList,
  chunks,
  disposeBatch,
  encodeTexts,
  type PaddedBatch,
  padBatch,
  type TextInput,
} from './encode.js';
import { parseOptions, TaskError } from './errors.js';
import { encoderOf, inEvalMode, maxPositions, modelBackend, type ResolvedModel } from './model-source.js';

export const POOLINGS = ['none', 'mean', 'cls', 'last'] as const;
export type Pooling = (typeof POOLINGS)[number];

export const featureExtractionOptionsSchema = z.strictObject({
  /** 'none' (default): a vector per token; 'mean' | 'cls' | 'last': one vector per text. */
  pooling: z.enum(POOLINGS).default('none'),
  /** Divide each vector by its L2 norm (cosine similarity becomes a dot product). Default false. */
  normalize: z.boolean().default(false),
  /**
   * Mean pooling only: a positive weight per vocabulary id; the vector is the weighted mean
   * of the tokens' states (default: every token alike).
   */
  tokenWeights: z
    .custom<ArrayLike<number>>(
      (v) => v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v),
      'must be a Float32Array (or number[]) with one weight per vocabulary id',
    )
    .optional(),
});
export type FeatureExtractionOptions = z.input<typeof featureExtractionOptionsSchema>;

/** One text: a vector (pooled) or one vector per token (`pooling: 'none'`). */
export type Features = number[] | number[][];

function toRows(data: Float32Array, rows: number, width: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * width, (r + 1) * width)));
}

/** What feature extraction runs: a transformer trunk, or an LSTM LM (whose head is skipped). */
type Encoder = NonNullable<ReturnType<typeof encoderOf>> | LSTMLanguageModel;

function featureEncoder(model: Module): Encoder | null {
  return model instanceof LSTMLanguageModel ? model : encoderOf(model);
}

export class FeatureExtraction extends BasePipeline {
  readonly task = 'feature-extraction' as const;
  private readonly encoder: Encoder;

  constructor(resolved: ResolvedModel, options: ResolvedPipelineOptions) {
    const encoder = featureEncoder(resolved.model);
    if (!encoder)
      throw unsupportedModel(
        'feature-extraction',
        'a BERT, GPT-2 (any head) or LSTM language model',
        resolved,
      );
    super(resolved, options, requireTokenizer(resolved, 'feature-extraction'));
    this.encoder = encoder;
  }

  /** Width of the vectors. */
  get dimension(): number {
    const config = this.encoder.config as { hiddenSize?: number; nEmbd?: number };
    return config.hiddenSize ?? config.nEmbd!;
  }

  /** (B, T, C): the last layer's states; pads never reach a real token (causal or masked). */
  private hiddenStates(batch: PaddedBatch): Tensor {
    const encoder = this.encoder;
    if (encoder instanceof BertModel)
      return encoder.forward(batch.ids, {
        attentionMask: batch.attentionMask,
        tokenTypeIds: batch.tokenTypeIds,
      }).lastHiddenState;
    // The LSTM's head runs on one position only: its logits are not wanted here.
    if (encoder instanceof LSTMLanguageModel)
      return encoder.forward(batch.ids, { attentionMask: batch.attentionMask, logitsToKeep: 1 })
        .lastHiddenState;
    return encoder.forward(batch.ids, { attentionMask: batch.attentionMask }).lastHiddenState;
  }

  /**
   * (B, T) weights of a padded batch's tokens for weighted mean pooling (0 on pads), or
   * null without `tokenWeights`. Refuses another pooling, an id the table lacks and a
   * weight that is not positive and finite.
   */
  private tokenWeightsOf(
    rows: readonly { ids: readonly number[] }[],
    width: number,
    opts: { pooling: Pooling; tokenWeights?: ArrayLike<number> | undefined },
  ): Float32Array | null {
    const table = opts.tokenWeights;
    if (!table) return null;
    if (opts.pooling !== 'mean')
      throw new TaskError('TASK_BAD_OPTIONS', `tokenWeights go with pooling 'mean', not '${opts.pooling}'`);
    const out = new Float32Array(rows.length * width);
    for (const [b, row] of rows.entries())
      for (const [t, id] of row.ids.entries()) {
        const w = table[id];
        if (w === undefined || !(w > 0) || !Number.isFinite(w))
          throw new TaskError(
            'TASK_BAD_OPTIONS',
            `tokenWeights[${id}] is ${w} (the table has ${table.length} entries): each token needs a positive weight`,
          );
        out[b * width + t] = w;
      }
    return out;
  }

  /** Pooled (B, C), or the hidden states (B, T, C) for 'none'. Inside tidy + noGrad. */
  private forward(
    batch: PaddedBatch,
    pooling: Pooling,
    normalized: boolean,
    weights: Float32Array | null = null,
  ): Tensor {
    const backend = batch.ids.backend;
    const hidden = this.hiddenStates(batch); // (B, T, C)
    let pooled: Tensor;
    if (pooling === 'none') pooled = hidden;
    else if (pooling === 'cls')
      pooled = slice(hidden, [null, 0]); // (B, C)
    else if (pooling === 'last') {
      const last = batch.lengths.map((n, b) => b * batch.width + n - 1);
      pooled = indexSelect(
        reshape(hidden, [-1, hidden.shape[2]!]),
        0,
        tensor(last, { dtype: 'i32', backend }),
      ); // (B, C)
    } else if (weights) {
      const b = batch.lengths.length;
      const totals = Array.from({ length: b }, (_, r) =>
        weights.subarray(r * batch.width, (r + 1) * batch.width).reduce((s, w) => s + w, 0),
      );
      const w = tensor(weights, [b, batch.width, 1], { dtype: 'f32', backend }); // 0 on pads
      pooled = div(sum(mul(hidden, w), 1), tensor(totals, [b, 1], { dtype: 'f32', backend })); // (B, C)
    } else {
      const mask = unsqueeze(cast(batch.attentionMask, 'f32'), -1); // (B, T, 1)
      const counts = tensor(batch.lengths, [batch.lengths.length, 1], { dtype: 'f32', backend }); // (B, 1)
      pooled = div(sum(mul(hidden, mask), 1), counts); // (B, C)
    }
    return normalized ? normalize(pooled, -1) : pooled;
  }

  /**
   * Vectors as one tensor on the model's backend, (N, C) pooled or (N, T, C) for 'none'
   * (padded to the longest text; only for one batch). The caller disposes it. For an
   * index: one matmul against it scores every text.
   */
  async embedTensor(inputs: readonly TextInput[], options: FeatureExtractionOptions = {}): Promise<Tensor> {
    this.checkUsable();
    const opts = parseOptions(featureExtractionOptionsSchema, options, 'feature-extraction options');
    const rows = encodeTexts(this.tokenizer, inputs, maxPositions(this.model), (m) => this.note(m));
    const backend = modelBackend(this.model);
    const padded = padBatch(rows, this.tokenizer.padTokenId ?? 0, backend);
    try {
      const weights = this.tokenWeightsOf(rows, padded.width, opts);
      return tidy(() =>
        noGrad(() =>
          inEvalMode(this.model, () => this.forward(padded, opts.pooling, opts.normalize, weights)),
        ),
      );
    } finally {
      disposeBatch(padded);
    }
  }

  run(input: TextInput, options?: FeatureExtractionOptions): Promise<Features>;
  run(inputs: readonly TextInput[], options?: FeatureExtractionOptions): Promise<Features[]>;
  async run(
    inputs: TextInput | readonly TextInput[],
    options: FeatureExtractionOptions = {},
  ): Promise<Features | Features[]> {
    this.checkUsable();
    const opts = parseOptions(featureExtractionOptionsSchema, options, 'feature-extraction options');
    const { list, single } = asList(inputs);
    const rows = encodeTexts(this.tokenizer, list, maxPositions(this.model), (m) => this.note(m));
    const backend = modelBackend(this.model);
    const outputs: Features[] = [];
    for (const batch of chunks(rows, this.options.batchSize)) {
      const padded = padBatch(batch, this.tokenizer.padTokenId ?? 0, backend);
      let result: Tensor;
      try {
        const weights = this.tokenWeightsOf(batch, padded.width, opts);
        result = tidy(() =>
          noGrad(() =>
            inEvalMode(this.model, () => this.forward(padded, opts.pooling, opts.normalize, weights)),
          ),
        );
      } finally {
        disposeBatch(padded);
      }
      let data: Float32Array;
      try {
        data = (await result.data()) as Float32Array;
      } finally {
        result.dispose();
      }
      const c = this.dimension;
      if (opts.pooling === 'none') {
        batch.forEach((row, b) => {
          const start = b * padded.width * c;
          outputs.push(toRows(data.subarray(start, start + row.ids.length * c), row.ids.length, c));
        });
      } else outputs.push(...toRows(data, batch.length, c));
    }
    return single ? outputs[0]! : outputs;
  }
}

/** `feature-extraction` as a function with FeatureExtraction's methods. */
export interface FeatureExtractionPipeline extends FeatureExtraction {
  (input: TextInput, options?: FeatureExtractionOptions): Promise<Features>;
  (inputs: readonly TextInput[], options?: FeatureExtractionOptions): Promise<Features[]>;
}

export function featureExtractionPipeline(
  resolved: ResolvedModel,
  options: ResolvedPipelineOptions,
): FeatureExtractionPipeline {
  return callable<FeatureExtraction, FeatureExtractionPipeline>(new FeatureExtraction(resolved, options));
}

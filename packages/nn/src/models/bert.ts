// BERT (encoder-only transformer) as Hugging Face's BertModel, BertForMaskedLM and
// BertForSequenceClassification: post-LN layers with bidirectional attention that
// respects a padding mask, and HF parameter names so BERT checkpoints load unchanged.
import { add, arange, crossEntropy, slice, type Tensor, zeros } from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { activationModule, type GELU, type ReLU, Tanh } from '../layers/activations.js';
import { mergeHeads, paddingMask, scaledDotProductAttention, splitHeads } from '../layers/attention.js';
import { ModuleList } from '../layers/containers.js';
import { Dropout } from '../layers/dropout.js';
import { Embedding } from '../layers/embedding.js';
import { LayerNorm } from '../layers/layer-norm.js';
import { Linear } from '../layers/linear.js';
import { Module, onMeta } from '../module/module.js';
import { type BertConfig, type BertConfigInput, bertConfig } from './bert-config.js';

/** Word + position + token-type embeddings, then LayerNorm and dropout. */
export class BertEmbeddings extends Module {
  static override readonly typeName: string = 'BertEmbeddings';
  readonly word_embeddings: Embedding;
  readonly position_embeddings: Embedding;
  readonly token_type_embeddings: Embedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    const initStd = config.initializerRange;
    this.word_embeddings = this.addModule(
      'word_embeddings',
      new Embedding(config.vocabSize, config.hiddenSize, { paddingIdx: config.padTokenId, initStd }),
    );
    this.position_embeddings = this.addModule(
      'position_embeddings',
      new Embedding(config.maxPositionEmbeddings, config.hiddenSize, { initStd }),
    );
    this.token_type_embeddings = this.addModule(
      'token_type_embeddings',
      new Embedding(config.typeVocabSize, config.hiddenSize, { initStd }),
    );
    this.LayerNorm = this.addModule(
      'LayerNorm',
      new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }),
    );
    this.dropout = this.addModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  /** ids (B, T), token types (B, T) or null for all zeros → (B, T, C) */
  forward(ids: Tensor, tokenTypeIds: Tensor | null): Tensor {
    const [b, t] = ids.shape as [number, number];
    const pos = arange(0, t, 1, { backend: ids.backend }); // (T)
    const types = tokenTypeIds ?? zeros([b, t], { dtype: 'i32', backend: ids.backend }); // (B, T)
    const x = add(
      add(this.word_embeddings.forward(ids), this.position_embeddings.forward(pos)),
      this.token_type_embeddings.forward(types),
    ); // (B, T, C)
    return this.dropout.forward(this.LayerNorm.forward(x));
  }
}

/** Bidirectional multi-head self-attention with separate query / key / value projections. */
export class BertSelfAttention extends Module {
  static override readonly typeName: string = 'BertSelfAttention';
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dropout: Dropout;
  readonly numHeads: number;

  constructor(config: BertConfig) {
    super();
    const c = config.hiddenSize;
    const initStd = config.initializerRange;
    this.numHeads = config.numAttentionHeads;
    this.query = this.addModule('query', new Linear(c, c, { initStd }));
    this.key = this.addModule('key', new Linear(c, c, { initStd }));
    this.value = this.addModule('value', new Linear(c, c, { initStd }));
    this.dropout = this.addModule('dropout', new Dropout(config.attentionProbsDropoutProb));
  }

  /** x (B, T, C), padding mask (B, 1, 1, T) → context (B, T, C) and weights (B, nh, T, T). */
  forward(x: Tensor, mask: Tensor | null, needWeights = true): { context: Tensor; weights: Tensor | null } {
    const q = splitHeads(this.query.forward(x), this.numHeads); // (B, nh, T, hs)
    const k = splitHeads(this.key.forward(x), this.numHeads); // (B, nh, T, hs)
    const v = splitHeads(this.value.forward(x), this.numHeads); // (B, nh, T, hs)
    const { output, weights } = scaledDotProductAttention(q, k, v, {
      mask,
      dropoutP: this.dropout.p,
      training: this.training,
      needWeights,
    }); // (B, nh, T, hs)
    return { context: mergeHeads(output), weights }; // (B, T, C)
  }
}

/** A projection to C, then post-LN around the residual: LN(dropout(dense(h)) + x). */
abstract class BertProjectionOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig, inFeatures: number) {
    super();
    this.dense = this.addModule(
      'dense',
      new Linear(inFeatures, config.hiddenSize, { initStd: config.initializerRange }),
    );
    this.LayerNorm = this.addModule(
      'LayerNorm',
      new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }),
    );
    this.dropout = this.addModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  forward(hidden: Tensor, residual: Tensor): Tensor {
    return this.LayerNorm.forward(add(this.dropout.forward(this.dense.forward(hidden)), residual)); // (B, T, C)
  }
}

/** Attention output projection (C → C) with the post-LN residual. */
export class BertSelfOutput extends BertProjectionOutput {
  static override readonly typeName: string = 'BertSelfOutput';

  constructor(config: BertConfig) {
    super(config, config.hiddenSize);
  }
}

export class BertAttention extends Module {
  static override readonly typeName: string = 'BertAttention';
  readonly self: BertSelfAttention;
  readonly output: BertSelfOutput;

  constructor(config: BertConfig) {
    super();
    this.self = this.addModule('self', new BertSelfAttention(config));
    this.output = this.addModule('output', new BertSelfOutput(config));
  }

  forward(x: Tensor, mask: Tensor | null, needWeights = true): { hidden: Tensor; weights: Tensor | null } {
    const { context, weights } = this.self.forward(x, mask, needWeights);
    return { hidden: this.output.forward(context, x), weights };
  }
}

/** The feed-forward expansion C → intermediateSize with GELU. */
export class BertIntermediate extends Module {
  static override readonly typeName: string = 'BertIntermediate';
  readonly dense: Linear;
  readonly intermediate_act_fn: GELU | ReLU;

  constructor(config: BertConfig) {
    super();
    this.dense = this.addModule(
      'dense',
      new Linear(config.hiddenSize, config.intermediateSize, { initStd: config.initializerRange }),
    );
    this.intermediate_act_fn = this.addModule(
      'intermediate_act_fn',
      activationModule(config.hiddenAct) as GELU | ReLU,
    );
  }

  forward(x: Tensor): Tensor {
    return this.intermediate_act_fn.forward(this.dense.forward(x)); // (B, T, intermediate)
  }
}

/** The feed-forward contraction back to C (intermediate → C) with the post-LN residual. */
export class BertOutput extends BertProjectionOutput {
  static override readonly typeName: string = 'BertOutput';

  constructor(config: BertConfig) {
    super(config, config.intermediateSize);
  }
}

/** One post-LN encoder layer: attention (+ residual, LN), then feed-forward (+ residual, LN). */
export class BertLayer extends Module {
  static override readonly typeName: string = 'BertLayer';
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertOutput;

  constructor(config: BertConfig) {
    super();
    this.attention = this.addModule('attention', new BertAttention(config));
    this.intermediate = this.addModule('intermediate', new BertIntermediate(config));
    this.output = this.addModule('output', new BertOutput(config));
  }

  /** (B, T, C) → (B, T, C) */
  forward(x: Tensor, mask: Tensor | null, needWeights = true): { hidden: Tensor; weights: Tensor | null } {
    const attn = this.attention.forward(x, mask, needWeights); // (B, T, C)
    const hidden = this.output.forward(this.intermediate.forward(attn.hidden), attn.hidden); // (B, T, C)
    return { hidden, weights: attn.weights };
  }
}

export class BertEncoder extends Module {
  static override readonly typeName: string = 'BertEncoder';
  readonly layer: ModuleList<BertLayer>;

  constructor(config: BertConfig) {
    super();
    this.layer = this.addModule(
      'layer',
      new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new BertLayer(config))),
    );
  }
}

/** Sentence representation: tanh(dense(hidden state of the first token, [CLS])). */
export class BertPooler extends Module {
  static override readonly typeName: string = 'BertPooler';
  readonly dense: Linear;
  readonly activation: Tanh;

  constructor(config: BertConfig) {
    super();
    this.dense = this.addModule(
      'dense',
      new Linear(config.hiddenSize, config.hiddenSize, { initStd: config.initializerRange }),
    );
    this.activation = this.addModule('activation', new Tanh());
  }

  /** (B, T, C) → (B, C) */
  forward(hidden: Tensor): Tensor {
    const first = slice(hidden, [null, 0]); // (B, C)
    return this.activation.forward(this.dense.forward(first));
  }
}

export interface BertForwardOptions {
  /** (B, T): 1 (or true) for tokens, 0 for padding; padded keys get no attention. */
  attentionMask?: Tensor | null;
  /** (B, T) i32 segment ids (sentence A = 0, B = 1); default all 0. */
  tokenTypeIds?: Tensor | null;
  /**
   * Return each layer's attention probabilities (B, nh, T, T), after masking and softmax
   * and before attention dropout (padded keys get 0). Without it no weights are kept.
   */
  outputAttentions?: boolean;
  /** Return the embeddings output and every layer's output, each (B, T, C). */
  outputHiddenStates?: boolean;
}

export interface BertModelOutput {
  /** (B, T, C) */
  lastHiddenState: Tensor;
  /** (B, C), when the model has a pooler. */
  poolerOutput: Tensor | null;
  attentions: Tensor[] | null;
  hiddenStates: Tensor[] | null;
}

/** The BERT encoder: embeddings, `encoder.layer.*`, and optionally the pooler. */
export class BertModel extends Module {
  static override readonly typeName: string = 'BertModel';
  readonly config: BertConfig;
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;

  constructor(config: BertConfigInput, options: { addPoolingLayer?: boolean } = {}) {
    super();
    const c = bertConfig(config);
    this.config = c;
    this.embeddings = this.addModule('embeddings', new BertEmbeddings(c));
    this.encoder = this.addModule('encoder', new BertEncoder(c));
    this.pooler = options.addPoolingLayer === false ? null : this.addModule('pooler', new BertPooler(c));
  }

  /** ids (B, T) i32 → hidden states (B, T, C) and the pooled [CLS] vector (B, C). */
  forward(ids: Tensor, options: BertForwardOptions = {}): BertModelOutput {
    if (ids.rank !== 2 || ids.dtype !== 'i32') {
      throw new NnError(
        `BertModel: input ids must be an i32 (batch, seq) tensor, got ${ids.dtype} [${ids.shape.join(', ')}]`,
      );
    }
    const t = ids.shape[1]!;
    if (t > this.config.maxPositionEmbeddings) {
      throw new NnError(
        `BertModel: sequence length ${t} exceeds maxPositionEmbeddings ${this.config.maxPositionEmbeddings}`,
      );
    }
    for (const [name, extra] of [
      ['attentionMask', options.attentionMask],
      ['tokenTypeIds', options.tokenTypeIds],
    ] as const) {
      if (extra && (extra.rank !== 2 || extra.shape[0] !== ids.shape[0] || extra.shape[1] !== t)) {
        throw new NnError(
          `BertModel: ${name} must match the ids' shape [${ids.shape.join(', ')}], got [${extra.shape.join(', ')}]`,
        );
      }
    }
    const mask = options.attentionMask ? paddingMask(options.attentionMask) : null; // (B, 1, 1, T)
    let x = this.embeddings.forward(ids, options.tokenTypeIds ?? null); // (B, T, C)
    // Kept only when asked for: no reference outlives the call otherwise.
    const hiddenStates: Tensor[] | null = options.outputHiddenStates ? [x] : null;
    const attentions: Tensor[] | null = options.outputAttentions ? [] : null;
    for (const layer of this.encoder.layer) {
      const out = layer.forward(x, mask, attentions !== null);
      x = out.hidden;
      hiddenStates?.push(x);
      if (out.weights) attentions?.push(out.weights);
    }
    return {
      lastHiddenState: x,
      poolerOutput: this.pooler ? this.pooler.forward(x) : null,
      attentions,
      hiddenStates,
    };
  }
}

/** dense → activation → LayerNorm before the vocabulary projection. */
export class BertPredictionHeadTransform extends Module {
  static override readonly typeName: string = 'BertPredictionHeadTransform';
  readonly dense: Linear;
  readonly transform_act_fn: GELU | ReLU;
  readonly LayerNorm: LayerNorm;

  constructor(config: BertConfig) {
    super();
    this.dense = this.addModule(
      'dense',
      new Linear(config.hiddenSize, config.hiddenSize, { initStd: config.initializerRange }),
    );
    this.transform_act_fn = this.addModule(
      'transform_act_fn',
      activationModule(config.hiddenAct) as GELU | ReLU,
    );
    this.LayerNorm = this.addModule(
      'LayerNorm',
      new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.LayerNorm.forward(this.transform_act_fn.forward(this.dense.forward(x)));
  }
}

/** Vocabulary logits: transform, then a decoder tied to the word embeddings plus `bias`. */
export class BertLMPredictionHead extends Module {
  static override readonly typeName: string = 'BertLMPredictionHead';
  readonly transform: BertPredictionHeadTransform;
  readonly decoder: Linear;

  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super();
    this.addParameter('bias', [config.vocabSize], () => zeros([config.vocabSize]));
    this.transform = this.addModule('transform', new BertPredictionHeadTransform(config));
    // Shape-only, then tied: decoder.weight is the word embedding table, decoder.bias is `bias` (as HF).
    this.decoder = this.addModule(
      'decoder',
      onMeta(() => new Linear(config.hiddenSize, config.vocabSize)),
    );
    this.decoder.tieParameter('weight', wordEmbeddings);
    this.decoder.tieParameter('bias', this);
  }

  get bias(): Tensor {
    return this.param('bias');
  }

  /** (B, T, C) → (B, T, vocab) */
  forward(x: Tensor): Tensor {
    return this.decoder.forward(this.transform.forward(x));
  }
}

export class BertOnlyMLMHead extends Module {
  static override readonly typeName: string = 'BertOnlyMLMHead';
  readonly predictions: BertLMPredictionHead;

  constructor(config: BertConfig, wordEmbeddings: Embedding) {
    super();
    this.predictions = this.addModule('predictions', new BertLMPredictionHead(config, wordEmbeddings));
  }
}

export interface BertMaskedLMOptions extends BertForwardOptions {
  /** (B, T) i32 original ids at masked positions, −100 elsewhere; adds `loss`. */
  labels?: Tensor | null;
}

/** BERT with the masked-language-model head (fill-mask). */
export class BertForMaskedLM extends Module {
  static override readonly typeName: string = 'BertForMaskedLM';
  readonly config: BertConfig;
  readonly bert: BertModel;
  readonly cls: BertOnlyMLMHead;

  constructor(config: BertConfigInput) {
    super();
    const c = bertConfig(config);
    this.config = c;
    this.bert = this.addModule('bert', new BertModel(c, { addPoolingLayer: false }));
    this.cls = this.addModule('cls', new BertOnlyMLMHead(c, this.bert.embeddings.word_embeddings));
  }

  /** ids (B, T) → logits (B, T, vocab), and the loss over labelled positions. */
  forward(
    ids: Tensor,
    options: BertMaskedLMOptions = {},
  ): { logits: Tensor; loss: Tensor | null; attentions: Tensor[] | null; hiddenStates: Tensor[] | null } {
    const out = this.bert.forward(ids, options);
    const logits = this.cls.predictions.forward(out.lastHiddenState); // (B, T, vocab)
    const loss = options.labels ? crossEntropy(logits, options.labels, { ignoreIndex: -100 }) : null;
    return { logits, loss, attentions: out.attentions, hiddenStates: out.hiddenStates };
  }
}

export interface BertClassificationOptions extends BertForwardOptions {
  /** (B) i32 class ids; adds `loss`. */
  labels?: Tensor | null;
}

/** BERT with a classifier on the pooled [CLS] vector (sentiment, NLI, …). */
export class BertForSequenceClassification extends Module {
  static override readonly typeName: string = 'BertForSequenceClassification';
  readonly config: BertConfig;
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfigInput) {
    super();
    const c = bertConfig(config);
    this.config = c;
    this.bert = this.addModule('bert', new BertModel(c));
    this.dropout = this.addModule('dropout', new Dropout(c.classifierDropout ?? c.hiddenDropoutProb));
    this.classifier = this.addModule(
      'classifier',
      new Linear(c.hiddenSize, c.numLabels, { initStd: c.initializerRange }),
    );
  }

  /** ids (B, T) → logits (B, numLabels), and the cross-entropy when labels are given. */
  forward(
    ids: Tensor,
    options: BertClassificationOptions = {},
  ): { logits: Tensor; loss: Tensor | null; attentions: Tensor[] | null } {
    const out = this.bert.forward(ids, options);
    const logits = this.classifier.forward(this.dropout.forward(out.poolerOutput!)); // (B, numLabels)
    const loss = options.labels ? crossEntropy(logits, options.labels) : null;
    return { logits, loss, attentions: out.attentions };
  }
}

// BERT configs: a zod schema (errors name the field), named presets, and the mapping to
// and from Hugging Face's BertConfig (config.json).
import { z } from 'zod';
import { parseConfig } from '../config.js';
import { ConfigError } from '../errors.js';

const probability = z.number().min(0).max(1);

const bertConfigObject = z
  .object({
    vocabSize: z.number().int().positive().default(30522),
    hiddenSize: z.number().int().positive().default(768),
    numHiddenLayers: z.number().int().positive().default(12),
    numAttentionHeads: z.number().int().positive().default(12),
    intermediateSize: z.number().int().positive().default(3072),
    /** 'gelu' (exact erf, BERT), 'gelu_new' (tanh approximation) or 'relu'. */
    hiddenAct: z.enum(['gelu', 'gelu_new', 'relu']).default('gelu'),
    hiddenDropoutProb: probability.default(0.1),
    attentionProbsDropoutProb: probability.default(0.1),
    maxPositionEmbeddings: z.number().int().positive().default(512),
    typeVocabSize: z.number().int().positive().default(2),
    layerNormEps: z.number().positive().default(1e-12),
    initializerRange: z.number().positive().default(0.02),
    padTokenId: z.number().int().nonnegative().default(0),
    /** Classes of BertForSequenceClassification. */
    numLabels: z.number().int().positive().default(2),
    /** Dropout before the classifier; null means hiddenDropoutProb. */
    classifierDropout: probability.nullable().default(null),
  })
  .strict();

export const bertConfigSchema = bertConfigObject.superRefine((c, ctx) => {
  if (c.hiddenSize % c.numAttentionHeads !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['hiddenSize'],
      message: `must be divisible by numAttentionHeads (got hiddenSize=${c.hiddenSize}, numAttentionHeads=${c.numAttentionHeads})`,
    });
  }
  if (c.padTokenId >= c.vocabSize) {
    ctx.addIssue({
      code: 'custom',
      path: ['padTokenId'],
      message: `must be below vocabSize (${c.vocabSize})`,
    });
  }
});

export type BertConfig = z.output<typeof bertConfigSchema>;
export type BertConfigInput = z.input<typeof bertConfigSchema>;

export const BERT_PRESETS = {
  'bert-base-uncased': {},
  'bert-base-cased': { vocabSize: 28996 },
  'bert-large-uncased': {
    hiddenSize: 1024,
    numHiddenLayers: 24,
    numAttentionHeads: 16,
    intermediateSize: 4096,
  },
  /** google/bert_uncased_L-2_H-128_A-2 (prajjwal1/bert-tiny). */
  'bert-tiny': { hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512 },
} as const satisfies Record<string, Partial<BertConfigInput>>;

export type BertPresetName = keyof typeof BERT_PRESETS;

/** A validated BERT config: a preset with overrides, or a custom config (defaults: bert-base-uncased). */
export function bertConfig(preset: BertPresetName, overrides?: Partial<BertConfigInput>): BertConfig;
export function bertConfig(config: BertConfigInput): BertConfig;
export function bertConfig(
  presetOrConfig: BertPresetName | BertConfigInput,
  overrides: Partial<BertConfigInput> = {},
): BertConfig {
  if (typeof presetOrConfig === 'string') {
    const preset = (BERT_PRESETS as Record<string, Partial<BertConfigInput>>)[presetOrConfig];
    if (!preset) {
      throw new ConfigError('BERT config', [
        {
          path: 'preset',
          message: `unknown preset '${presetOrConfig}' (known: ${Object.keys(BERT_PRESETS).join(', ')})`,
        },
      ]);
    }
    return parseConfig(bertConfigSchema, { ...preset, ...overrides }, `BERT config '${presetOrConfig}'`);
  }
  return parseConfig(bertConfigSchema, presetOrConfig, 'BERT config');
}

/** The config as Hugging Face's BertConfig JSON (config.json). */
export function bertConfigToHF(
  config: BertConfig,
  architecture = 'BertForMaskedLM',
): Record<string, unknown> {
  return {
    architectures: [architecture],
    model_type: 'bert',
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numHiddenLayers,
    num_attention_heads: config.numAttentionHeads,
    intermediate_size: config.intermediateSize,
    hidden_act: config.hiddenAct,
    hidden_dropout_prob: config.hiddenDropoutProb,
    attention_probs_dropout_prob: config.attentionProbsDropoutProb,
    max_position_embeddings: config.maxPositionEmbeddings,
    type_vocab_size: config.typeVocabSize,
    layer_norm_eps: config.layerNormEps,
    initializer_range: config.initializerRange,
    pad_token_id: config.padTokenId,
    num_labels: config.numLabels,
    classifier_dropout: config.classifierDropout,
  };
}

const hfBertSchema = z.object({
  vocab_size: z.number(),
  hidden_size: z.number(),
  num_hidden_layers: z.number(),
  num_attention_heads: z.number(),
  intermediate_size: z.number(),
  hidden_act: z.string().optional(),
  hidden_dropout_prob: z.number().optional(),
  attention_probs_dropout_prob: z.number().optional(),
  max_position_embeddings: z.number().optional(),
  type_vocab_size: z.number().optional(),
  layer_norm_eps: z.number().optional(),
  initializer_range: z.number().optional(),
  pad_token_id: z.number().nullable().optional(),
  num_labels: z.number().optional(),
  id2label: z.record(z.string(), z.string()).optional(),
  classifier_dropout: z.number().nullable().optional(),
});

/** A BERT config from a Hugging Face BERT config.json object. */
export function bertConfigFromHF(json: unknown): BertConfig {
  const hf = parseConfig(hfBertSchema, json, 'Hugging Face BERT config.json');
  const optional = <T>(key: string, value: T | null | undefined) =>
    value === undefined || value === null ? {} : { [key]: value };
  const numLabels = hf.num_labels ?? (hf.id2label ? Object.keys(hf.id2label).length : undefined);
  return bertConfig({
    vocabSize: hf.vocab_size,
    hiddenSize: hf.hidden_size,
    numHiddenLayers: hf.num_hidden_layers,
    numAttentionHeads: hf.num_attention_heads,
    intermediateSize: hf.intermediate_size,
    ...optional('hiddenAct', hf.hidden_act as BertConfig['hiddenAct'] | undefined),
    ...optional('hiddenDropoutProb', hf.hidden_dropout_prob),
    ...optional('attentionProbsDropoutProb', hf.attention_probs_dropout_prob),
    ...optional('maxPositionEmbeddings', hf.max_position_embeddings),
    ...optional('typeVocabSize', hf.type_vocab_size),
    ...optional('layerNormEps', hf.layer_norm_eps),
    ...optional('initializerRange', hf.initializer_range),
    ...optional('padTokenId', hf.pad_token_id),
    ...optional('numLabels', numLabels),
    classifierDropout: hf.classifier_dropout ?? null,
  });
}

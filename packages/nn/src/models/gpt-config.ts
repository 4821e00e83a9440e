// GPT configs: a zod schema (errors name the field), the named presets of minGPT and
// OpenAI's GPT-2 sizes, and the mapping to and from Hugging Face's GPT-2 config.json.
import { z } from 'zod';
import { parseConfig } from '../config.js';
import { ConfigError } from '../errors.js';

const probability = z.number().min(0).max(1);

const gptConfigObject = z
  .object({
    /** Tokens in the vocabulary (HF `vocab_size`). */
    vocabSize: z.number().int().positive(),
    /** Longest sequence, i.e. learned positions (HF `n_positions`, minGPT `block_size`). */
    blockSize: z.number().int().positive(),
    nLayer: z.number().int().positive(),
    nHead: z.number().int().positive(),
    nEmbd: z.number().int().positive(),
    /** Feed-forward width; null means 4·nEmbd (HF `n_inner`). */
    nInner: z.number().int().positive().nullable().default(null),
    /** 'gelu_new' (tanh approximation, GPT-2), 'gelu' (exact) or 'relu'. */
    activation: z.enum(['gelu_new', 'gelu', 'relu']).default('gelu_new'),
    embdPdrop: probability.default(0.1),
    residPdrop: probability.default(0.1),
    attnPdrop: probability.default(0.1),
    layerNormEpsilon: z.number().positive().default(1e-5),
    /** Std of the N(0, σ²) init; residual projections get σ/√(2·nLayer). */
    initializerRange: z.number().positive().default(0.02),
    /** Biases on the fused Q/K/V projection (GPT-2 has them; some from-scratch GPTs do not). */
    qkvBias: z.boolean().default(true),
    /** The LM head shares the token embedding matrix (GPT-2: true). */
    tieWordEmbeddings: z.boolean().default(true),
  })
  .strict();

export const gptConfigSchema = gptConfigObject.superRefine((c, ctx) => {
  if (c.nEmbd % c.nHead !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['nEmbd'],
      message: `must be divisible by nHead (got nEmbd=${c.nEmbd}, nHead=${c.nHead})`,
    });
  }
});

export type GPTConfig = z.output<typeof gptConfigSchema>;
export type GPTConfigInput = z.input<typeof gptConfigSchema>;

/** Sizes of minGPT's named models; vocabSize and blockSize come from the data unless given. */
export const GPT_PRESETS = {
  'gpt-nano': { nLayer: 3, nHead: 3, nEmbd: 48 },
  'gpt-micro': { nLayer: 4, nHead: 4, nEmbd: 128 },
  'gpt-mini': { nLayer: 6, nHead: 6, nEmbd: 192 },
  gpt2: { nLayer: 12, nHead: 12, nEmbd: 768, vocabSize: 50257, blockSize: 1024 },
  'gpt2-medium': { nLayer: 24, nHead: 16, nEmbd: 1024, vocabSize: 50257, blockSize: 1024 },
  'gpt2-large': { nLayer: 36, nHead: 20, nEmbd: 1280, vocabSize: 50257, blockSize: 1024 },
  'gpt2-xl': { nLayer: 48, nHead: 25, nEmbd: 1600, vocabSize: 50257, blockSize: 1024 },
} as const satisfies Record<string, Partial<GPTConfigInput>>;

export type GPTPresetName = keyof typeof GPT_PRESETS;

/**
 * A validated GPT config: a preset name with overrides (`gptConfig('gpt-nano', {
 * vocabSize: 39, blockSize: 128 })`) or a full custom config object.
 */
export function gptConfig(preset: GPTPresetName, overrides?: Partial<GPTConfigInput>): GPTConfig;
export function gptConfig(config: GPTConfigInput): GPTConfig;
export function gptConfig(
  presetOrConfig: GPTPresetName | GPTConfigInput,
  overrides: Partial<GPTConfigInput> = {},
): GPTConfig {
  if (typeof presetOrConfig === 'string') {
    const preset = (GPT_PRESETS as Record<string, Partial<GPTConfigInput>>)[presetOrConfig];
    if (!preset) {
      throw new ConfigError('GPT config', [
        {
          path: 'preset',
          message: `unknown preset '${presetOrConfig}' (known: ${Object.keys(GPT_PRESETS).join(', ')})`,
        },
      ]);
    }
    return parseConfig(gptConfigSchema, { ...preset, ...overrides }, `GPT config '${presetOrConfig}'`);
  }
  return parseConfig(gptConfigSchema, presetOrConfig, 'GPT config');
}

/** The config as Hugging Face's GPT2Config JSON (config.json), loadable by `transformers`. */
export function gptConfigToHF(config: GPTConfig, architecture = 'GPT2LMHeadModel'): Record<string, unknown> {
  return {
    architectures: [architecture],
    model_type: 'gpt2',
    vocab_size: config.vocabSize,
    n_positions: config.blockSize,
    n_ctx: config.blockSize,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: config.nInner,
    activation_function: config.activation,
    resid_pdrop: config.residPdrop,
    embd_pdrop: config.embdPdrop,
    attn_pdrop: config.attnPdrop,
    layer_norm_epsilon: config.layerNormEpsilon,
    initializer_range: config.initializerRange,
    tie_word_embeddings: config.tieWordEmbeddings,
    // Not a transformers field (it ignores it): GPT-2 always has Q/K/V biases.
    qkv_bias: config.qkvBias,
  };
}

const hfGpt2Schema = z.object({
  vocab_size: z.number(),
  n_positions: z.number(),
  n_embd: z.number(),
  n_layer: z.number(),
  n_head: z.number(),
  n_inner: z.number().nullable().optional(),
  activation_function: z.string().optional(),
  resid_pdrop: z.number().optional(),
  embd_pdrop: z.number().optional(),
  attn_pdrop: z.number().optional(),
  layer_norm_epsilon: z.number().optional(),
  initializer_range: z.number().optional(),
  tie_word_embeddings: z.boolean().optional(),
  qkv_bias: z.boolean().optional(),
});

/** A GPT config from a Hugging Face GPT-2 config.json object. */
export function gptConfigFromHF(json: unknown): GPTConfig {
  const hf = parseConfig(hfGpt2Schema, json, 'Hugging Face GPT-2 config.json');
  const optional = <T>(key: string, value: T | null | undefined) =>
    value === undefined || value === null ? {} : { [key]: value };
  return gptConfig({
    vocabSize: hf.vocab_size,
    blockSize: hf.n_positions,
    nEmbd: hf.n_embd,
    nLayer: hf.n_layer,
    nHead: hf.n_head,
    nInner: hf.n_inner ?? null,
    ...optional('activation', hf.activation_function as GPTConfig['activation'] | undefined),
    ...optional('residPdrop', hf.resid_pdrop),
    ...optional('embdPdrop', hf.embd_pdrop),
    ...optional('attnPdrop', hf.attn_pdrop),
    ...optional('layerNormEpsilon', hf.layer_norm_epsilon),
    ...optional('initializerRange', hf.initializer_range),
    ...optional('tieWordEmbeddings', hf.tie_word_embeddings),
    ...optional('qkvBias', hf.qkv_bias),
  });
}

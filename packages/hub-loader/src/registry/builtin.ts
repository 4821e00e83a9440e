// The architectures registered out of the box: GPT2LMHeadModel, GPT2Model, BertModel,
// BertForMaskedLM, BertForSequenceClassification, and tensorlm's LSTMLanguageModel (its own
// `model_type`, tensorlm-lstm: transformers has no LSTM LM) — their config.json in transformers'
// keys both ways, the fields they refuse, and the key rules for the official checkpoints
// (`gpt2` without `transformer.` and with attention-mask buffers; `bert-base-uncased`
// with `LayerNorm.gamma/beta`, BertForPreTraining heads and `position_ids`).
import {
  type BertConfig,
  BertForMaskedLM,
  BertForSequenceClassification,
  BertModel,
  bertConfigFromHF,
  bertConfigToHF,
  GPT2ForSequenceClassification,
  GPT2LMHeadModel,
  GPT2Model,
  type GPTClassifierConfig,
  type GPTConfig,
  gptClassifierConfig,
  gptConfigFromHF,
  gptConfigToHF,
  LSTM_LM_MODEL_TYPE,
  LSTMLanguageModel,
  type LSTMLMConfig,
  lstmLmConfigFromHF,
  lstmLmConfigToHF,
  NnError,
} from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';
import { parseWith, requireOneOf, unsupportedConfigField } from './config-fields.js';
import type { KeyRules } from './key-rules.js';
import { registerArchitecture } from './registry.js';

// ---------------------------------------------------------------------------------------
// GPT-2

/** HF activation names with the same function here (`gelu_pytorch_tanh` is GPT-2's tanh GELU). */
const GPT2_ACTIVATIONS: Record<string, GPTConfig['activation']> = {
  gelu_new: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  gelu: 'gelu',
  relu: 'relu',
};

function gpt2ConfigFromHF(json: Record<string, unknown>): GPTConfig {
  requireOneOf(json, 'scale_attn_weights', [true]);
  requireOneOf(json, 'scale_attn_by_inverse_layer_idx', [false]);
  requireOneOf(json, 'add_cross_attention', [false]);
  const activation = json.activation_function;
  if (activation !== undefined && !(typeof activation === 'string' && activation in GPT2_ACTIVATIONS)) {
    throw unsupportedConfigField('activation_function', activation, Object.keys(GPT2_ACTIVATIONS).join(', '));
  }
  const mapped =
    activation === undefined
      ? json
      : { ...json, activation_function: GPT2_ACTIVATIONS[activation as string] };
  return parseWith(gptConfigFromHF, mapped);
}

/** config.json as transformers' GPT2Config.save_pretrained writes it (its fixed fields included). */
function gpt2ConfigToHF(config: GPTConfig, architecture: string): Record<string, unknown> {
  const {
    n_ctx: _nCtx,
    qkv_bias: _qkvBias,
    tie_word_embeddings: _tie,
    ...ours
  } = gptConfigToHF(config, architecture);
  return {
    ...ours,
    bos_token_id: config.vocabSize > 50256 ? 50256 : null,
    eos_token_id: config.vocabSize > 50256 ? 50256 : null,
    reorder_and_upcast_attn: false,
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    use_cache: true,
    // Written only away from the defaults, as transformers' to_diff_dict does.
    ...(config.tieWordEmbeddings ? {} : { tie_word_embeddings: false }),
    ...(config.qkvBias ? {} : { qkv_bias: false }),
    torch_dtype: 'float32',
  };
}

const GPT2_RULES: KeyRules = {
  basePrefix: 'transformer',
  ignore: [
    {
      pattern: /(^|\.)h\.\d+\.attn\.(bias|masked_bias)$/,
      reason: 'causal-mask buffer of older transformers versions (computed here, not stored)',
      onlyIfUnknown: true,
    },
    {
      pattern: /^lm_head\.weight$/,
      reason: 'the LM head of GPT2LMHeadModel; this model has none',
      onlyIfUnknown: true,
    },
  ],
};

function registerGpt2(name: 'GPT2LMHeadModel' | 'GPT2Model'): void {
  const modelClass = name === 'GPT2LMHeadModel' ? GPT2LMHeadModel : GPT2Model;
  registerArchitecture<GPTConfig, GPT2LMHeadModel | GPT2Model>({
    name,
    modelType: 'gpt2',
    modelClass,
    build: (config) => new modelClass(config),
    configFromHF: gpt2ConfigFromHF,
    configToHF: (config) => gpt2ConfigToHF(config, name),
    configOf: (model) => model.config,
    keyRules: GPT2_RULES,
    defaultForModelType: name === 'GPT2LMHeadModel',
  });
}

/**
 * GPT2ForSequenceClassification: GPT-2's fields plus transformers' `id2label` / `label2id`
 * and `pad_token_id`; `tensorlm_pooling: "mean"` is tensorlm's mean-pooled variant (absent
 * for transformers' last-token pooling, so such a folder loads the same in transformers).
 */
function gpt2ClassifierConfigFromHF(json: Record<string, unknown>): GPTClassifierConfig {
  const gpt = gpt2ConfigFromHF(json);
  requireOneOf(json, 'problem_type', ['single_label_classification']);
  requireOneOf(json, 'tensorlm_pooling', ['last', 'mean']);
  const raw = json.id2label;
  let id2label: string[] | undefined;
  if (raw !== undefined && raw !== null) {
    const entries = typeof raw === 'object' && !Array.isArray(raw) ? Object.entries(raw) : null;
    const ok = entries?.every(([k, v], i) => k === String(i) && typeof v === 'string') ?? false;
    if (!entries || !ok)
      throw unsupportedConfigField('id2label', raw, 'an object {"0": name, "1": name, …} in order');
    id2label = entries.map(([, v]) => v as string);
  }
  const numLabels = typeof json.num_labels === 'number' ? json.num_labels : undefined;
  const pad = json.pad_token_id;
  try {
    return gptClassifierConfig({
      ...gpt,
      ...(id2label ? { id2label } : {}),
      ...(numLabels !== undefined && !id2label ? { numLabels } : {}),
      padTokenId: typeof pad === 'number' ? pad : null,
      pooling: json.tensorlm_pooling === 'mean' ? 'mean' : 'last',
    });
  } catch (error) {
    if (error instanceof NnError)
      throw new ModelFolderError('MODEL_CONFIG_INVALID', `config.json: ${error.message}`, { cause: error });
    throw error;
  }
}

function gpt2ClassifierConfigToHF(config: GPTClassifierConfig): Record<string, unknown> {
  return {
    ...gpt2ConfigToHF(config, 'GPT2ForSequenceClassification'),
    id2label: Object.fromEntries(config.id2label.map((name, i) => [String(i), name])),
    label2id: Object.fromEntries(config.id2label.map((name, i) => [name, i])),
    pad_token_id: config.padTokenId,
    ...(config.pooling === 'mean' ? { tensorlm_pooling: 'mean' } : {}),
  };
}

function registerGpt2Classifier(): void {
  registerArchitecture<GPTClassifierConfig, GPT2ForSequenceClassification>({
    name: 'GPT2ForSequenceClassification',
    modelType: 'gpt2',
    modelClass: GPT2ForSequenceClassification,
    build: (config) => new GPT2ForSequenceClassification(config),
    configFromHF: gpt2ClassifierConfigFromHF,
    configToHF: gpt2ClassifierConfigToHF,
    configOf: (model) => model.config,
    keyRules: GPT2_RULES,
  });
}

// ---------------------------------------------------------------------------------------
// BERT

const BERT_ACTIVATIONS: Record<string, BertConfig['hiddenAct']> = {
  gelu: 'gelu',
  gelu_new: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  relu: 'relu',
};

function bertConfigFromHFChecked(json: Record<string, unknown>): BertConfig {
  requireOneOf(json, 'position_embedding_type', ['absolute']);
  requireOneOf(json, 'is_decoder', [false]);
  requireOneOf(json, 'add_cross_attention', [false]);
  requireOneOf(json, 'tie_word_embeddings', [true]);
  const act = json.hidden_act;
  if (act !== undefined && !(typeof act === 'string' && act in BERT_ACTIVATIONS)) {
    throw unsupportedConfigField('hidden_act', act, Object.keys(BERT_ACTIVATIONS).join(', '));
  }
  const mapped = act === undefined ? json : { ...json, hidden_act: BERT_ACTIVATIONS[act as string] };
  return parseWith(bertConfigFromHF, mapped);
}

/** config.json as transformers' BertConfig.save_pretrained writes it. */
function bertConfigToHFChecked(config: BertConfig, architecture: string): Record<string, unknown> {
  const { num_labels: _numLabels, ...ours } = bertConfigToHF(config, architecture);
  // transformers stores the label count as id2label / label2id, and only away from its default of 2.
  const labels =
    architecture === 'BertForSequenceClassification' && config.numLabels !== 2
      ? {
          id2label: Object.fromEntries(
            Array.from({ length: config.numLabels }, (_, i) => [String(i), `LABEL_${i}`]),
          ),
          label2id: Object.fromEntries(Array.from({ length: config.numLabels }, (_, i) => [`LABEL_${i}`, i])),
        }
      : {};
  return { ...ours, ...labels, position_embedding_type: 'absolute', use_cache: true, torch_dtype: 'float32' };
}

const BERT_RULES: KeyRules = {
  basePrefix: 'bert',
  renames: [
    { pattern: /\.gamma$/, replacement: '.weight', reason: "legacy name 'gamma' (LayerNorm weight)" },
    { pattern: /\.beta$/, replacement: '.bias', reason: "legacy name 'beta' (LayerNorm bias)" },
  ],
  ignore: [
    {
      pattern: /(^|\.)embeddings\.position_ids$/,
      reason: 'position_ids buffer (0 … max_position_embeddings-1, computed here)',
    },
    {
      pattern: /(^|\.)embeddings\.token_type_ids$/,
      reason: 'token_type_ids buffer (zeros, computed here)',
    },
    {
      pattern: /^cls\.seq_relationship\./,
      reason: 'next-sentence head of BertForPreTraining, not part of this model',
      onlyIfUnknown: true,
    },
    { pattern: /^cls\.predictions\./, reason: 'masked-LM head, not part of this model', onlyIfUnknown: true },
    { pattern: /(^|\.)pooler\./, reason: 'pooler, which this model does not have', onlyIfUnknown: true },
    { pattern: /^classifier\./, reason: 'classification head, not part of this model', onlyIfUnknown: true },
  ],
};

type BertClass = typeof BertModel | typeof BertForMaskedLM | typeof BertForSequenceClassification;

function registerBert(
  name: 'BertModel' | 'BertForMaskedLM' | 'BertForSequenceClassification',
  modelClass: BertClass,
): void {
  registerArchitecture<BertConfig, BertModel | BertForMaskedLM | BertForSequenceClassification>({
    name,
    modelType: 'bert',
    modelClass,
    build: (config) => new modelClass(config),
    configFromHF: bertConfigFromHFChecked,
    configToHF: (config) => bertConfigToHFChecked(config, name),
    configOf: (model) => model.config,
    keyRules: BERT_RULES,
    defaultForModelType: name === 'BertModel',
  });
}

// ---------------------------------------------------------------------------------------
// LSTM language model (PyTorch's word_language_model names: encoder, rnn.*_l<k>, decoder)

function registerLstmLm(): void {
  registerArchitecture<LSTMLMConfig, LSTMLanguageModel>({
    name: 'LSTMLanguageModel',
    modelType: LSTM_LM_MODEL_TYPE,
    modelClass: LSTMLanguageModel,
    build: (config) => new LSTMLanguageModel(config),
    configFromHF: (json) => parseWith(lstmLmConfigFromHF, json),
    configToHF: (config) => ({ ...lstmLmConfigToHF(config), torch_dtype: 'float32' }),
    configOf: (model) => model.config,
    keyRules: {},
    defaultForModelType: true,
  });
}

let registered = false;

/** Registers the built-in architectures once (idempotent). */
export function registerBuiltinArchitectures(): void {
  if (registered) return;
  registered = true;
  registerGpt2('GPT2LMHeadModel');
  registerGpt2('GPT2Model');
  registerGpt2Classifier();
  registerBert('BertModel', BertModel);
  registerBert('BertForMaskedLM', BertForMaskedLM);
  registerBert('BertForSequenceClassification', BertForSequenceClassification);
  registerLstmLm();
}

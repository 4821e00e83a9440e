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
  GPT2LMHeadModel,
  GPT2Model,
  type GPTConfig,
  gptConfigFromHF,
  gptConfigToHF,
  LSTM_LM_MODEL_TYPE,
  LSTMLanguageModel,
  type LSTMLMConfig,
  lstmLmConfigFromHF,
  lstmLmConfigToHF,
} from '@tensorlm/nn';
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
  registerBert('BertModel', BertModel);
  registerBert('BertForMaskedLM', BertForMaskedLM);
  registerBert('BertForSequenceClassification', BertForSequenceClassification);
  registerLstmLm();
}

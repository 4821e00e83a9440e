// @tensorlm/nn for browsers (the package's `browser` export condition): everything but
// file I/O — modules and layers, GPT and BERT with Hugging Face names, safetensors from
// bytes and streamed from a Blob. No `node:` import is reachable from here (the test in
// tooling/browser bundles it and checks). The Node entry, ./index.ts, adds files on disk.

export { ConfigError, NnError } from './errors.js';
export { blobByteSource, openSafetensorsBlob } from './io/blob.js';
export { joinPath } from './io/path.js';
export { type ByteRangeSource, openSafetensorsFrom, SafetensorsReader } from './io/reader.js';
export {
  type ActivationName,
  activationModule,
  GELU,
  type GeluApproximation,
  ReLU,
  Tanh,
} from './layers/activations.js';
export {
  type AttentionOptions,
  type AttentionResult,
  causalMask,
  combineMasks,
  MASKED_SCORE,
  MultiHeadAttention,
  type MultiHeadAttentionCallOptions,
  type MultiHeadAttentionOptions,
  mergeHeads,
  paddingMask,
  scaledDotProductAttention,
  splitHeads,
} from './layers/attention.js';
export { ModuleList, Sequential, type TensorModule } from './layers/containers.js';
export { Conv1D } from './layers/conv1d.js';
export { Dropout } from './layers/dropout.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { FeedForward, type FeedForwardOptions } from './layers/feed-forward.js';
export { LayerNorm, type LayerNormOptions } from './layers/layer-norm.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export {
  LSTM,
  type LSTMForwardOptions,
  type LSTMOptions,
  type LSTMOutput,
  type LSTMState,
} from './layers/lstm.js';
export { PositionalEncoding, sinusoidalTable } from './layers/positional-encoding.js';
export { TransformerBlock, type TransformerBlockOptions } from './layers/transformer-block.js';
export {
  BertAttention,
  type BertClassificationOptions,
  BertEmbeddings,
  BertEncoder,
  BertForMaskedLM,
  BertForSequenceClassification,
  type BertForwardOptions,
  BertIntermediate,
  BertLayer,
  BertLMPredictionHead,
  type BertMaskedLMOptions,
  BertModel,
  type BertModelOutput,
  BertOnlyMLMHead,
  BertOutput,
  BertPooler,
  BertPredictionHeadTransform,
  BertSelfAttention,
  BertSelfOutput,
} from './models/bert.js';
export {
  BERT_PRESETS,
  type BertConfig,
  type BertConfigInput,
  type BertPresetName,
  bertConfig,
  bertConfigFromHF,
  bertConfigSchema,
  bertConfigToHF,
} from './models/bert-config.js';
export {
  GPT2Attention,
  GPT2Block,
  GPT2ForSequenceClassification,
  GPT2LMHeadModel,
  GPT2MLP,
  GPT2Model,
  type GPTClassificationOptions,
  type GPTClassificationOutput,
  type GPTClassifierConfig,
  type GPTClassifierConfigInput,
  type GPTClassifierFields,
  type GPTForwardOptions,
  type GPTLMForwardOptions,
  type GPTLMOutput,
  type GPTModelOutput,
  type GPTPooling,
  gptClassifierConfig,
  type LayerPast,
  poolHidden,
} from './models/gpt.js';
export {
  GPT_PRESETS,
  type GPTConfig,
  type GPTConfigInput,
  type GPTPresetName,
  gptConfig,
  gptConfigFromHF,
  gptConfigSchema,
  gptConfigToHF,
} from './models/gpt-config.js';
export {
  LSTM_LM_MODEL_TYPE,
  LSTMLanguageModel,
  type LSTMLMConfig,
  type LSTMLMConfigInput,
  type LSTMLMForwardOptions,
  type LSTMLMOutput,
  lstmLmConfig,
  lstmLmConfigFromHF,
  lstmLmConfigSchema,
  lstmLmConfigToHF,
} from './models/lstm-lm.js';
export {
  isMetaInit,
  type LoadStateDictOptions,
  type LoadStateDictReport,
  Module,
  onMeta,
  ParameterSlot,
  type ShapeMismatch,
  type StateDict,
  type StateDictLike,
  type StateDictSource,
  type StreamingLoadOptions,
  type StreamingLoadReport,
  type SummaryOptions,
} from './module/module.js';
export {
  bf16BitsToNumber,
  decodeElements,
  f16BitsToNumber,
  SAFETENSORS_DTYPE_SIZES,
  type SafetensorsDType,
} from './safetensors/dtypes.js';
export {
  decodeSafetensor,
  type HostTensor,
  MAX_HEADER_BYTES,
  parseSafetensors,
  parseSafetensorsHeader,
  SafetensorsError,
  SafetensorsFile,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  safetensorsHeaderLength,
} from './safetensors/read.js';
export { safetensorsToStateDict, stateDictToSafetensors } from './safetensors/state-dict.js';
export { type SerializeOptions, serializeSafetensors } from './safetensors/write.js';

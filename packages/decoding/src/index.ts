// @tensorlm/decoding: text generation for causal language models — greedy, temperature,
// top-k, top-p, stop tokens, several sequences per prompt, batches with left padding,
// seeded sampling, context cropping and a KV cache — plus the logits processors alone.

export {
  asCausalLM,
  type CausalLM,
  type CausalLMForwardOptions,
  type CausalLMOutput,
  disposePast,
  GPT2CausalLM,
} from './causal-lm.js';
export { DecodingError } from './errors.js';
export {
  type FinishReason,
  type GenerateOutput,
  type GenerationModel,
  generate,
  generateStream,
} from './generate.js';
export { LSTMCausalLM } from './lstm-adapter.js';
export {
  type GenerateOptions,
  type GenerationStep,
  generateOptionsSchema,
  parseGenerateOptions,
  type ResolvedGenerateOptions,
} from './options.js';
export {
  applyRepetitionPenalty,
  applyTemperature,
  exclusiveCumsum,
  FILTER_VALUE,
  type FilterOptions,
  type LogitsProcessingOptions,
  nucleusPrefix,
  processLogits,
  type TopPOptions,
  topKFilter,
  topPFilter,
} from './processors.js';
export { leftPad, type PromptInput, readPrompts } from './prompts.js';
export { type SampleOptions, sampleNext, stepSeed } from './sampling.js';

// @tensorlm/datasets for browsers (the package's `browser` export condition): Dataset /
// DataLoader, collation, the toy grammar, sliding-window text, the character corpus and the
// weather HMM — everything but files on disk (review chunks, JSONL, tables, text files),
// which the Node entry (./index.ts) adds. No `node:` import is reachable from here
// (tooling/browser bundles it and checks).

export {
  CharCorpus,
  type CharCorpusOptions,
  type CharWindows,
  type CorpusSplit,
} from './chars/char-corpus.js';
export { CharVocab } from './chars/char-vocab.js';
export {
  ArrayDataset,
  concatDatasets,
  type Dataset,
  type IterableDataset,
  isDataset,
  mapDataset,
  Subset,
} from './dataset/dataset.js';
export { type SplitOptions, type TypedArray, trainValSplit } from './dataset/split.js';
export { DatasetError } from './errors.js';
export { Grammar } from './grammar/grammar.js';
export { GrammarSampler, type GrammarSamplerOptions } from './grammar/sampler.js';
export { SEED_GRAMMAR } from './grammar/seed-grammar.js';
export {
  type GrammarSpec,
  type GrammarSpecInput,
  grammarSpecSchema,
  parseGrammarSpec,
} from './grammar/spec.js';
export {
  type HmmSpec,
  parseHmm,
  SEED_WEATHER_HMM,
  type WeatherExample,
  WeatherHmmDataset,
  type WeatherOptions,
  type WeatherSequence,
} from './hmm/weather.js';
export { type Collated, type CollateFn, defaultCollate } from './loader/collate.js';
export { DataLoader, type DataLoaderOptions } from './loader/data-loader.js';
export {
  type CausalLmBatch,
  type CausalLmCollateOptions,
  causalLmCollate,
  type PadCollateOptions,
  type PaddedBatch,
  type PaddedIds,
  padCollate,
  type SequenceLike,
} from './loader/pad.js';
export {
  type MaskedSequence,
  type MlmBatch,
  type MlmCollateShape,
  MlmMasking,
  type MlmMaskingOptions,
  mlmCollate,
} from './mlm/masking.js';
export { deriveSeed, hashSeed, Rng, type Seed } from './random/rng.js';
export { splitSentences } from './reviews/sentences.js';
export type { TokenEncoder } from './text/encoder.js';
export {
  createTextLoader,
  SlidingWindowDataset,
  type SlidingWindowOptions,
  type TextLoaderOptions,
  type TextWindow,
} from './text/sliding-window.js';

// @tensorlm/datasets: Dataset / DataLoader with seeded shuffling and collation to
// tensor-core tensors, and the seeds' data: toy grammar (+ parser), sliding-window text,
// character corpus, review chunks on disk, the weather HMM, and local text sources.

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
export { writeLinesAtomic, writeTextAtomic } from './io/atomic.js';
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
export { deriveSeed, hashSeed, Rng, type Seed } from './random/rng.js';
export {
  type ChunkOptions,
  makeChunks,
  openReviewChunks,
  type ReviewChunk,
  type ReviewDocument,
  writeReviewChunks,
} from './reviews/chunks.js';
export { splitSentences } from './reviews/sentences.js';
export { JsonlDataset, type JsonlOptions, type PathLike, writeJsonl } from './sources/jsonl.js';
export {
  type LabelledText,
  loadSentiment,
  readSentiment,
  type SentimentFileOptions,
} from './sources/sentiment.js';
export { loadTable, parseDelimited, readTable, type TableOptions, type TableRow } from './sources/table.js';
export { readLines, readTextFile } from './sources/text-file.js';
export { loadTheVerdict, THE_VERDICT_URL } from './sources/the-verdict.js';
export type { TokenEncoder } from './text/encoder.js';
export {
  createTextLoader,
  SlidingWindowDataset,
  type SlidingWindowOptions,
  type TextLoaderOptions,
  type TextWindow,
} from './text/sliding-window.js';

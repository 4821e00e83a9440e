// @tensorlm/datasets: Dataset / DataLoader with seeded shuffling and collation to
// tensor-core tensors, and the seeds' data: toy grammar (+ parser), sliding-window text,
// character corpus, review chunks on disk, the weather HMM, and local text sources.
// This is the Node entry: the browser entry (./index.browser.ts) plus files on disk.

export * from './index.browser.js';
export { writeLinesAtomic, writeTextAtomic } from './io/atomic.js';
export {
  type ChunkOptions,
  makeChunks,
  openReviewChunks,
  type ReviewChunk,
  type ReviewDocument,
  writeReviewChunks,
} from './reviews/chunks.js';
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

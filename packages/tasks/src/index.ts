// @tensorlm/tasks: what people load GPT-2 and BERT for, as pipelines — text-generation,
// fill-mask, feature-extraction, text-classification — plus semantic search (exact
// cosine, BM25, hybrid) and attention maps. Browser-safe: it never imports datasets or
// the trainer (they pull `node:fs`).
export * from './attention/index.js';
export * from './pipelines/index.js';
export * from './search/index.js';
// Node only (files on disk, the native HNSW addon): a browser entry of this package leaves this line out.
export * from './search/index.node.js';

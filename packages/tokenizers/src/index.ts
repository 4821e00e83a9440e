// @tensorlm/tokenizers: one Tokenizer interface for character, word, GPT-2 byte-level
// BPE (with training) and BERT WordPiece tokenizers, a registry for third-party kinds,
// and the GPT-2 and bert-base-uncased vocabularies packaged for offline use. This is the
// Node entry: ./index.shared.ts plus loading by path and the packaged files from disk.

export * from './index.shared.js';
export { bertBaseUncased, gpt2 } from './pretrained/pretrained.js';
export { loadTokenizer, saveTokenizer } from './registry/load.js';

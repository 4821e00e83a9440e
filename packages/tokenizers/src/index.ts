// @tensorlm/tokenizers: one Tokenizer interface for character, word, GPT-2 byte-level
// BPE (with training) and BERT WordPiece tokenizers, a registry for third-party kinds,
// and the GPT-2 and bert-base-uncased vocabularies packaged for offline use.

export { BYTE_TO_CHAR, fromByteLevel, toByteLevel } from './bpe/byte-unicode.js';
export { type BpeFileOptions, bpeFromFiles, parseBpeMerges, parseBpeVocab } from './bpe/files.js';
export { GPT2_PATTERN, preTokenize } from './bpe/pretokenize.js';
export { type ByteLevelBpeInit, ByteLevelBpeTokenizer } from './bpe/tokenizer.js';
export { type BpeTrainOptions, trainBpe } from './bpe/train.js';
export { CharTokenizer, type CharTokenizerOptions } from './char/char.js';
export { BaseTokenizer, type BaseTokenizerInit } from './core/base.js';
export { cleanUpTokenizationSpaces } from './core/cleanup.js';
export {
  bertTemplate,
  PLAIN_TEMPLATE,
  suffixTemplate,
  type Template,
  type TemplatePiece,
} from './core/template.js';
export type {
  AllowedSpecial,
  BatchEncoding,
  BatchInput,
  DecodeOptions,
  EncodeBatchOptions,
  EncodeDetailedOptions,
  EncodeOptions,
  Encoding,
  ExplainPart,
  ExplainStep,
  Explanation,
  PaddingStrategy,
  SpecialTokenRole,
  SpecialTokens,
  Tokenizer,
  TokenizerJSON,
  TruncationStrategy,
} from './core/types.js';
export { TokenizerError, type TokenizerErrorLocation } from './errors.js';
export { fromHuggingFaceJSON, type HuggingFaceLoadOptions, toHuggingFaceJSON } from './hf/tokenizer-json.js';
export {
  bertBaseUncased,
  bertBaseUncasedFromVocab,
  GPT2_EOS,
  gpt2,
  gpt2FromFiles,
} from './pretrained/pretrained.js';
export { loadTokenizer, saveTokenizer } from './registry/load.js';
export {
  type FactoryContext,
  listTokenizerKinds,
  type RegisterOptions,
  registerTokenizer,
  type TokenizerFactory,
  tokenizerFromJSON,
  unregisterTokenizer,
} from './registry/registry.js';
export { IMDB_STANDARDIZE, type StandardizeOptions, standardize } from './word/standardize.js';
export { WordTokenizer, type WordTokenizerOptions, type WordTrainOptions } from './word/word.js';
export { type BertNormalizerOptions, bertNormalize, bertPreTokenize } from './wordpiece/basic.js';
export { parseVocabTxt, type VocabTxtOptions, wordPieceFromVocabTxt } from './wordpiece/files.js';
export { type WordPieceInit, WordPieceTokenizer } from './wordpiece/tokenizer.js';

// What both entries of @tensorlm/tokenizers export (./index.ts for Node,
// ./index.browser.ts for browsers): everything but reading the packaged vocabularies and
// loading by path, which differ by platform. Add new exports here unless they need `node:`.

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
export { bertBaseUncasedFromVocab, GPT2_EOS, gpt2FromFiles } from './pretrained/loaders.js';
export {
  findTokenizerFile,
  loadTokenizerFiles,
  TOKENIZER_FILE_NAMES,
  type TokenizerFiles,
  tokenizerFromFile,
} from './registry/load-files.js';
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

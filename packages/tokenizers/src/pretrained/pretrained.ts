// GPT-2's and bert-base-uncased's tokenizers from the vocabularies packaged with this
// package, read from disk in Node (./assets.ts). Browsers get ./pretrained.browser.ts.
import type { ByteLevelBpeTokenizer } from '../bpe/tokenizer.js';
import type { WordPieceTokenizer } from '../wordpiece/tokenizer.js';
import { readAsset } from './assets.js';
import { pretrainedLoaders } from './loaders.js';

export { bertBaseUncasedFromVocab, GPT2_EOS, gpt2FromFiles } from './loaders.js';

const loaders = pretrainedLoaders(readAsset);

/** GPT-2's tokenizer (50,257 ids, `<|endoftext|>` = 50256) from the packaged files. */
export const gpt2: () => Promise<ByteLevelBpeTokenizer> = loaders.gpt2;

/** bert-base-uncased's WordPiece tokenizer (30,522 ids) from the packaged vocab.txt. */
export const bertBaseUncased: () => Promise<WordPieceTokenizer> = loaders.bertBaseUncased;

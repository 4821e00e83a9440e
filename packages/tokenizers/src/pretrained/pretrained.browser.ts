// GPT-2's and bert-base-uncased's tokenizers from the packaged vocabularies, fetched (the
// bundler serves the assets/ files): the browser twin of ./pretrained.ts.
import type { ByteLevelBpeTokenizer } from '../bpe/tokenizer.js';
import type { WordPieceTokenizer } from '../wordpiece/tokenizer.js';
import { fetchAsset } from './asset-urls.js';
import { pretrainedLoaders } from './loaders.js';

const loaders = pretrainedLoaders(fetchAsset);

/** GPT-2's tokenizer (50,257 ids, `<|endoftext|>` = 50256) from the packaged files. */
export const gpt2: () => Promise<ByteLevelBpeTokenizer> = loaders.gpt2;

/** bert-base-uncased's WordPiece tokenizer (30,522 ids) from the packaged vocab.txt. */
export const bertBaseUncased: () => Promise<WordPieceTokenizer> = loaders.bertBaseUncased;

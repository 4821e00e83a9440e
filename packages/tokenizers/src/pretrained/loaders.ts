// Ready-made tokenizers from the packaged vocabularies, for offline use: GPT-2's
// byte-level BPE and bert-base-uncased's WordPiece, built from the files' contents, and
// the shared once-loaded instances given a way to read the packaged files (disk in Node,
// fetch in browsers: ./pretrained.ts and ./pretrained.browser.ts).
import { bpeFromFiles } from '../bpe/files.js';
import type { ByteLevelBpeTokenizer } from '../bpe/tokenizer.js';
import { wordPieceFromVocabTxt } from '../wordpiece/files.js';
import type { WordPieceTokenizer } from '../wordpiece/tokenizer.js';
import type { AssetName } from './asset-urls.js';

export const GPT2_EOS = '<|endoftext|>';

/** GPT-2 from vocab.json + merges.txt contents (e.g. fetched in a browser). */
export function gpt2FromFiles(vocabJson: string | Readonly<Record<string, unknown>>, mergesTxt: string) {
  return bpeFromFiles(vocabJson, mergesTxt, {
    // As Hugging Face's GPT2Tokenizer: one token plays bos, eos and unk; there is no pad.
    specialTokens: { bos: GPT2_EOS, eos: GPT2_EOS, unk: GPT2_EOS },
    modelMaxLength: 1024,
    vocabName: 'encoder.json',
    mergesName: 'vocab.bpe',
  });
}

/** bert-base-uncased from its vocab.txt contents. */
export function bertBaseUncasedFromVocab(vocabTxt: string): WordPieceTokenizer {
  return wordPieceFromVocabTxt(vocabTxt, { lowercase: true, modelMaxLength: 512 });
}

/** `gpt2()` and `bertBaseUncased()` over `readAsset`: each loads once and is shared (a failure is retried). */
export function pretrainedLoaders(readAsset: (name: AssetName) => Promise<string>) {
  let gpt2Promise: Promise<ByteLevelBpeTokenizer> | undefined;
  let bertPromise: Promise<WordPieceTokenizer> | undefined;
  return {
    gpt2(): Promise<ByteLevelBpeTokenizer> {
      gpt2Promise ??= Promise.all([readAsset('gpt2Vocab'), readAsset('gpt2Merges')]).then(([vocab, merges]) =>
        gpt2FromFiles(vocab, merges),
      );
      gpt2Promise.catch(() => {
        gpt2Promise = undefined;
      });
      return gpt2Promise;
    },
    bertBaseUncased(): Promise<WordPieceTokenizer> {
      bertPromise ??= readAsset('bertVocab').then(bertBaseUncasedFromVocab);
      bertPromise.catch(() => {
        bertPromise = undefined;
      });
      return bertPromise;
    },
  };
}

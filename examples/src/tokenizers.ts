// The code block of packages/tokenizers/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import {
  bertBaseUncased,
  gpt2,
  loadTokenizer,
  registerTokenizer,
  trainBpe,
  WordTokenizer,
} from '@tensorlm/tokenizers';

// GPT-2 byte-level BPE, offline (the vocabulary ships with the package).
const tok = await gpt2();
const ids = tok.encode('Your drawing is charmingly anachronistic.');
// [7120, 8263, 318, 23332, 306, 281, 620, 1313, 2569, 13]
tok.tokenize('Your drawing is charmingly anachronistic.');
// ['Your', 'Ġdrawing', 'Ġis', 'Ġcharming', 'ly', 'Ġan', 'ach', 'ron', 'istic', '.']
tok.decode(ids); // the exact text back
tok.encode('Hello<|endoftext|>'); // [15496, 50256]

// The merge steps of each pre-token (the seeds' encode_and_show_work).
for (const part of tok.explain(' cirkumnavigate').parts) {
  console.log(part.initial.join(' ')); // Ġ c i r k u m n a v i g a t e
  for (const step of part.steps)
    console.log(`  ${step.merged.join(' + ')} (rank ${step.rank}) → ${step.symbols.join(' ')}`);
} // … last step: Ġc + ir (rank 10518) → Ġcir k umn av igate

// BERT WordPiece: pairs, padding, truncation, masks and token type ids.
const bert = await bertBaseUncased();
bert.encodeDetailed("Hello I'm a [MASK] model.").tokens.join(' ');
// "[CLS] hello i ' m a [MASK] model . [SEP]"
const batch = bert.encodeBatch(
  [
    ['How old are you?', 'I am six.'],
    ['Hi', 'there'],
  ],
  { padding: true, truncation: true, maxLength: 16 },
); // { inputIds, attentionMask, tokenTypeIds, specialTokensMask }

// Train a byte-level BPE, save it as JSON, load it back by kind.
const trained = trainBpe('the cat sat on the mat. the cat ate the rat.', {
  vocabSize: 270,
  specialTokens: { eos: '<|endoftext|>' },
});
const again = await loadTokenizer(trained.toJSON());

// A word tokenizer for a toy grammar: a fixed dictionary with a pad and [End].
const words = WordTokenizer.fromVocab(['[Pad]', 'the', 'dog', 'ran', '[End]'], {
  specialTokens: { pad: '[Pad]', eos: '[End]' },
  appendEos: true,
});
words.encode('the dog ran'); // [1, 2, 3, 4]

// A third-party kind: register a factory; loadTokenizer dispatches on `kind`.
registerTokenizer('my-words', (json) => WordTokenizer.fromVocab(json.vocab as string[]));
(await loadTokenizer({ kind: 'my-words', vocab: ['a', 'b'] })).encode('b a'); // [1, 0]
// #endregion readme

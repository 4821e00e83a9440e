// Word tokenizer: the toy grammar dictionary, corpus training, IMDB standardisation.
import { describe, expect, it } from 'vitest';
import { tokenizerFromJSON } from '../registry/registry.js';
import { IMDB_STANDARDIZE, standardize } from './standardize.js';
import { WordTokenizer } from './word.js';

// The toy grammar's 37 words (see the datasets package), with [End] and a pad: 39 ids.
const GRAMMAR_WORDS = [
  ...'cat dog fox bird horse sheep cow bear zebra giraffe'.split(' '),
  ...'ran jumped swam flew walked slept sat stood danced'.split(' '),
  ...'saw heard smelled'.split(' '),
  ...'big small tall short long wide fat thin round square smart pretty'.split(' '),
  'the',
  'a',
  'that',
];

describe('WordTokenizer with a fixed dictionary (toy grammar)', () => {
  const tok = WordTokenizer.fromVocab(['[Pad]', ...GRAMMAR_WORDS, '[End]'], {
    specialTokens: { pad: '[Pad]', eos: '[End]' },
    appendEos: true,
  });

  it('has 39 ids: pad, 37 words, [End]', () => {
    expect(GRAMMAR_WORDS.length).toBe(37);
    expect(tok.vocabSize).toBe(39);
    expect(tok.padTokenId).toBe(0);
    expect(tok.eosTokenId).toBe(38);
  });

  it('encodes sentences ending in [End], and decodes them back', () => {
    const ids = tok.encode('the big dog saw a cat');
    expect(ids).toEqual([35, 23, 2, 20, 36, 1, 38]);
    expect(tok.decode(ids)).toBe('the big dog saw a cat [End]');
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('the big dog saw a cat');
    expect(tok.encode('the dog ran', { addSpecialTokens: false })).toEqual([35, 2, 11]);
  });

  it('pads batches with the pad id and masks', () => {
    const batch = tok.encodeBatch(['the dog ran', 'a big fox saw the cat'], { padding: true });
    expect(batch.inputIds[0]).toEqual([35, 2, 11, 38, 0, 0, 0]);
    expect(batch.attentionMask[0]).toEqual([1, 1, 1, 1, 0, 0, 0]);
  });

  it('names words outside the vocabulary', () => {
    expect(() => tok.encode('the unicorn ran')).toThrow(/word "unicorn" is not in the vocabulary/);
  });
});

describe('WordTokenizer trained from a corpus', () => {
  const corpus = ['the cat sat on the mat', 'the dog sat', 'a cat and a dog', 'zebra'];

  it('puts <pad> = 0 and <unk> = 1 first, then words by frequency, and respects minFreq', () => {
    const tok = WordTokenizer.train(corpus, { minFreq: 2 });
    expect(tok.padTokenId).toBe(0);
    expect(tok.unkTokenId).toBe(1);
    // the ×3; cat, sat, a, dog ×2 in order of first appearance; the rest appear once.
    expect(Array.from({ length: tok.vocabSize }, (_, i) => tok.idToToken(i))).toEqual([
      '<pad>',
      '<unk>',
      'the',
      'cat',
      'sat',
      'dog',
      'a',
    ]);
    expect(tok.encode('the zebra sat')).toEqual([2, 1, 4]);
    expect(WordTokenizer.train(corpus, { maxVocabSize: 4 }).vocabSize).toBe(4);
  });

  it('standardises IMDB reviews as the seed: lower-case, no HTML, mr. → mr, sentence ends → <eos>', () => {
    const review = 'Mr. Smith was GREAT!<br /><br />I loved it... Would I watch again? Yes, twice.';
    expect(standardize(review, IMDB_STANDARDIZE).split(/\s+/).filter(Boolean)).toEqual([
      'mr',
      'smith',
      'was',
      'great',
      '<eos>',
      'i',
      'loved',
      'it',
      '<eos>',
      'would',
      'i',
      'watch',
      'again',
      '<eos>',
      'yes',
      'twice',
      '<eos>',
    ]);
    const tok = WordTokenizer.train([review, 'It was great. I loved it!'], { standardize: IMDB_STANDARDIZE });
    expect(tok.eosTokenId).toBe(2);
    expect(tok.tokenToId('<eos>')).toBe(2);
    expect(tok.tokenize('It was GREAT!')).toEqual(['it', 'was', 'great', '<eos>']);
    expect(tok.explain('Great!').normalized.trim()).toBe('great <eos>');
  });

  it('splits punctuation as the seeds’ SimpleTokenizer and decodes without the spaces', () => {
    const text = 'Hello, do you like tea? In the sunlit terraces of the palace.';
    const tok = WordTokenizer.train(text, { split: 'punctuation', specialTokens: { unk: '<|unk|>' } });
    expect(tok.tokenize('Hello, do you like tea?')).toEqual(['Hello', ',', 'do', 'you', 'like', 'tea', '?']);
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('round-trips its JSON', () => {
    const tok = WordTokenizer.train(corpus, { standardize: { lowercase: true } });
    const again = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(again.encode('THE CAT')).toEqual(tok.encode('the cat'));
  });

  it('rejects unknown options by name', () => {
    expect(() => WordTokenizer.train(corpus, { minFrequency: 2 } as never)).toThrow(/minFrequency/);
    expect(() => WordTokenizer.train(corpus, { minFreq: 0 })).toThrow(/minFreq/);
  });
});

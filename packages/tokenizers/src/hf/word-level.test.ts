// Word and char tokenizers as Hugging Face WordLevel tokenizer.json files: the exported file
// must tokenize exactly as ours in @huggingface/tokenizers (an independent implementation of
// the format, given tokenizer_config.json as transformers would), decode the same where
// the mapping is exact, and read back here to a tokenizer that encodes and decodes alike.
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '../char/char.js';
import type { Tokenizer } from '../core/types.js';
import { IMDB_STANDARDIZE } from '../word/standardize.js';
import { WordTokenizer } from '../word/word.js';
import { fromHuggingFaceJSON, toHuggingFaceJSON } from './tokenizer-json.js';

/** tokenizer_config.json as savePretrained writes it: the special tokens by role, no clean-up. */
function configOf(tokenizer: Tokenizer): Record<string, unknown> {
  return {
    ...Object.fromEntries(
      Object.entries(tokenizer.specialTokens).map(([role, token]) => [`${role}_token`, token as string]),
    ),
    clean_up_tokenization_spaces: false,
  };
}

/** Export, check @huggingface/tokenizers encodes every text alike, and read the file back. */
function roundTrip(tokenizer: Tokenizer, texts: readonly string[], decodes = true): Tokenizer {
  const json = JSON.parse(JSON.stringify(toHuggingFaceJSON(tokenizer))) as Record<string, unknown>;
  const hf = new HfTokenizer(json, configOf(tokenizer));
  const back = fromHuggingFaceJSON(json, { config: configOf(tokenizer) });
  expect(back.kind).toBe(tokenizer.kind);
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    expect(hf.encode(text).ids, JSON.stringify(text)).toEqual(ids);
    expect(hf.encode(text, { add_special_tokens: false }).ids, JSON.stringify(text)).toEqual(
      tokenizer.encode(text, { addSpecialTokens: false }),
    );
    expect(back.encode(text), JSON.stringify(text)).toEqual(ids);
    expect(back.decode(ids)).toBe(tokenizer.decode(ids));
    // (@huggingface/tokenizers refuses to decode no ids.)
    if (decodes && ids.length > 0) expect(hf.decode(ids), JSON.stringify(text)).toBe(tokenizer.decode(ids));
  }
  expect(back.specialTokens).toEqual(tokenizer.specialTokens);
  return back;
}

const GRAMMAR_WORDS = ['the', 'dog', 'cat', 'sees', 'a', 'big', 'small', 'runs', '.'];

const WHITESPACE_TEXTS = [
  'the dog sees a cat',
  '  the\tdog\nsees   a big\r\ncat  ',
  // Every character JavaScript's \s matches (NBSP, Ogham space, en quad … ideographic space, BOM).
  'the\u00a0dog\u1680sees\u2000a\u200acat\u2028the\u2029dog\u202fruns\u205fthe\u3000cat\ufeffruns',
  'the dog [End] the cat[End]',
  '[Pad] the [Pad][End]',
  '',
];

describe('WordTokenizer as a WordLevel tokenizer.json', () => {
  it('a fixed vocabulary split on whitespace, eos appended: encodes and decodes as @huggingface/tokenizers', () => {
    const tokenizer = WordTokenizer.fromVocab(GRAMMAR_WORDS, {
      specialTokens: { pad: '[Pad]', eos: '[End]' },
      appendEos: true,
    });
    const json = toHuggingFaceJSON(tokenizer) as {
      model: { type: string; unk_token: string; vocab: Record<string, number> };
      added_tokens: { content: string; id: number; special: boolean }[];
    };
    expect(json.model.type).toBe('WordLevel');
    // No unk token: one that is not in the vocabulary, so an unknown word fails there as here.
    expect(json.model.unk_token).toBe('<unk>');
    expect(json.model.vocab).toEqual(
      Object.fromEntries([...GRAMMAR_WORDS, '[Pad]', '[End]'].map((w, i) => [w, i])),
    );
    expect(json.added_tokens.map((t) => [t.content, t.id, t.special])).toEqual([
      ['[Pad]', 9, true],
      ['[End]', 10, true],
    ]);
    const back = roundTrip(tokenizer, WHITESPACE_TEXTS) as WordTokenizer;
    expect(back.appendEos).toBe(true);
    expect(back.toJSON()).toEqual(tokenizer.toJSON());
    expect(() => back.encode('the wolf')).toThrow(/"wolf" is not in the vocabulary/);
  });

  it('trained with the IMDB standardisation: the normalizer sequence gives the same words', () => {
    const corpus = [
      'Mr. Smith loved it!! <br />Great film... Really?',
      "It's the BEST movie -- I'd say; 10/10 & more: (honestly) «superb» — “wow”.",
      'Dr. Who? Ms. Marvel! Mrs. Doubtfire... ok.',
    ];
    const tokenizer = WordTokenizer.train(corpus, { standardize: IMDB_STANDARDIZE });
    const json = toHuggingFaceJSON(tokenizer) as { normalizer: { normalizers: { type: string }[] } };
    expect(json.normalizer.normalizers.map((n) => n.type)).toEqual([
      'Lowercase',
      ...Array.from({ length: 9 }, () => 'Replace'),
    ]);
    const back = roundTrip(tokenizer, [
      ...corpus,
      'MR. smith?! unknown words <b>bold</b> 100% $5 +1 #tag @you ~x^y `q` |p| {w} [z]',
      'Ünïcödé ÀÉÎ straße İstanbul',
    ]) as WordTokenizer;
    expect(back.toJSON()).toEqual(tokenizer.toJSON());
    expect(back.encode('<unk>')).toEqual(tokenizer.encode('<unk>'));
  });

  it('split on punctuation: the same words, decoding differs only in the spaces before punctuation', () => {
    const corpus = [
      'Hello, world. "Quoted" (aside) it\'s -- dashes --- and: colons; semi_under!',
      'Why? Because.',
    ];
    const tokenizer = WordTokenizer.train(corpus, {
      split: 'punctuation',
      standardize: { lowercase: true },
      specialTokens: { pad: '<pad>', unk: '<unk>' },
    });
    const texts = [...corpus, 'hello,world.."x"(y)', 'a----b - c -- d', 'UNSEEN, words!', '\tWhy  ?\n'];
    const back = roundTrip(tokenizer, texts, false) as WordTokenizer;
    expect(back.split).toBe('punctuation');
    expect(back.toJSON()).toEqual(tokenizer.toJSON());
    // Hugging Face joins with spaces; ours drops the space before , . ? ! " ( ) '.
    const hf = new HfTokenizer(JSON.parse(JSON.stringify(toHuggingFaceJSON(tokenizer))), configOf(tokenizer));
    const ids = tokenizer.encode('hello, world.');
    expect(tokenizer.decode(ids)).toBe('hello, world.');
    expect(hf.decode(ids)).toBe('hello , world .');
  });

  it('refuses a WordLevel file whose pre-tokenizer or normalizer it cannot honour, naming the key', () => {
    const json = toHuggingFaceJSON(
      WordTokenizer.fromVocab(GRAMMAR_WORDS, { standardize: { lowercase: true, stripHtml: true } }),
    ) as Record<string, unknown>;
    expect(() => fromHuggingFaceJSON({ ...json, pre_tokenizer: { type: 'Whitespace' } })).toThrow(
      /key pre_tokenizer: pre-tokenizer not supported for WordLevel/,
    );
    const { normalizers } = json.normalizer as { normalizers: unknown[] };
    expect(() =>
      fromHuggingFaceJSON({
        ...json,
        normalizer: { type: 'Sequence', normalizers: [...normalizers].reverse() },
      }),
    ).toThrow(/key normalizer\.normalizers\[1\]: normalizer "Lowercase" is not supported here/);
    expect(() => fromHuggingFaceJSON({ ...json, normalizer: { type: 'NFKC' } })).toThrow(
      /key normalizer\.normalizers\[0\]: normalizer "NFKC"/,
    );
  });
});

describe('CharTokenizer as a WordLevel tokenizer.json', () => {
  it('one token per code point (astral ones too), unknown ones to unk, fused back on decode', () => {
    const tokenizer = CharTokenizer.fromCorpus('hello world\n😀 ñ\t', {
      unkToken: '<unk>',
      specialTokens: { eos: '<eos>' },
    });
    const json = toHuggingFaceJSON(tokenizer) as { decoder: unknown; model: { unk_token: string } };
    expect(json.decoder).toEqual({ type: 'Fuse' });
    expect(json.model.unk_token).toBe('<unk>');
    const back = roundTrip(tokenizer, [
      'hello world',
      '  lead and trail  ',
      'line\nbreak\ttab 😀😀',
      'unknown: XYZ 🙂 ß',
      'hello<eos>world<eos>',
      '',
    ]);
    expect(back.toJSON()).toEqual(tokenizer.toJSON());
  });

  it('without an unk token reads back without one', () => {
    const tokenizer = CharTokenizer.fromCorpus('abc ');
    const back = roundTrip(tokenizer, ['abc', 'c b a ']);
    expect(back.toJSON()).toEqual(tokenizer.toJSON());
    expect(() => back.encode('abd')).toThrow(/character "d" \(U\+0064\) at index 2 is not in the vocabulary/);
  });
});

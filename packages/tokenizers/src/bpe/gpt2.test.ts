// GPT-2 byte-level BPE against independent references: js-tiktoken's gpt2 encoding, the
// transformers.js / llama.cpp / swift-coreml-transformers oracles, and the seeds' figures.
import { readFileSync } from 'node:fs';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { getEncoding } from 'js-tiktoken';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  hasSharedData,
  randomUnicodeString,
  readShared,
  readSharedJson,
  seededRandom,
} from '../../test/shared-data.js';
import { fromHuggingFaceJSON, toHuggingFaceJSON } from '../hf/tokenizer-json.js';
import { gpt2 } from '../pretrained/pretrained.js';
import type { ByteLevelBpeTokenizer } from './tokenizer.js';

const tiktoken = getEncoding('gpt2');
const ordinary = (text: string) => tiktoken.encode(text, [], []);
let tok: ByteLevelBpeTokenizer;

beforeAll(async () => {
  tok = await gpt2();
});

const VARIED = [
  'Hello, world! How are you doing today?',
  "I'm sure you've heard: they'll say it's 'fine' — we'd disagree. DON'T SHOUT'S",
  'Unicode: naïve café, Ærøskøbing, Straße, İstanbul, ½ ⅓ ¾, Ελληνικά, русский, עברית, العربية, हिन्दी, 日本語のテキスト, 한국어',
  'Emoji: 🤗 👍🏽 👨‍👩‍👧‍👦 🏴󠁧󠁢󠁳󠁣󠁴󠁿 ❤️‍🔥 🇺🇳 😂😂😂',
  'Whitespace runs:    four spaces\t\ttwo tabs\n\n\nthree newlines \n \n  \u00a0\u00a0 nbsp \u3000 ideographic   ',
  '     ',
  '\n',
  'Numbers: 0 1 12 123 1234 12345 3.14159 -42 1e10 1,000,000 ٣٤٥ 𝟘𝟙𝟚 3333333',
  'function add(a: number, b: number): number {\n  return a + b; // sum\n}\nconst x = [1, 2, 3].map((v) => v ** 2);',
  'def main():\n\tprint(f"{x!r:>10}")\n\tif __name__ == "__main__":\n\t\tmain()',
  '<html><body class="x">&amp; &lt;tag&gt;</body></html>',
  'URLs https://example.com/path?q=1&r=2#frag and emails a.b+c@example.org',
  "Contractions at edges: 's 't 're 've 'm 'll 'd ''' ' s",
  'Typos: cirkumnavigate recieve teh definately anachronistic charmingly',
  'a'.repeat(300),
  '🤗'.repeat(100),
  `${'x'.repeat(60)} ${'ab'.repeat(40)}`,
];

describe('GPT-2 byte-level BPE matches js-tiktoken (gpt2)', () => {
  it('on a varied corpus: unicode, emoji, whitespace runs, numbers, code', () => {
    for (const text of VARIED) expect(tok.encode(text), JSON.stringify(text)).toEqual(ordinary(text));
  });

  it.skipIf(!hasSharedData)('on the-verdict.txt (20,479 characters → 5,145 tokens, as the seed)', () => {
    const verdict = readShared('the-verdict/the-verdict.txt');
    expect(verdict.length).toBe(20479);
    const ids = tok.encode(verdict);
    expect(ids.length).toBe(5145);
    expect(ids).toEqual(ordinary(verdict));
    // GOLDEN.md A5: the first tokens and enc_text[50:55].
    expect(ids.slice(0, 33)).toEqual([
      40, 367, 2885, 1464, 1807, 3619, 402, 271, 10899, 2138, 257, 7026, 15632, 438, 2016, 257, 922, 5891,
      1576, 438, 568, 340, 373, 645, 1049, 5975, 284, 502, 284, 3285, 326, 11, 287,
    ]);
    expect(ids.slice(50, 55)).toEqual([290, 4920, 2241, 287, 257]);
  });

  it('on this package’s own source code', () => {
    const source = readFileSync(new URL('./tokenizer.ts', import.meta.url), 'utf8');
    expect(tok.encode(source)).toEqual(ordinary(source));
  });

  it('on long words (the heap path) without quadratic blow-up', () => {
    const random = seededRandom(7);
    const letters = 'abcdefghijklmnopqrstuvwxyzéü';
    for (let n = 0; n < 20; n++) {
      let word = '';
      const length = 49 + Math.floor(random() * 400);
      for (let i = 0; i < length; i++) word += letters[Math.floor(random() * letters.length)];
      expect(tok.encode(word)).toEqual(ordinary(word));
    }
    const huge = `${'ab'.repeat(100_000)}c`;
    const started = performance.now();
    const ids = tok.encode(huge);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(tok.decode(ids)).toBe(huge);
  });

  it('handles <|endoftext|> as a special token (50256), or as text when not allowed', () => {
    const text = 'Hello, do you like tea? <|endoftext|> In the sunlit terracesof someunknownPlace.';
    const expected = [
      15496, 11, 466, 345, 588, 8887, 30, 220, 50256, 554, 262, 4252, 18250, 8812, 2114, 1659, 617, 34680,
      27271, 13,
    ];
    expect(tok.encode(text)).toEqual(expected); // GOLDEN.md A5
    expect(tok.encode(text)).toEqual(tiktoken.encode(text, 'all'));
    expect(tok.encode(text, { allowedSpecial: 'none' })).toEqual(ordinary(text));
    expect(tok.encode(text, { allowedSpecial: ['<|endoftext|>'] })).toEqual(expected);
    expect(tok.encode('<|endoftext|><|endoftext|>x<|endoftext|>')).toEqual(
      tiktoken.encode('<|endoftext|><|endoftext|>x<|endoftext|>', 'all'),
    );
    expect(tok.eosTokenId).toBe(50256);
    expect(tok.bosTokenId).toBe(50256);
    expect(tok.vocabSize).toBe(50257);
    expect(tok.decode(expected)).toBe(text);
    expect(tok.decode(expected, { skipSpecialTokens: true })).toBe(text.replace('<|endoftext|>', ''));
  });

  it('round-trips decode(encode(x)) === x on 400 random unicode strings (seeded), ids equal to js-tiktoken', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 400; i++) {
      const text = randomUnicodeString(random, 60);
      const ids = tok.encode(text);
      expect(tok.decode(ids), JSON.stringify(text)).toBe(text);
      expect(ids, JSON.stringify(text)).toEqual(ordinary(text));
    }
  });

  it('decodes cut multi-byte characters to U+FFFD, as Hugging Face', () => {
    const ids = tok.encode('🤗');
    expect(ids.length).toBeGreaterThan(1);
    expect(tok.decode(ids.slice(0, 1))).toBe('\ufffd');
  });
});

describe('GPT-2 as a Hugging Face tokenizer.json', () => {
  it('exports one that @huggingface/tokenizers encodes identically, and reads it back (string or pair merges)', () => {
    const json = toHuggingFaceJSON(tok) as { model: { merges: string[] } };
    const hf = new HfTokenizer(json, {});
    const pairs = { ...json, model: { ...json.model, merges: json.model.merges.map((m) => m.split(' ')) } };
    const back = fromHuggingFaceJSON(pairs);
    expect(back.eosTokenId).toBe(50256);
    for (const text of VARIED.slice(0, 14)) {
      const ids = tok.encode(text);
      expect(hf.encode(text).ids, JSON.stringify(text)).toEqual(ids);
      expect(back.encode(text)).toEqual(ids);
    }
  });
});

describe('the seeds’ examples', () => {
  it('shows "Your drawing is charmingly anachronistic." as its pieces', () => {
    expect(tok.tokenize('Your drawing is charmingly anachronistic.')).toEqual([
      'Your',
      'Ġdrawing',
      'Ġis',
      'Ġcharming',
      'ly',
      'Ġan',
      'ach',
      'ron',
      'istic',
      '.',
    ]);
  });

  it('splits the typo "cirkumnavigate" differently from "circumnavigate"', () => {
    expect(tok.tokenize(' cirkumnavigate')).toEqual(['Ġcir', 'k', 'umn', 'av', 'igate']);
    expect(tok.tokenize(' circumnavigate')).not.toEqual(tok.tokenize(' cirkumnavigate'));
    expect(tok.encode(' circumnavigate')).toEqual(ordinary(' circumnavigate'));
  });

  it('explains the merges of each pre-token, like encode_and_show_work', () => {
    const explained = tok.explain('Your drawing is charmingly anachronistic.');
    expect(explained.parts.map((p) => p.text)).toEqual([
      'Your',
      ' drawing',
      ' is',
      ' charmingly',
      ' anachronistic',
      '.',
    ]);
    const charmingly = explained.parts[3]!;
    expect(charmingly.initial).toEqual(['Ġ', 'c', 'h', 'a', 'r', 'm', 'i', 'n', 'g', 'l', 'y']);
    expect(charmingly.tokens).toEqual(['Ġcharming', 'ly']);
    expect(charmingly.steps.at(-1)!.symbols).toEqual(['Ġcharming', 'ly']);
    // Each step merges one pair (one symbol fewer), lowest rank first: ranks only grow.
    let previous = charmingly.initial.length;
    let lastRank = -1;
    for (const step of charmingly.steps) {
      expect(step.symbols.length).toBe(previous - 1);
      expect(step.symbols).toContain(step.merged.join(''));
      expect(step.rank!).toBeGreaterThan(lastRank);
      previous = step.symbols.length;
      lastRank = step.rank!;
    }
    expect(explained.ids).toEqual(tok.encode('Your drawing is charmingly anachronistic.'));
    expect(explained.tokens).toEqual(tok.tokenize('Your drawing is charmingly anachronistic.'));
    const special = tok.explain('a<|endoftext|>');
    expect(special.parts[1]).toMatchObject({ special: true, ids: [50256] });
  });

  it('gives the ids of the seeds’ prompts (GOLDEN.md A5)', () => {
    expect(tok.encode('Hello, I am')).toEqual([15496, 11, 314, 716]);
    expect(tok.encode('Every effort moves you')).toEqual([6109, 3626, 6100, 345]);
  });
});

type Case = { text: string; tokens: string[]; ids: number[]; decoded: string };

describe.skipIf(!hasSharedData)('golden oracles (GOLDEN.md A1–A3, A6)', () => {
  it('transformers.js Xenova/gpt2 cases: tokens, ids and decoded text', () => {
    const cases = readSharedJson<Record<string, Record<string, Case>>>(
      'golden/transformersjs-tokenizer-cases.json',
    )['Xenova/gpt2']!;
    expect(Object.keys(cases).length).toBe(26);
    for (const [name, c] of Object.entries(cases)) {
      expect(tok.encode(c.text), name).toEqual(c.ids);
      expect(tok.tokenize(c.text), name).toEqual(c.tokens);
      // transformers.js decodes with clean_up_tokenization_spaces; the default is exact.
      expect(tok.decode(c.ids, { cleanUpTokenizationSpaces: true }), name).toBe(c.decoded);
      expect(tok.decode(c.ids), name).toBe(c.text);
    }
  });

  it('llama.cpp ggml-vocab-gpt-2 test strings', () => {
    const inputs = readShared('golden/llamacpp-vocab-test.inp').split('\n__ggml_vocab_test__\n');
    inputs.pop();
    const lines = readShared('golden/llamacpp-gpt-2.out').split('\n');
    expect(inputs.length).toBe(46);
    inputs.forEach((text, i) => {
      const expected = lines[i]!.trim() === '' ? [] : lines[i]!.trim().split(' ').map(Number);
      expect(tok.encode(text), JSON.stringify(text)).toEqual(expected);
    });
  });

  it('swift-coreml-transformers French text: byte-level words, BPE pieces and ids', () => {
    const golden = readSharedJson<{
      text: string;
      encoded_text: string[];
      bpe_tokens: string[];
      token_ids: number[];
    }>('golden/gpt2-encoded_tokens.json');
    const explained = tok.explain(golden.text);
    expect(explained.parts.map((p) => p.initial.join(''))).toEqual(golden.encoded_text);
    expect(tok.tokenize(golden.text)).toEqual(golden.bpe_tokens);
    expect(tok.encode(golden.text)).toEqual(golden.token_ids);
  });

  it('tiny Shakespeare 90/10 split: 301,966 and 36,059 tokens', () => {
    const text = readShared('tinyshakespeare/input.txt');
    const n = Math.floor(text.length * 0.9);
    expect(tok.encode(text.slice(0, n), { allowedSpecial: 'none' }).length).toBe(301966);
    const val = tok.encode(text.slice(n), { allowedSpecial: 'none' });
    expect(val.length).toBe(36059);
  });
});

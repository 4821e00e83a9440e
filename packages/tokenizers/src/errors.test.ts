// Bad input: malformed vocabularies, merges and tokenizer.json name the file and the
// line or key; decode rejects ids it cannot map.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bpeFromFiles } from './bpe/files.js';
import type { ByteLevelBpeTokenizer } from './bpe/tokenizer.js';
import { TokenizerError } from './errors.js';
import { fromHuggingFaceJSON } from './hf/tokenizer-json.js';
import { gpt2 } from './pretrained/pretrained.js';
import { tokenizerFromJSON } from './registry/registry.js';
import { wordPieceFromVocabTxt } from './wordpiece/files.js';

const encoderJson = readFileSync(new URL('../assets/gpt2/encoder.json', import.meta.url), 'utf8');
const vocabBpe = readFileSync(new URL('../assets/gpt2/vocab.bpe', import.meta.url), 'utf8');

// A small valid byte-level vocabulary: the 256 bytes plus "Ġt" and "he".
const bytes = JSON.parse(encoderJson) as Record<string, number>;
const small: Record<string, number> = Object.fromEntries(Object.entries(bytes).filter(([, id]) => id < 256));
small.Ġt = 256;
small.he = 257;

function thrown(fn: () => unknown): TokenizerError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerError);
    return error as TokenizerError;
  }
  throw new Error('expected a TokenizerError');
}

describe('malformed vocab.json / merges.txt', () => {
  it('accepts the small vocabulary (the fixtures below break it one way each)', () => {
    expect(bpeFromFiles(small, '#version: 0.2\nĠ t\nh e\n').tokenize(' the')).toEqual(['Ġt', 'he']);
  });

  it('a JSON syntax error names the file and line', () => {
    const broken = '{\n  "a": 0,\n  "b": 1,,\n}';
    const error = thrown(() => bpeFromFiles(broken, '', { vocabName: 'encoder.json' }));
    expect(error.message).toMatch(/^encoder\.json:3: invalid JSON/);
    expect(error.line).toBe(3);
  });

  it('a bad id names the token key', () => {
    const error = thrown(() => bpeFromFiles({ ...small, hello: -3 }, ''));
    expect(error.message).toMatch(/^vocab\.json, key "hello": .*non-negative integer/);
    expect(thrown(() => bpeFromFiles({ ...small, x: 5 }, '')).message).toMatch(/id 5 is given to both/);
    expect(thrown(() => bpeFromFiles('[1, 2]', '')).message).toMatch(/expected an object/);
  });

  it('a missing byte token is named', () => {
    const { Ġ: _, ...noSpace } = small;
    expect(thrown(() => bpeFromFiles(noSpace, '')).message).toMatch(/lacks the token "Ġ" for byte 0x20/);
  });

  it('a merges line that is not two tokens names the line', () => {
    const error = thrown(() =>
      bpeFromFiles(small, '#version: 0.2\nĠ t\nh e x\n', { mergesName: 'vocab.bpe' }),
    );
    expect(error.message).toMatch(/^vocab\.bpe:3: a merge must be two tokens/);
    expect(error.line).toBe(3);
  });

  it('a merge of tokens outside the vocabulary names the line', () => {
    const error = thrown(() => bpeFromFiles(small, '#version: 0.2\nĠ t\n\nh e\nt h\n'));
    expect(error.message).toMatch(
      /^merges\.txt:5: merge 2 "t h": the merged token "th" is not in the vocabulary/,
    );
    const real = thrown(() => bpeFromFiles(encoderJson, vocabBpe.replace('\nĠ t\n', '\nĠ tQQ\n')));
    expect(real.message).toMatch(/^merges\.txt:2: .*"tQQ" is not in the vocabulary/);
  });
});

describe('malformed tokenizer.json and vocab.txt', () => {
  const wordPiece = (vocab: Record<string, unknown>) => ({
    model: { type: 'WordPiece', unk_token: '[UNK]', vocab },
    normalizer: { type: 'BertNormalizer', lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
  });

  it('names the key that is wrong', () => {
    expect(thrown(() => fromHuggingFaceJSON(wordPiece({ '[UNK]': 0, hello: 'one' }))).message).toMatch(
      /^tokenizer\.json: invalid WordPiece model: model\.vocab\.hello: .*expected number/,
    );
    expect(thrown(() => fromHuggingFaceJSON({ model: { type: 'Unigram', vocab: [] } })).message).toMatch(
      /key model\.type: model type "Unigram" is not supported/,
    );
    expect(
      thrown(() => fromHuggingFaceJSON({ ...wordPiece({ '[UNK]': 0 }), normalizer: { type: 'NFKC' } }))
        .message,
    ).toMatch(/key normalizer\.type/);
    expect(thrown(() => fromHuggingFaceJSON(wordPiece({ a: 0 }))).message).toMatch(/key model\.unk_token/);
    expect(
      thrown(() =>
        fromHuggingFaceJSON({
          model: { type: 'BPE', vocab: small, merges: ['Ġ t', 'h e', 'bad'] },
          pre_tokenizer: { type: 'ByteLevel' },
        }),
      ).message,
    ).toMatch(/key model\.merges\[2\]: a merge must be two tokens/);
    expect(
      thrown(() => tokenizerFromJSON({ kind: 'bpe', version: 1, vocab: {}, merges: 'x' })).message,
    ).toMatch(/invalid bpe tokenizer: merges: .*expected array/);
  });

  it('vocab.txt: a blank or repeated line is named', () => {
    expect(thrown(() => wordPieceFromVocabTxt('[UNK]\nhello\n\nworld\n')).message).toMatch(
      /^vocab\.txt:3: empty token/,
    );
    expect(thrown(() => wordPieceFromVocabTxt('[UNK]\nhello\nhello\n')).message).toMatch(
      /^vocab\.txt:3: token "hello" repeats line 2/,
    );
    expect(thrown(() => wordPieceFromVocabTxt('hello\nworld\n')).message).toMatch(/unknown token "\[UNK\]"/);
  });
});

describe('decode of ids it cannot map', () => {
  let gpt: ByteLevelBpeTokenizer;
  beforeAll(async () => {
    gpt = await gpt2();
  });

  it('names the id and where it is', () => {
    expect(thrown(() => gpt.decode([15496, 50257])).message).toBe(
      'decode: id 50257 at index 1 is out of range (vocabulary of 50257 ids)',
    );
    expect(thrown(() => gpt.decode([-1])).message).toMatch(/id -1 at index 0 is out of range/);
    expect(thrown(() => gpt.decode([1.5])).message).toMatch(/id 1.5 at index 0 is not an integer/);
    expect(thrown(() => gpt.decode('abc' as never)).message).toMatch(/ids must be an array/);
    expect(gpt.decode(Int32Array.from([15496, 995]))).toBe('Hello world');
  });

  it('rejects non-string text and unknown options', () => {
    expect(thrown(() => gpt.encode(42 as never)).message).toMatch(/text must be a string/);
    expect(thrown(() => gpt.decode([1], { skip_special_tokens: true } as never)).message).toMatch(
      /skip_special_tokens/,
    );
    expect(thrown(() => gpt.encode('x', { allowedSpecial: ['<s>'] })).message).toMatch(
      /"<s>" is not a special token/,
    );
  });
});

// encodeBatch: padding, truncation, pairs and masks, as Hugging Face's tokenizers behave.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ByteLevelBpeTokenizer } from '../bpe/tokenizer.js';
import { bertBaseUncased, gpt2 } from '../pretrained/pretrained.js';
import type { WordPieceTokenizer } from '../wordpiece/tokenizer.js';

let bert: WordPieceTokenizer;
let gpt: ByteLevelBpeTokenizer;

beforeAll(async () => {
  [bert, gpt] = await Promise.all([bertBaseUncased(), gpt2()]);
});

describe('encodeBatch', () => {
  it('pads to the longest with [PAD] and attention masks', () => {
    const batch = bert.encodeBatch(['hello world', 'hi'], { padding: true });
    expect(batch.inputIds).toEqual([
      [101, 7592, 2088, 102],
      [101, 7632, 102, 0],
    ]);
    expect(batch.attentionMask).toEqual([
      [1, 1, 1, 1],
      [1, 1, 1, 0],
    ]);
    expect(batch.tokenTypeIds).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expect(batch.specialTokensMask[1]).toEqual([1, 0, 1, 1]);
  });

  it('pads to max_length, and leaves rows ragged without padding', () => {
    expect(bert.encodeBatch(['hi'], { padding: 'max_length', maxLength: 5 }).inputIds).toEqual([
      [101, 7632, 102, 0, 0],
    ]);
    expect(bert.encodeBatch(['hello world', 'hi']).inputIds.map((r) => r.length)).toEqual([4, 3]);
  });

  it('truncates to maxLength, template tokens included', () => {
    const batch = bert.encodeBatch(['hello world again and again'], { truncation: true, maxLength: 4 });
    expect(batch.inputIds).toEqual([[101, 7592, 2088, 102]]);
    expect(bert.encodeBatch(['a b c d e f g h'], { truncation: true }).inputIds[0]!.length).toBe(10);
  });

  it('truncates pairs longest first, or only one side, with token type ids', () => {
    const pair: [string, string] = ['a b c d', 'e f'];
    const longest = bert.encodeBatch([pair], { truncation: true, maxLength: 7 });
    expect(longest.inputIds[0]).toEqual(bert.encodeDetailed('a b', { pair: 'e f' }).ids);
    expect(longest.tokenTypeIds[0]).toEqual([0, 0, 0, 0, 1, 1, 1]);
    const onlySecond = bert.encodeBatch([pair], { truncation: 'only_second', maxLength: 8 });
    expect(onlySecond.inputIds[0]).toEqual(bert.encodeDetailed('a b c d', { pair: 'e' }).ids);
    expect(() => bert.encodeBatch([pair], { truncation: 'only_second', maxLength: 5 })).toThrow(
      /cannot be cut/,
    );
  });

  it('pads on the left with an explicit pad id for GPT-2, which has no pad token', () => {
    expect(() => gpt.encodeBatch(['Hello world', 'Hi'], { padding: true })).toThrow(/pass padId/);
    const batch = gpt.encodeBatch(['Hello world', 'Hi'], {
      padding: true,
      paddingSide: 'left',
      padId: 50256,
    });
    expect(batch.inputIds).toEqual([
      [15496, 995],
      [50256, 17250],
    ]);
    expect(batch.attentionMask).toEqual([
      [1, 1],
      [0, 1],
    ]);
  });

  it('rejects bad options and inputs by name', () => {
    expect(() => bert.encodeBatch(['x'], { max_length: 5 } as never)).toThrow(/max_length/);
    expect(() => bert.encodeBatch(['x'], { maxLength: -1 })).toThrow(/maxLength/);
    expect(() => bert.encodeBatch(['x'], { truncation: true, maxLength: 1 })).toThrow(
      /no room for 2 template tokens/,
    );
    expect(() => bert.encodeBatch([42 as never])).toThrow(/inputs\[0\]/);
    expect(() => gpt.encodeBatch(['x'], { truncation: true, maxLength: undefined })).not.toThrow();
    expect(() => bert.encode('x', { addSpecialToken: false } as never)).toThrow(/addSpecialToken/);
  });
});

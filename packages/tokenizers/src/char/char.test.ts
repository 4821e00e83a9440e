// Character tokenizer: the seeds' sorted vocabulary, unknown characters, JSON round trip.
import { describe, expect, it } from 'vitest';
import { hasSharedData, readShared } from '../../test/shared-data.js';
import { tokenizerFromJSON } from '../registry/registry.js';
import { CharTokenizer } from './char.js';

describe('CharTokenizer', () => {
  it.skipIf(!hasSharedData)(
    'builds tiny Shakespeare’s 65-character vocabulary, sorted (GOLDEN.md A6)',
    () => {
      const text = readShared('tinyshakespeare/input.txt');
      const tok = CharTokenizer.fromCorpus(text);
      expect(tok.vocabSize).toBe(65);
      const chars = Array.from({ length: 65 }, (_, i) => tok.idToToken(i)).join('');
      expect(chars).toBe("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
      expect(tok.encode('hii there')).toEqual([46, 47, 47, 1, 58, 46, 43, 56, 43]);
      expect(tok.decode(tok.encode(text.slice(0, 1000)))).toBe(text.slice(0, 1000));
    },
  );

  it('sorts by code point and keeps astral characters whole', () => {
    const tok = CharTokenizer.fromCorpus(['ba🤗', 'cé']);
    expect([0, 1, 2, 3, 4].map((i) => tok.idToToken(i))).toEqual(['a', 'b', 'c', 'é', '🤗']);
    expect(tok.encode('🤗a')).toEqual([4, 0]);
  });

  it('rejects unknown characters clearly, or maps them to an unknown token', () => {
    const strict = CharTokenizer.fromCorpus('abc');
    expect(() => strict.encode('abz')).toThrow(
      /character "z" \(U\+007A\) at index 2 is not in the vocabulary/,
    );
    const lenient = CharTokenizer.fromCorpus('abc', { unkToken: '<unk>', specialTokens: { pad: '<pad>' } });
    expect(lenient.tokenToId('<pad>')).toBe(3);
    expect(lenient.unkTokenId).toBe(4);
    expect(lenient.encode('abz')).toEqual([0, 1, 4]);
    expect(lenient.encode('a<pad>')).toEqual([0, 3]);
  });

  it('saves and loads through the registry', () => {
    const tok = CharTokenizer.fromCorpus('hello world', { unkToken: '?' });
    const again = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(again.kind).toBe('char');
    expect(again.encode('hello there')).toEqual(tok.encode('hello there'));
  });

  it('refuses an empty corpus', () => {
    expect(() => CharTokenizer.fromCorpus('')).toThrow(/empty/);
  });
});

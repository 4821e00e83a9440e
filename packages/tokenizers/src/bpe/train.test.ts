// BPE training: hand-checked merges, naive recounts, round trips, and saving and loading
// (read back by @huggingface/tokenizers as an independent check).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { hasSharedData, randomUnicodeString, readShared, seededRandom } from '../../test/shared-data.js';
import { toHuggingFaceJSON } from '../hf/tokenizer-json.js';
import { loadTokenizer, saveTokenizer } from '../registry/load.js';
import { tokenizerFromJSON } from '../registry/registry.js';
import { toByteLevel } from './byte-unicode.js';
import { bpeFromFiles } from './files.js';
import { preTokenize } from './pretokenize.js';
import { trainBpe } from './train.js';

const SMALL_CORPUS = [
  'the cat sat on the mat. the cat ate the rat.',
  'a fat cat and a thin rat sat at the gate; the rat ran.',
  'newer and newest, wider and widest, low and lower and lowest.',
].join('\n');

describe('BPE training', () => {
  it('learns the hand-checked merges of "aaabdaaabac"', () => {
    const tok = trainBpe('aaabdaaabac', { vocabSize: 300, minFrequency: 2 });
    // aa ×4 first; then ab and (aa, a) tie at 2 and the pair of smaller ids (a, b) wins; then aa+ab ×2.
    expect(tok.merges).toEqual([
      ['a', 'a'],
      ['a', 'b'],
      ['aa', 'ab'],
    ]);
    expect(tok.vocabSize).toBe(259);
    expect(tok.tokenize('aaabdaaabac')).toEqual(['aaab', 'd', 'aaab', 'a', 'c']);
  });

  it('each learned merge is the most frequent pair at its step (recounted naively)', () => {
    const corpus = hasSharedData ? readShared('the-verdict/the-verdict.txt') : SMALL_CORPUS.repeat(20);
    // The small fallback corpus runs out of pairs seen twice before 150 merges.
    const merges = hasSharedData ? 150 : 40;
    const tok = trainBpe(corpus, { vocabSize: 256 + merges, minFrequency: 2 });
    expect(tok.vocabSize).toBe(256 + merges);
    // Independent recount: words as arrays of symbol strings, merges applied left to right.
    const counts = new Map<string, number>();
    for (const word of preTokenize(corpus)) counts.set(word, (counts.get(word) ?? 0) + 1);
    let words = [...counts].map(([w, c]) => ({ symbols: [...toByteLevel(w)], count: c }));
    for (const [left, right] of tok.merges) {
      const pairs = new Map<string, number>();
      for (const { symbols, count } of words) {
        for (let i = 0; i + 1 < symbols.length; i++) {
          const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
          pairs.set(key, (pairs.get(key) ?? 0) + count);
        }
      }
      const best = Math.max(...pairs.values());
      expect(pairs.get(`${left}\u0000${right}`), `${left} ${right}`).toBe(best);
      words = words.map(({ symbols, count }) => {
        const out: string[] = [];
        for (let i = 0; i < symbols.length; i++) {
          if (symbols[i] === left && symbols[i + 1] === right) {
            out.push(left + right);
            i++;
          } else out.push(symbols[i]!);
        }
        return { symbols: out, count };
      });
    }
  });

  it('reaches the target vocabulary size and round-trips any text exactly', () => {
    const tok = trainBpe(SMALL_CORPUS.repeat(10), { vocabSize: 300, minFrequency: 1 });
    expect(tok.vocabSize).toBe(300);
    expect(tok.decode(tok.encode(SMALL_CORPUS))).toBe(SMALL_CORPUS);
    expect(tok.encode(SMALL_CORPUS).length).toBeLessThan(new TextEncoder().encode(SMALL_CORPUS).length / 2);
    const random = seededRandom(5);
    for (let i = 0; i < 200; i++) {
      const text = randomUnicodeString(random, 50);
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  it('puts special tokens first and never learns from them', () => {
    const eot = '<|endoftext|>';
    const corpus = `${SMALL_CORPUS}${eot}${SMALL_CORPUS}${eot}`.repeat(5);
    const tok = trainBpe(corpus, { vocabSize: 320, specialTokens: { eos: eot } });
    expect(tok.tokenToId(eot)).toBe(0);
    expect(tok.eosTokenId).toBe(0);
    expect(tok.merges.some(([l, r]) => (l + r).includes('endof'))).toBe(false);
    expect(tok.encode(`the cat${eot}sat`)).toContain(0);
    expect(tok.decode(tok.encode(`the cat${eot}sat`))).toBe(`the cat${eot}sat`);
  });

  it('saves and loads like GPT-2: vocab.json + merges.txt, its JSON, a file, and tokenizer.json', async () => {
    const tok = trainBpe(SMALL_CORPUS.repeat(5), { vocabSize: 290, specialTokens: { eos: '<|endoftext|>' } });
    const texts = [SMALL_CORPUS, 'the newest rat sat at the widest gate <|endoftext|> ok', 'ünïcödé 🤗 text'];
    const files = tok.toFiles();
    expect(files.mergesTxt.startsWith('#version: 0.2\n')).toBe(true);
    const fromFiles = bpeFromFiles(files.vocabJson, files.mergesTxt, {
      specialTokens: { eos: '<|endoftext|>' },
    });
    const fromJson = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    const dir = mkdtempSync(join(tmpdir(), 'tensorlm-bpe-'));
    try {
      await saveTokenizer(tok, join(dir, 'tok.json'));
      const fromDisk = await loadTokenizer(join(dir, 'tok.json'));
      // An independent implementation reads our tokenizer.json and encodes the same.
      const hf = new HfTokenizer(toHuggingFaceJSON(tok), {});
      for (const text of texts) {
        const ids = tok.encode(text);
        expect(fromFiles.encode(text)).toEqual(ids);
        expect(fromJson.encode(text)).toEqual(ids);
        expect(fromDisk.encode(text)).toEqual(ids);
        expect(hf.encode(text).ids).toEqual(ids);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options by name', () => {
    expect(() => trainBpe('abc', { vocabSize: 100 })).toThrow(/vocabSize 100 is below the 256/);
    expect(() => trainBpe('abc', { vocabSize: 300, minFreq: 2 } as never)).toThrow(/minFreq/);
  });
});

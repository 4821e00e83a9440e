import '@tensorlm/backend-cpu';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CharCorpus } from './char-corpus.js';
import { CharVocab } from './char-vocab.js';

describe('CharVocab', () => {
  it('is the sorted distinct characters, as sorted(set(text)), and round-trips', () => {
    const vocab = CharVocab.fromText('hello world!\n');
    expect(vocab.chars).toEqual(['\n', ' ', '!', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(vocab.decode(vocab.encode('hello'))).toBe('hello');
    expect(vocab.encode('hd')).toEqual([5, 3]);
    // Sorted by code point, as Python, so astral characters sort after the BMP.
    expect(CharVocab.fromText('b😀a\uffff').chars).toEqual(['a', 'b', '\uffff', '😀']);
  });

  it('names an unknown character, a bad id and an empty corpus', () => {
    const vocab = CharVocab.fromText('abc');
    expect(() => vocab.encode('abz')).toThrow(
      /character "z" \(U\+007A\) at offset 2 is not in the vocabulary/,
    );
    expect(() => vocab.decode([7])).toThrow(/id 7 is outside 0…2/);
    expect(() => CharVocab.fromText('')).toThrow(/corpus is empty/);
  });

  it('tiny Shakespeare has 65 distinct characters, as Karpathy reports', () => {
    const text = readFileSync('/work/shared/data/tinyshakespeare/input.txt', 'utf8');
    expect(text.length).toBe(1_115_394);
    expect(CharVocab.fromText(text).size).toBe(65);
  });
});

describe('CharCorpus', () => {
  const text = 'First Citizen:\nBefore we proceed any further, hear me speak.\n'.repeat(40);

  it('splits the ids 90/10 and serves (x, y = x shifted) windows as i32 tensors', async () => {
    const corpus = new CharCorpus(text, { blockSize: 8, batchSize: 4, seed: 1337 });
    expect(corpus.train.length).toBe(Math.floor(0.9 * text.length));
    expect(corpus.train.length + corpus.val.length).toBe(text.length);
    const { x, y } = corpus.getBatch('train');
    expect([x.shape, x.dtype, y.shape]).toEqual([[4, 8], 'i32', [4, 8]]);
    const xs = await x.data();
    const ys = await y.data();
    for (let b = 0; b < 4; b++) {
      for (let t = 0; t < 7; t++) expect(ys[b * 8 + t]).toBe(xs[b * 8 + t + 1]);
    }
    x.dispose();
    y.dispose();
    const windows = corpus.sampleWindows('val');
    for (const [k, start] of windows.starts.entries()) {
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start).toBeLessThan(corpus.val.length - 8);
      expect(corpus.vocab.decode(windows.x[k]!)).toBe(
        corpus.vocab.decode(corpus.val.slice(start, start + 8)),
      );
    }
  });

  it('is deterministic per seed, and evaluation does not change the training stream', () => {
    const a = new CharCorpus(text, { blockSize: 8, batchSize: 4, seed: 7 });
    const b = new CharCorpus(text, { blockSize: 8, batchSize: 4, seed: 7 });
    const first = a.sampleWindows('train').starts;
    b.sampleWindows('val');
    expect(b.sampleWindows('train').starts).toEqual(first);
    expect(
      new CharCorpus(text, { blockSize: 8, batchSize: 4, seed: 8 }).sampleWindows('train').starts,
    ).not.toEqual(first);
  });

  it('covers starts uniformly over the split', () => {
    const corpus = new CharCorpus('abcdefghij'.repeat(10), { blockSize: 5, batchSize: 1000, seed: 3 });
    const starts = corpus.sampleWindows('train').starts;
    expect(Math.min(...starts)).toBe(0);
    expect(Math.max(...starts)).toBe(corpus.train.length - 5 - 1);
  });

  it('names bad input', () => {
    expect(() => new CharCorpus('', { blockSize: 8, batchSize: 2 })).toThrow(/corpus is empty/);
    expect(() => new CharCorpus('abcdefghijklmnopqrstuvwxyz', { blockSize: 8, batchSize: 2 })).toThrow(
      /the val split has 3 characters; blockSize 8 needs at least 9/,
    );
    expect(() => new CharCorpus(text, { blockSize: 0, batchSize: 2 })).toThrow(
      /CharCorpus options: blockSize/,
    );
    const corpus = new CharCorpus(text, { blockSize: 4, batchSize: 2 });
    expect(() => corpus.getBatch('test' as 'val')).toThrow(/split must be 'train' or 'val'/);
  });
});

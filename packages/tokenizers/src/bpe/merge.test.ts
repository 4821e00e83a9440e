// The merge table and both merge paths (plain scan, heap) on GPT-2's real merges.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/shared-data.js';
import { parseBpeMerges, parseBpeVocab } from './files.js';
import { HEAP_THRESHOLD, mergeSymbols } from './merge.js';
import { MergeTable } from './merge-table.js';

const vocab = parseBpeVocab(readFileSync(new URL('../../assets/gpt2/encoder.json', import.meta.url), 'utf8'));
const merges = parseBpeMerges(readFileSync(new URL('../../assets/gpt2/vocab.bpe', import.meta.url), 'utf8'));
const table = new MergeTable(merges.map(([l, r]) => [vocab[l]!, vocab[r]!, vocab[l + r]!]));

describe('merge table', () => {
  it('finds every GPT-2 merge at its rank, and nothing else', () => {
    merges.forEach(([l, r], rank) => {
      expect(table.rank(vocab[l]!, vocab[r]!)).toBe(rank);
    });
    expect(table.rank(vocab.z!, vocab.q!)).toBe(-1);
    expect(table.size).toBe(50000);
  });
});

describe('mergeSymbols', () => {
  it('the plain scan and the heap agree on random words (seeded)', () => {
    const random = seededRandom(99);
    const alphabet = [...'etaoinshrdlucmfwypvbgkqjxz', 'Ġ', 'Ġt', 'Ġa', 'in', 'er'].map((t) => vocab[t]!);
    for (let n = 0; n < 2000; n++) {
      const length = 1 + Math.floor(random() * (HEAP_THRESHOLD + 10));
      const word = Int32Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!);
      const a = word.slice();
      const b = word.slice();
      const na = mergeSymbols(a, length, table, false);
      const nb = mergeSymbols(b, length, table, true);
      expect([...b.subarray(0, nb)]).toEqual([...a.subarray(0, na)]);
    }
  });

  it('merges leftmost first among equal ranks ("aaa" → "aa" "a")', () => {
    // Ids: a = 0, aa = 1; one merge (a, a) → aa.
    const tiny = new MergeTable([[0, 0, 1]]);
    for (const forceHeap of [false, true]) {
      const word = Int32Array.from([0, 0, 0]);
      const n = mergeSymbols(word, 3, tiny, forceHeap);
      expect([...word.subarray(0, n)]).toEqual([1, 0]);
      const four = Int32Array.from([0, 0, 0, 0]);
      expect([...four.subarray(0, mergeSymbols(four, 4, tiny, forceHeap))]).toEqual([1, 1]);
    }
  });
});

// BM25 against scores worked out by hand from the formula (k1 = 1.2, b = 0.75):
//   corpus d1 "the cat sat" (3 terms), d2 "The dog sat on the mat" (6), d3 "cats and dogs" (3)
//   N = 3, avgdl = 12 / 3 = 4
//   idf(cat) = ln(1 + 2.5/1.5) = ln 2.6667 = 0.980829;  idf(sat) = idf(the) = ln(1 + 1.5/2.5) = ln 1.6 = 0.470004
//   length factor K(dl) = 1.2 · (0.25 + 0.75 · dl/4): K(3) = 0.975, K(6) = 1.65
//   "cat sat" on d1: (0.980829 + 0.470004) · 2.2 / (1 + 0.975) = 1.616118
//   "cat sat" on d2: 0.470004 · 2.2 / (1 + 1.65) = 0.390192
//   "the" on d2 (f = 2): 0.470004 · 2 · 2.2 / (2 + 1.65) = 0.566580;  on d1: 0.470004 · 2.2 / 1.975 = 0.523548
import { describe, expect, it } from 'vitest';
import { Bm25Index, bm25Terms } from './bm25.js';

function corpus(): Bm25Index {
  const index = new Bm25Index();
  index.add('d1', 'the cat sat');
  index.add('d2', 'The dog sat on the mat');
  index.add('d3', 'cats and dogs');
  return index;
}

describe('Bm25Index', () => {
  it('scores as the hand-computed BM25', () => {
    const index = corpus();
    expect(index.averageLength).toBe(4);
    expect(index.idf('cat')).toBeCloseTo(0.980829, 5);
    expect(index.score('cat sat', 'd1')).toBeCloseTo(1.616118, 5);
    expect(index.score('cat sat', 'd2')).toBeCloseTo(0.390192, 5);
    expect(index.score('cat sat', 'd3')).toBe(0);
    expect(index.score('the', 'd2')).toBeCloseTo(0.56658, 5);
    expect(index.score('the', 'd1')).toBeCloseTo(0.523548, 5);
    // A repeated query term counts twice (rank_bm25's convention).
    expect(index.score('the the', 'd2')).toBeCloseTo(2 * 0.56658, 5);
  });

  it('ranks best first, keeps only matching documents, and cuts at k', () => {
    const index = corpus();
    expect(index.search('cat sat', 10).map((h) => h.id)).toEqual(['d1', 'd2']);
    expect(index.search('cat sat', 1)).toEqual([{ id: 'd1', score: expect.closeTo(1.616118, 5) }]);
    expect(index.search('zebra', 5)).toEqual([]);
    expect(() => index.search('cat', 0)).toThrow(/k must be a positive integer/);
  });

  it('updates N, document frequencies and avgdl on delete and add', () => {
    const index = corpus();
    expect(index.delete('d3')).toBe(true);
    expect(index.delete('d3')).toBe(false);
    // N = 2, avgdl = 4.5, n(sat) = 2: idf = ln(1 + 0.5/2.5) = ln 1.2; K(3) = 1.2·(0.25 + 0.75·3/4.5) = 0.9
    expect(index.score('sat', 'd1')).toBeCloseTo(Math.log(1.2) * (2.2 / 1.9), 6);
    index.add('d3', 'a cat');
    expect(index.documentFrequency('cat')).toBe(2);
    expect(() => index.add('d1', 'again')).toThrow(/already indexed/);
  });

  it('splits on anything but letters and digits, lower-cased, in any script', () => {
    expect(bm25Terms("Don't stop—Zoë's 2nd café!")).toEqual(['don', 't', 'stop', 'zoë', 's', '2nd', 'café']);
  });
});

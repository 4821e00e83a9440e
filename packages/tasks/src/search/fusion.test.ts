// Reciprocal-rank fusion against sums worked out by hand (k = 60):
//   A = [a, b, c], B = [c, a, d]
//   a: 1/61 + 1/62 = 0.0325225   c: 1/63 + 1/61 = 0.0322665   b: 1/62 = 0.0161290   d: 1/63 = 0.0158730
// Weighted (w = [0.5, 1.5], k = 60):
//   a: 0.5/61 + 1.5/62 = 0.0323904   c: 0.5/63 + 1.5/61 = 0.0325266   b: 0.5/62 = 0.0080645   d: 1.5/63 = 0.0238095
// Relative-score fusion of A = [a 3, b 2, c 1] and B = [c 10, a 6, d 2]:
//   normalised A: a 1, b 0.5, c 0;  B: c 1, a 0.5, d 0
//   weights [1, 1]:    a 1.5, c 1, b 0.5, d 0
//   weights [0.4, 1.6]: a 0.4 + 0.8 = 1.2, c 0 + 1.6 = 1.6, b 0.2, d 0
import { describe, expect, it } from 'vitest';
import { hybridWeights, reciprocalRankFusion, relativeScoreFusion } from './fusion.js';

describe('reciprocalRankFusion', () => {
  it('sums 1 / (k + rank) over the rankings', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'a', 'd'],
    ]);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused.map((f) => f.score)).toEqual([
      expect.closeTo(0.0325225, 6),
      expect.closeTo(0.0322665, 6),
      expect.closeTo(0.016129, 6),
      expect.closeTo(0.015873, 6),
    ]);
    expect(fused[0]!.ranks).toEqual([1, 2]);
    expect(fused[3]!.ranks).toEqual([undefined, 3]);
  });

  it('uses the given k, counts a repeated id once per ranking, and keeps first appearance on ties', () => {
    const fused = reciprocalRankFusion([['x', 'x', 'y'], ['y']], 0);
    // x: 1/1; y: 1/3 + 1/1
    expect(fused.map((f) => [f.id, f.score])).toEqual([
      ['y', expect.closeTo(4 / 3, 9)],
      ['x', 1],
    ]);
    expect(reciprocalRankFusion([['p'], ['q']]).map((f) => f.id)).toEqual(['p', 'q']);
    expect(() => reciprocalRankFusion([['p']], -1)).toThrow(/k must be/);
  });
});

describe('weighted reciprocal-rank fusion', () => {
  it('multiplies each ranking’s terms by its weight', () => {
    const fused = reciprocalRankFusion(
      [
        ['a', 'b', 'c'],
        ['c', 'a', 'd'],
      ],
      60,
      [0.5, 1.5],
    );
    expect(fused.map((f) => f.id)).toEqual(['c', 'a', 'd', 'b']);
    expect(fused.map((f) => f.score)).toEqual([
      expect.closeTo(0.0325266, 6),
      expect.closeTo(0.0323904, 6),
      expect.closeTo(0.0238095, 6),
      expect.closeTo(0.0080645, 6),
    ]);
    expect(() => reciprocalRankFusion([['p'], ['q']], 60, [1])).toThrow(/2 weights/);
    expect(() => reciprocalRankFusion([['p']], 60, [-1])).toThrow(/≥ 0/);
  });
});

describe('relativeScoreFusion', () => {
  const A = [
    { id: 'a', score: 3 },
    { id: 'b', score: 2 },
    { id: 'c', score: 1 },
  ];
  const B = [
    { id: 'c', score: 10 },
    { id: 'a', score: 6 },
    { id: 'd', score: 2 },
  ];

  it('sums min-max normalised scores, weighted', () => {
    expect(relativeScoreFusion([A, B]).map((f) => [f.id, f.score])).toEqual([
      ['a', 1.5],
      ['c', 1],
      ['b', 0.5],
      ['d', 0],
    ]);
    const weighted = relativeScoreFusion([A, B], [0.4, 1.6]);
    expect(weighted.map((f) => f.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(weighted.map((f) => f.score)).toEqual([
      expect.closeTo(1.6, 12),
      expect.closeTo(1.2, 12),
      expect.closeTo(0.2, 12),
      0,
    ]);
    expect(weighted[0]!.ranks).toEqual([3, 1]);
  });

  it('gives 1 to every document of a ranking whose scores are all equal, and refuses non-finite scores', () => {
    expect(relativeScoreFusion([[{ id: 'x', score: 7 }], []]).map((f) => [f.id, f.score])).toEqual([
      ['x', 1],
    ]);
    expect(() => relativeScoreFusion([[{ id: 'x', score: Number.NaN }]])).toThrow(/finite/);
  });
});

describe('hybridWeights', () => {
  it('maps alpha to [2α, 2(1 − α)] so ½ is the unweighted fusion', () => {
    expect(hybridWeights(0.5)).toEqual([1, 1]);
    expect(hybridWeights(1)).toEqual([2, 0]);
    expect(hybridWeights(0.25)).toEqual([0.5, 1.5]);
    expect(() => hybridWeights(1.5)).toThrow(/between 0 and 1/);
  });
});

// Reciprocal-rank fusion against sums worked out by hand (k = 60):
//   A = [a, b, c], B = [c, a, d]
//   a: 1/61 + 1/62 = 0.0325225   c: 1/63 + 1/61 = 0.0322665   b: 1/62 = 0.0161290   d: 1/63 = 0.0158730
import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './fusion.js';

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

import { describe, expect, it } from 'vitest';
import { deriveSeed, hashSeed, Rng } from './rng.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference generator from state (1, 2, 3, 4)', () => {
    // First outputs of Blackman & Vigna's xoshiro128** C code from s = {1, 2, 3, 4}.
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      11520, 0, 5927040, 70819200,
    ]);
  });

  it('is deterministic for a seed and differs across seeds and derived keys', () => {
    const draw = (seed: Parameters<typeof hashSeed>[0]) => {
      const rng = new Rng(seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(deriveSeed(42, 'shuffle', 0))).not.toEqual(draw(deriveSeed(42, 'shuffle', 1)));
    expect(draw('abc')).toEqual(draw('abc'));
    expect(hashSeed(2 ** 40)).not.toBe(hashSeed(0));
    expect(() => new Rng(0.5)).toThrow(/safe integer/);
  });

  it('draws uniform integers (chi-square over 10 bins)', () => {
    const rng = new Rng(7);
    const counts = new Array(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[rng.int(10)]++;
    const expected = n / 10;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
  });

  it('floats lie in [0, 1) with mean about 1/2', () => {
    const rng = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 50_000; i++) {
      const u = rng.float();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(sum / 50_000).toBeCloseTo(0.5, 2);
  });

  it('permutations hold every index once; categorical follows its probabilities', () => {
    const rng = new Rng(3);
    const p = rng.permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const counts = [0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[rng.categorical([0.2, 0, 0.8])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / 60_000).toBeCloseTo(0.2, 2);
  });

  it('rejects bad arguments', () => {
    const rng = new Rng(0);
    expect(() => rng.int(0)).toThrow(RangeError);
    expect(() => rng.choice([])).toThrow(/empty/);
    expect(() => rng.categorical([0, 0])).toThrow(/positive/);
  });
});

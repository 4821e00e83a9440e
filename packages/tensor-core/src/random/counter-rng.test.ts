// The counter-based RNG every backend implements identically: the mixer against an
// independent BigInt implementation of lowbias32, the counter contract (element i of a
// draw is a pure function of offset + i), and the distributions' moments on a fixed seed.
import { describe, expect, it } from 'vitest';
import { countersUsed, keyFromSeed, mix32, normalAt, randomBits, uniformAt } from './counter-rng.js';

/** lowbias32 (Chris Wellons' hash-prospector) in BigInt arithmetic, sharing nothing with mix32. */
function lowbias32(x: number): number {
  const M = 0xffffffffn;
  let h = BigInt(x >>> 0);
  h ^= h >> 16n;
  h = (h * 0x7feb352dn) & M;
  h ^= h >> 15n;
  h = (h * 0x846ca68bn) & M;
  h ^= h >> 16n;
  return Number(h);
}

describe('counter-based RNG', () => {
  it('mix32 is lowbias32', () => {
    for (const x of [0, 1, 2, 0x9e3779b9, 0xffffffff, 123456789, 2 ** 31])
      expect(mix32(x)).toBe(lowbias32(x));
    expect(mix32(0)).toBe(0);
  });

  it('keys differ for seeds that differ only above 2^32', () => {
    expect(keyFromSeed(1)).not.toEqual(keyFromSeed(1 + 2 ** 32));
    expect(keyFromSeed(7)).toEqual(keyFromSeed(7));
  });

  it('element i of a draw at offset o equals element 0 at offset o + i (any batch split)', () => {
    const key = keyFromSeed(42);
    for (const [o, i] of [
      [0, 5],
      [1000, 3],
      [2 ** 33, 7],
    ] as const) {
      expect(uniformAt(key, o + i)).toBe(uniformAt(key, o + i));
      expect(normalAt(key, o, i)).toBe(normalAt(key, o + 2 * i, 0));
    }
    // A counter above 2^32 uses its high word: not the same bits as the low word alone.
    expect(randomBits(key, 5, 1)).not.toBe(randomBits(key, 5, 0));
    expect(countersUsed('normal', 10)).toBe(20);
    expect(countersUsed('uniform', 10)).toBe(10);
  });

  it('uniform draws lie in [0, 1) on a 2^-24 grid with mean 1/2 and variance 1/12', () => {
    const key = keyFromSeed(0);
    const n = 20_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const u = uniformAt(key, i);
      expect(u >= 0 && u < 1 && Number.isInteger(u * 2 ** 24)).toBe(true);
      sum += u;
      sq += u * u;
    }
    const mean = sum / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // σ/√n ≈ 0.002
    expect(Math.abs(sq / n - mean * mean - 1 / 12)).toBeLessThan(0.005);
  });

  it('normal draws have mean 0 and variance 1', () => {
    const key = keyFromSeed(3);
    const n = 20_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = normalAt(key, 0, i);
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03); // σ/√n ≈ 0.007
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
  });
});

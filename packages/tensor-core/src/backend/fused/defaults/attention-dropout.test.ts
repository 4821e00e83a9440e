// The attention dropout hash against values worked out independently (a Python
// lowbias32 of the documented chain), its edge probabilities, and the host-built factors.
import { describe, expect, it } from 'vitest';
import {
  attentionDropoutFactors,
  dropoutBits,
  dropoutKeeps,
  dropoutKeyHash,
  dropoutRowHash,
  dropoutThreshold,
} from './attention-dropout.js';

describe('attention dropout hash', () => {
  it('gives the bits an independent implementation gives', () => {
    // bits / 2³² = 0.12052…, 0.35244…, 0.30318… (computed outside this code base).
    expect(dropoutBits(dropoutRowHash(0, 0, 0), dropoutKeyHash(0))).toBe(517_640_831);
    expect(dropoutBits(dropoutRowHash(7, 3, 5), dropoutKeyHash(11))).toBe(1_513_747_312);
    expect(dropoutBits(dropoutRowHash(4_294_967_295, 1, 2), dropoutKeyHash(3))).toBe(1_302_174_720);
    expect(dropoutKeeps(0.12, 0, 0, 0, 0)).toBe(true);
    expect(dropoutKeeps(0.121, 0, 0, 0, 0)).toBe(false);
    expect(dropoutKeeps(0.35, 7, 3, 5, 11)).toBe(true);
    expect(dropoutKeeps(0.36, 7, 3, 5, 11)).toBe(false);
  });

  it('keeps everything at p = 0 and (nearly) nothing as p → 1', () => {
    expect(dropoutThreshold(0)).toBe(0);
    expect(dropoutThreshold(0.5)).toBe(2 ** 31);
    expect(dropoutThreshold(1 - 2 ** -40)).toBe(2 ** 32 - 1);
  });

  it('builds factors 0 or 1/(1 − p) per (head, query, key), heads flattened as b·H + h', () => {
    const params = {
      batch: 2,
      heads: 3,
      queries: 4,
      keys: 5,
      headSize: 8,
      scale: 1,
      causal: false,
      pastLength: 1,
      dropout: 0.25,
      dropoutSeed: 99,
      saveStats: true,
    };
    const factors = attentionDropoutFactors(params);
    expect(factors.length).toBe(2 * 3 * 4 * 5);
    for (let b = 0; b < 2; b++)
      for (let h = 0; h < 3; h++)
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 5; j++) {
            const at = ((b * 3 + h) * 4 + i) * 5 + j;
            expect(factors[at]).toBe(dropoutKeeps(0.25, 99, b * 3 + h, i, j) ? Math.fround(4 / 3) : 0);
          }
  });
});

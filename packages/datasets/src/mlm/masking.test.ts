import '@tensorlm/backend-cpu';
import type { Tensor } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.js';
import { DataLoader } from '../loader/data-loader.js';
import { Rng } from '../random/rng.js';
import { MlmMasking, mlmCollate } from './masking.js';

// A BERT-like layout: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, ordinary words 5 … 24.
const PAD = 0;
const CLS = 2;
const SEP = 3;
const MASK = 4;
const VOCAB = 25;
const values = async (t: Tensor) => [...(await t.data())] as number[];
const options = { maskTokenId: MASK, vocabSize: VOCAB, specialIds: [0, 1, 2, 3, 4], padId: PAD };

/** [CLS] w… [SEP] with ordinary words drawn from a seeded stream. */
function sentences(count: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => [
    CLS,
    ...Array.from({ length: 3 + rng.int(10) }, () => 5 + rng.int(VOCAB - 5)),
    SEP,
  ]);
}

/** |observed − n p| ≤ 5 standard deviations of Binomial(n, p): fails by chance about once in 3.5 million. */
function expectBinomial(observed: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(5 * sd);
}

describe('MlmMasking (BERT: 15 % chosen; 80 % [MASK], 10 % random, 10 % kept)', () => {
  const masking = new MlmMasking(options);

  it('chooses 15 % of ordinary tokens and splits them 80 / 10 / 10, within binomial bounds', () => {
    const rows = sentences(4000, 1);
    const rng = new Rng(7);
    let ordinary = 0;
    let chosen = 0;
    let masked = 0;
    let random = 0;
    let kept = 0;
    for (const row of rows) {
      const { input, labels } = masking.mask(row, rng);
      row.forEach((id, i) => {
        if (id === CLS || id === SEP) return;
        ordinary++;
        if (labels[i] === -100) {
          expect(input[i]).toBe(id); // not chosen: untouched
          return;
        }
        chosen++;
        expect(labels[i]).toBe(id); // the label is the original id
        if (input[i] === MASK) masked++;
        else if (input[i] === id) kept++;
        else random++;
      });
    }
    expect(ordinary).toBeGreaterThan(30_000);
    expectBinomial(chosen, ordinary, 0.15);
    expectBinomial(masked, chosen, 0.8);
    // A random draw can hit the original word (1 in 20 here); such a token reads as kept.
    const hitOriginal = 0.1 / (VOCAB - 5);
    expectBinomial(random, chosen, 0.1 - hitOriginal);
    expectBinomial(kept, chosen, 0.1 + hitOriginal);
  });

  it('draws random replacements uniformly from the ordinary ids, never a special one', () => {
    const counts = new Map<number, number>();
    const rng = new Rng(3);
    const all = new MlmMasking({ ...options, mlmProbability: 1, maskFraction: 0, randomFraction: 1 });
    const row = Array.from({ length: 50 }, () => 5);
    let draws = 0;
    for (let i = 0; i < 400; i++) {
      for (const id of all.mask(row, rng).input) {
        counts.set(id, (counts.get(id) ?? 0) + 1);
        draws++;
      }
    }
    for (const special of [0, 1, 2, 3, 4]) expect(counts.get(special)).toBeUndefined();
    for (let id = 5; id < VOCAB; id++) expectBinomial(counts.get(id) ?? 0, draws, 1 / 20);
  });

  it('never chooses a special token, padding or [MASK], even with probability 1', () => {
    const always = new MlmMasking({ ...options, mlmProbability: 1 });
    const row = [CLS, 5, PAD, 1, 6, MASK, SEP, 7];
    const { input, labels } = always.mask(row, new Rng(0));
    expect(Array.from(labels)).toEqual([-100, 5, -100, -100, 6, -100, -100, 7]);
    for (const i of [0, 2, 3, 5, 6]) expect(input[i]).toBe(row[i]);
  });

  it('pads with padId, labels -100 under padding, attention 0 there, and never masks padding', async () => {
    const always = new MlmMasking({ ...options, mlmProbability: 1, maskFraction: 1, randomFraction: 0 });
    const batch = always.collate(
      [
        [CLS, 5, 6, SEP],
        [CLS, 7, SEP],
      ],
      new Rng(0),
      { length: 6 },
    );
    expect(batch.inputIds.shape).toEqual([2, 6]);
    const ids = await values(batch.inputIds);
    expect(ids.slice(0, 6)).toEqual([CLS, MASK, MASK, SEP, PAD, PAD]);
    expect(ids.slice(6)).toEqual([CLS, MASK, SEP, PAD, PAD, PAD]);
    const labels = await values(batch.labels);
    expect(labels.slice(0, 6)).toEqual([-100, 5, 6, -100, -100, -100]);
    expect(labels.slice(6)).toEqual([-100, 7, -100, -100, -100, -100]);
    expect(await values(batch.attentionMask)).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0]);
    expect(batch.labels.dtype).toBe('i32');
  });

  it('is a pure function of the seed: the same seed gives the same batch, another seed another', async () => {
    const rows = sentences(64, 2);
    const a = masking.collate(rows, new Rng([5, 'mask', 3]));
    const b = masking.collate(rows, new Rng([5, 'mask', 3]));
    const c = masking.collate(rows, new Rng([5, 'mask', 4]));
    expect(await values(a.inputIds)).toEqual(await values(b.inputIds));
    expect(await values(a.labels)).toEqual(await values(b.labels));
    expect(await values(a.labels)).not.toEqual(await values(c.labels));
  });

  it('mlmCollate gives a DataLoader reproducible masked batches from its seed', async () => {
    const rows = sentences(32, 4);
    const run = async (seed: number) => {
      const loader = new DataLoader(rows, { batchSize: 8, collate: mlmCollate({ ...options, seed }) });
      const labels: number[] = [];
      for await (const batch of loader) labels.push(...(await values(batch.labels)));
      return labels;
    };
    const first = await run(9);
    expect(await run(9)).toEqual(first);
    expect(await run(10)).not.toEqual(first);
    expect(first.filter((l) => l !== -100).length).toBeGreaterThan(0);
  });

  it('refuses bad options and ids by name', () => {
    expect(() => new MlmMasking({ ...options, maskFraction: 0.9, randomFraction: 0.2 })).toThrow(
      /randomFraction: maskFraction \+ randomFraction must be at most 1/,
    );
    expect(() => new MlmMasking({ ...options, maskTokenId: VOCAB })).toThrow(
      /maskTokenId: must be below vocabSize/,
    );
    expect(() => new MlmMasking({ ...options, ignoreIndex: 3 })).toThrow(
      /ignoreIndex: must not be a token id/,
    );
    expect(() => masking.mask([CLS, VOCAB, SEP], new Rng(0))).toThrow(DatasetError);
    expect(() => masking.mask([CLS, VOCAB, SEP], new Rng(0))).toThrow(/id 25 at position 1/);
    expect(() => masking.collate([[5, 6, 7]], new Rng(0), { length: 2 })).toThrow(
      /3 ids, more than the length 2/,
    );
  });
});

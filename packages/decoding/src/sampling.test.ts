// Choosing tokens: greedy against a plain-JS argmax, temperature → 0 against greedy,
// seeded draws reproducible (and different across seeds), and sampled frequencies
// against the filtered distribution computed by hand, with a chi-square bound.
import '@tensorlm/backend-cpu';
import { setBackend, type Tensor, tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { argmaxOf } from '../test/helpers.js';
import { type SampleOptions, sampleNext, stepSeed } from './sampling.js';

beforeAll(async () => {
  await setBackend('cpu');
});

async function ids(t: Tensor): Promise<number[]> {
  const out = Array.from(await t.data());
  t.dispose();
  return out;
}

function randomRows(b: number, v: number, seed: number): number[][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 6 - 3;
  return Array.from({ length: b }, () => Array.from({ length: v }, next));
}

const SEED_LOGITS = [4.51, 0.89, -1.9, 6.75, 1.63, -1.62, -1.89, 6.28, 1.79];

/** Draws `n` samples (one per row of n identical rows: one seeded call, distinct counters). */
async function counts(logits: readonly number[], n: number, options: SampleOptions): Promise<number[]> {
  const rows = Array.from({ length: n }, () => [...logits]);
  const out = new Array<number>(logits.length).fill(0);
  for (const id of await ids(sampleNext(tensor(rows), { doSample: true, ...options }))) out[id]!++;
  return out;
}

/** Pearson's chi-square over categories with expected probability > 0; fails if any zero-probability id appears. */
function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  let chi = 0;
  observed.forEach((o, i) => {
    const e = expected[i]! * n;
    if (expected[i] === 0) expect(o).toBe(0);
    else chi += (o - e) ** 2 / e;
  });
  return chi;
}

function softmaxRef(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('sampleNext', () => {
  it('greedy is the argmax of each row (and ignores the sampling knobs)', async () => {
    const data = randomRows(6, 50, 11);
    const expected = data.map((row) => argmaxOf(row));
    expect(await ids(sampleNext(tensor(data)))).toEqual(expected);
    expect(await ids(sampleNext(tensor(data), { temperature: 3, topK: 5, topP: 0.5 }))).toEqual(expected);
  });

  it('greedy takes the lower id on an exact tie, as argmax', async () => {
    expect(await ids(sampleNext(tensor([[1, 3, 3, 0]])))).toEqual([1]);
  });

  it('temperature 0 is greedy, and sampling as temperature → 0 converges to it', async () => {
    const data = randomRows(8, 40, 5);
    const greedy = data.map((row) => argmaxOf(row));
    expect(await ids(sampleNext(tensor(data), { doSample: true, temperature: 0, seed: 1 }))).toEqual(greedy);
    for (const seed of [1, 2, 3]) {
      expect(await ids(sampleNext(tensor(data), { doSample: true, temperature: 1e-4, seed }))).toEqual(
        greedy,
      );
      expect(
        await ids(sampleNext(tensor(data), { doSample: true, temperature: 1e-4, topP: 0.9, seed })),
      ).toEqual(greedy);
    }
  });

  it('the same seed gives the same tokens; different seeds give different ones', async () => {
    const data = randomRows(64, 20, 9);
    for (const options of [{}, { topK: 5 }, { topP: 0.8 }, { temperature: 0.7, topK: 8, topP: 0.9 }]) {
      const a = await ids(sampleNext(tensor(data), { doSample: true, seed: 42, ...options }));
      const b = await ids(sampleNext(tensor(data), { doSample: true, seed: 42, ...options }));
      const c = await ids(sampleNext(tensor(data), { doSample: true, seed: 43, ...options }));
      expect(a).toEqual(b);
      expect(c).not.toEqual(a);
    }
  });

  // Critical values of chi-square at p = 0.001: 10.8 (1 dof), 13.8 (2 dof), 26.1 (8 dof). Seeded, so not flaky.
  it('top-3 draws follow [0.0615, 0.5775, 0.3610] and never leave the top 3', async () => {
    const expected = [0.0615, 0, 0, 0.5775, 0, 0, 0, 0.361, 0];
    const observed = await counts(SEED_LOGITS, 6000, { topK: 3, seed: 3 });
    expect(chiSquare(observed, expected)).toBeLessThan(13.8);
  });

  it('top-p draws follow the renormalised nucleus', async () => {
    // p = 0.95: probabilities 0.5721 (id 3), 0.3576 (id 7), 0.0609 (id 0), …: two reach 0.9297 < 0.95, three 0.9906.
    const probs = softmaxRef(SEED_LOGITS);
    const nucleus = [3, 7, 0];
    const mass = nucleus.reduce((a, i) => a + probs[i]!, 0);
    const expected = probs.map((p, i) => (nucleus.includes(i) ? p / mass : 0));
    expect(probs[3]! + probs[7]!).toBeLessThan(0.95);
    const observed = await counts(SEED_LOGITS, 6000, { topP: 0.95, seed: 4 });
    expect(chiSquare(observed, expected)).toBeLessThan(13.8);
  });

  it('plain sampling at temperature 2 follows softmax(logits / 2)', async () => {
    const expected = softmaxRef(SEED_LOGITS.map((v) => v / 2));
    const observed = await counts(SEED_LOGITS, 8000, { temperature: 2, seed: 5 });
    expect(chiSquare(observed, expected)).toBeLessThan(26.1);
  });

  it('temperature, top-k and top-p together follow the hand-filtered distribution', async () => {
    // T = 0.5 sharpens; top-5; then p = 0.95 of the renormalised top-5.
    const warmed = SEED_LOGITS.map((v) => v / 0.5);
    const top5 = [3, 7, 0, 8, 4];
    const p5 = softmaxRef(top5.map((i) => warmed[i]!));
    let mass = 0;
    const kept: number[] = [];
    top5.forEach((id, j) => {
      if (mass < 0.95) kept.push(id);
      mass += p5[j]!;
    });
    expect(kept).toEqual([3, 7]); // 0.714 < 0.95 ≤ 0.993
    const keptMass = kept.reduce((a, id) => a + p5[top5.indexOf(id)]!, 0);
    const expected = SEED_LOGITS.map((_, i) => (kept.includes(i) ? p5[top5.indexOf(i)]! / keptMass : 0));
    const observed = await counts(SEED_LOGITS, 6000, { temperature: 0.5, topK: 5, topP: 0.95, seed: 6 });
    expect(chiSquare(observed, expected)).toBeLessThan(10.8); // 1 dof
  });

  it('accepts logits (V) and returns a scalar id', async () => {
    const t = sampleNext(tensor(SEED_LOGITS));
    expect(t.shape).toEqual([]);
    expect(await ids(t)).toEqual([3]);
  });

  it('rejects bad options and bad logits', () => {
    const x = tensor([[1, 2]]);
    expect(() => sampleNext(x, { doSample: true, topK: 0 })).toThrow(/topK must be an integer ≥ 1/);
    expect(() => sampleNext(x, { doSample: true, topP: 0 })).toThrow(/topP must be in \(0, 1\]/);
    expect(() => sampleNext(x, { doSample: true, temperature: -1 })).toThrow(/temperature/);
    expect(() => sampleNext(x, { doSample: true, seed: -1 })).toThrow(/seed/);
    expect(() => sampleNext(tensor([[1, 2]], { dtype: 'i32' }))).toThrow(/logits must be f32/);
  });
});

describe('stepSeed', () => {
  it('gives distinct safe-integer seeds per (seed, step), not a shift of the neighbouring seed', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      for (let step = 0; step < 50; step++) {
        const s = stepSeed(seed, step);
        expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
        seen.add(s);
      }
    }
    expect(seen.size).toBe(1000);
    expect(stepSeed(1, 1)).not.toBe(stepSeed(2, 0));
    expect(stepSeed(2 ** 40 + 3, 5)).not.toBe(stepSeed(3, 5));
  });
});

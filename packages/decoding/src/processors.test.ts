// Logits processors against hand-computed cases and a plain-JS reference (sort, cumulative
// sum, softmax in f64): top-k keeps exactly k, top-p the smallest set with mass ≥ p,
// ties resolved by lower id, and the processors compose as temperature → top-k → top-p.
import '@tensorlm/backend-cpu';
import { setBackend, softmax, type Tensor, tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecodingError } from './errors.js';
import {
  applyRepetitionPenalty,
  applyTemperature,
  exclusiveCumsum,
  processLogits,
  topKFilter,
  topPFilter,
} from './processors.js';

beforeAll(async () => {
  await setBackend('cpu');
});

async function rows(t: Tensor): Promise<number[][]> {
  const out = (await t.toArray()) as number[][];
  t.dispose();
  return out;
}

/** Indices kept (finite) in each row. */
async function kept(t: Tensor): Promise<number[][]> {
  return (await rows(t)).map((row) => row.flatMap((v, i) => (Number.isFinite(v) ? [i] : [])));
}

function softmaxRef(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Sorted by value descending, ties by lower index. */
function orderRef(row: readonly number[]): number[] {
  return row.map((_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
}

function topKRef(row: readonly number[], k: number): number[] {
  return orderRef(row)
    .slice(0, k)
    .sort((a, b) => a - b);
}

function topPRef(row: readonly number[], p: number, minKeep = 1): number[] {
  const probs = softmaxRef(row);
  const out: number[] = [];
  let mass = 0;
  for (const i of orderRef(row)) {
    if (mass >= p && out.length >= minKeep) break;
    out.push(i);
    mass += probs[i]!;
  }
  return out.sort((a, b) => a - b);
}

/** Deterministic pseudo-random logits with distinct values. */
function randomRows(b: number, v: number, seed: number): number[][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 8 - 4;
  return Array.from({ length: b }, () => Array.from({ length: v }, next));
}

const SEED_LOGITS = [4.51, 0.89, -1.9, 6.75, 1.63, -1.62, -1.89, 6.28, 1.79];

describe('applyTemperature', () => {
  it('divides the logits by the temperature', async () => {
    const [row] = await rows(applyTemperature(tensor([[1, -2, 4]]), 2));
    expect(row).toEqual([0.5, -1, 2]);
  });

  it('rejects a temperature that is not a finite positive number, naming it', () => {
    for (const t of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => applyTemperature(tensor([[1, 2]]), t)).toThrow(/temperature must be a finite number > 0/);
    }
    try {
      applyTemperature(tensor([[1, 2]]), 0);
    } catch (error) {
      expect(error).toBeInstanceOf(DecodingError);
      expect((error as DecodingError).fields).toEqual(['temperature']);
    }
  });
});

describe('topKFilter', () => {
  it('keeps exactly the k largest logits of every row', async () => {
    const data = randomRows(4, 30, 1);
    for (const k of [1, 2, 5, 29]) {
      const out = await kept(topKFilter(tensor(data), k));
      expect(out).toEqual(data.map((row) => topKRef(row, k)));
      for (const row of out) expect(row).toHaveLength(k);
    }
  });

  it('leaves kept logits unchanged and sets the rest to −∞', async () => {
    const [row] = await rows(topKFilter(tensor([[0.5, 3, -1, 2]]), 2));
    expect(row).toEqual([Number.NEGATIVE_INFINITY, 3, Number.NEGATIVE_INFINITY, 2]);
  });

  it('breaks ties by lower id, so exactly k survive', async () => {
    expect(await kept(topKFilter(tensor([[1, 2, 2, 2, 0]]), 2))).toEqual([[1, 2]]);
    expect(await kept(topKFilter(tensor([[5, 5, 5, 5]]), 3))).toEqual([[0, 1, 2]]);
  });

  it('top-3 of the seed logits, then softmax, gives [0.0615, 0, 0, 0.5775, 0, 0, 0, 0.3610, 0]', async () => {
    const probs = await rows(softmax(topKFilter(tensor([SEED_LOGITS]), 3), -1));
    const rounded = probs[0]!.map((p) => Math.round(p * 1e4) / 1e4);
    expect(rounded).toEqual([0.0615, 0, 0, 0.5775, 0, 0, 0, 0.361, 0]);
  });

  it('keeps everything when k ≥ vocabulary size, and rejects k < 1', async () => {
    expect(await rows(topKFilter(tensor([[1, 2, 3]]), 5))).toEqual([[1, 2, 3]]);
    expect(() => topKFilter(tensor([[1, 2, 3]]), 0)).toThrow(/topK must be an integer ≥ 1, got 0/);
    expect(() => topKFilter(tensor([[1, 2, 3]]), 1.5)).toThrow(/topK/);
  });
});

describe('topPFilter', () => {
  it('keeps the smallest set whose mass reaches p (equal logits: exact quarters)', async () => {
    const flat = tensor([[0, 0, 0, 0]]);
    // Probabilities are exactly 0.25: cumulative 0.25, 0.5, 0.75, 1.
    expect(await kept(topPFilter(flat, 0.25))).toEqual([[0]]);
    expect(await kept(topPFilter(flat, 0.5))).toEqual([[0, 1]]);
    expect(await kept(topPFilter(flat, 0.51))).toEqual([[0, 1, 2]]);
    expect(await kept(topPFilter(flat, 0.75))).toEqual([[0, 1, 2]]);
    expect(await kept(topPFilter(flat, 0.76))).toEqual([[0, 1, 2, 3]]);
  });

  it('sorts by probability (not position) and cuts ties by lower id', async () => {
    // Probabilities 0.125, 0.5, 0.125, 0.25 (hand-computed from the logits' ratios 1:4:1:2).
    const x = tensor([[Math.log(1), Math.log(4), Math.log(1), Math.log(2)]]);
    expect(await kept(topPFilter(x, 0.3))).toEqual([[1]]); // 0.5 ≥ 0.3
    expect(await kept(topPFilter(x, 0.6))).toEqual([[1, 3]]); // 0.5 < 0.6 ≤ 0.75
    expect(await kept(topPFilter(x, 0.8))).toEqual([[0, 1, 3]]); // 0.75 < 0.8 ≤ 0.875: of the tied 0.125s, id 0
    expect(await kept(topPFilter(x, 0.9))).toEqual([[0, 1, 2, 3]]);
  });

  it('always keeps minTokensToKeep tokens', async () => {
    const x = tensor([[Math.log(1), Math.log(4), Math.log(1), Math.log(2)]]);
    expect(await kept(topPFilter(x, 0.1, { minTokensToKeep: 3 }))).toEqual([[0, 1, 3]]);
    expect(await kept(topPFilter(x, 0.1))).toEqual([[1]]);
  });

  it('matches the sort-and-accumulate reference on random rows, each row on its own', async () => {
    const data = randomRows(5, 40, 7);
    for (const p of [0.05, 0.3, 0.7, 0.9, 0.99]) {
      expect(await kept(topPFilter(tensor(data), p))).toEqual(data.map((row) => topPRef(row, p)));
    }
  });

  it('is the identity at p = 1 and rejects p outside (0, 1]', async () => {
    expect(await rows(topPFilter(tensor([[1, 2, 3]]), 1))).toEqual([[1, 2, 3]]);
    expect(() => topPFilter(tensor([[1, 2]]), 0)).toThrow(/topP must be in \(0, 1\], got 0/);
    expect(() => topPFilter(tensor([[1, 2]]), 1.5)).toThrow(/topP/);
  });
});

describe('applyRepetitionPenalty', () => {
  it('divides positive and multiplies negative logits of ids already seen, per row', async () => {
    const x = tensor([
      [2, -1, 0.5, 3],
      [2, -1, 0.5, 3],
    ]);
    const out = await rows(applyRepetitionPenalty(x, [[0, 1, 1], [3]], 2));
    expect(out).toEqual([
      [1, -2, 0.5, 3],
      [2, -1, 0.5, 1.5],
    ]);
  });

  it('leaves −∞ alone (no NaN), is the identity at 1 or with nothing seen, and names a bad penalty', async () => {
    const x = tensor([[Number.NEGATIVE_INFINITY, 4]]);
    expect(await rows(applyRepetitionPenalty(x, [[0, 1]], 2))).toEqual([[Number.NEGATIVE_INFINITY, 2]]);
    expect(await rows(applyRepetitionPenalty(x, [[0, 1]], 1))).toEqual([[Number.NEGATIVE_INFINITY, 4]]);
    expect(await rows(applyRepetitionPenalty(x, [[]], 3))).toEqual([[Number.NEGATIVE_INFINITY, 4]]);
    expect(() => applyRepetitionPenalty(x, [[0]], 0)).toThrow(/penalty must be a finite number > 0, got 0/);
    expect(() => applyRepetitionPenalty(x, [[5]], 2)).toThrow(/5 is not an id below 2/);
  });
});

describe('processLogits', () => {
  it('applies temperature, then top-k, then top-p', async () => {
    const data = randomRows(3, 25, 3);
    const t = 1.7;
    const out = await kept(processLogits(tensor(data), { temperature: t, topK: 10, topP: 0.6 }));
    const expected = data.map((row) => {
      const warmed = row.map((v) => v / t);
      const k = new Set(topKRef(warmed, 10));
      const filtered = warmed.map((v, i) => (k.has(i) ? v : Number.NEGATIVE_INFINITY));
      return topPRef(filtered, 0.6);
    });
    expect(out).toEqual(expected);
  });

  it('keeps the order: top-p after temperature sees the flattened distribution', async () => {
    // At temperature 1 the largest logit alone has mass ≥ 0.5; at 10 it does not.
    const x = tensor([[3, 1, 0, 0]]);
    expect(await kept(processLogits(x, { topP: 0.5 }))).toEqual([[0]]);
    expect((await kept(processLogits(x, { temperature: 10, topP: 0.5 })))[0]!.length).toBeGreaterThan(1);
  });
});

describe('exclusiveCumsum', () => {
  it('matches a running sum for several lengths', async () => {
    for (const n of [1, 2, 5, 33, 100]) {
      const row = Array.from({ length: n }, (_, i) => ((i * 7) % 5) + 0.25);
      const [out] = await rows(exclusiveCumsum(tensor([row])));
      let s = 0;
      const expected = row.map((v) => {
        const before = s;
        s += v;
        return before;
      });
      expect(out!.map((v, i) => Math.abs(v - expected[i]!))).toEqual(expected.map(() => 0));
    }
  });
});

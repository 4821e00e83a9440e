// SimCSE pieces against hand-computed values: masked mean pooling ignores padding; the
// loss is cross-entropy over cosine / temperature with the diagonal as target; the
// sentence batch source is a pure function of (seed, index), keeps [CLS] / [SEP] and at
// least one word per view, buckets by length, and resumes where it stopped.
import '@tensorlm/backend-cpu';
import { tensor } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { maskedMeanPool, sentenceBatchSource, simcseLoss } from './contrastive.js';

describe('maskedMeanPool', () => {
  it('averages real tokens only', async () => {
    // Row 0: tokens [1,2], [3,4], pad [100,100] → [2,3]; row 1: [5,6] only → [5,6].
    const hidden = tensor([
      [
        [1, 2],
        [3, 4],
        [100, 100],
      ],
      [
        [5, 6],
        [100, 100],
        [100, 100],
      ],
    ]);
    const mask = tensor(
      [
        [1, 1, 0],
        [1, 0, 0],
      ],
      { dtype: 'i32' },
    );
    expect(await maskedMeanPool(hidden, mask).toArray()).toEqual([
      [2, 3],
      [5, 6],
    ]);
  });
});

describe('simcseLoss', () => {
  it('is the cross-entropy of cosines / temperature with the pair as target', async () => {
    // Pooled (T = 1) view 1: a1 = [2, 0] → [1, 0], a2 = [0, 3] → [0, 1];
    // view 2: b1 = [3, 4] → [0.6, 0.8], b2 = [0, 1].  Temperature 1:
    // logits [[0.6, 0], [0.8, 1]]; row 1: ln(1 + e^−0.6) = 0.437488; row 2: ln(1 + e^−0.2) = 0.598139
    const vectors = [
      [2, 0],
      [0, 3],
      [3, 4],
      [0, 1],
    ];
    const loss = simcseLoss<never>({
      temperature: 1,
      encode: (_model, ids) => {
        expect(ids.shape).toEqual([4, 1]);
        return tensor(vectors.map((v) => [v]));
      },
    });
    const ids = tensor([[7], [8]], { dtype: 'i32' });
    const mask = tensor([[1], [1]], { dtype: 'i32' });
    const value = await loss(null as never, {
      ids,
      attentionMask: mask,
      second: { ids, attentionMask: mask },
    }).item();
    expect(value).toBeCloseTo((0.437488 + 0.598139) / 2, 5);
  });

  it('refuses a batch of one sentence', () => {
    const one = tensor([[1, 2]], { dtype: 'i32' });
    expect(() => simcseLoss<never>()(null as never, { ids: one, attentionMask: one })).toThrow(/at least 2/);
  });
});

/** Sentences [CLS]=1 w… [SEP]=2 of 1 to 8 inner words, word ids 10 + (i·7 + j) % 50. */
const SENTENCES = Array.from({ length: 40 }, (_, i) => [
  1,
  ...Array.from({ length: 1 + (i % 8) }, (_, j) => 10 + ((i * 7 + j) % 50)),
  2,
]);

async function rows(t: { shape: readonly number[]; toArray(): Promise<unknown> }): Promise<number[][]> {
  return (await t.toArray()) as number[][];
}

describe('sentenceBatchSource', () => {
  it('is a pure function of (seed, index) and resumes from its state', async () => {
    const make = () =>
      sentenceBatchSource({ sentences: SENTENCES, batchSize: 4, padId: 0, seed: 3, deleteRate: 0.5 });
    const a = make();
    const first = await Promise.all([0, 1, 2].map(async () => rows((await a.next()).ids)));
    const state = a.state();
    const next = await rows((await a.next()).ids);
    const b = make();
    expect(await rows((await b.next()).ids)).toEqual(first[0]);
    const c = make();
    c.restore(state);
    expect(await rows((await c.next()).ids)).toEqual(next);
  });

  it('keeps [CLS] and [SEP], drops only inner words, keeps at least one, and pads both views alike', async () => {
    const source = sentenceBatchSource({
      sentences: SENTENCES,
      batchSize: 8,
      padId: 0,
      seed: 1,
      deleteRate: 0.9,
    });
    for (let i = 0; i < 5; i++) {
      const batch = await source.next();
      expect(batch.second!.ids.shape).toEqual(batch.ids.shape);
      for (const view of [batch, batch.second!]) {
        const ids = await rows(view.ids);
        const mask = await rows(view.attentionMask);
        ids.forEach((row, r) => {
          const real = row.filter((_, j) => mask[r]![j] === 1);
          expect(real[0]).toBe(1);
          expect(real.at(-1)).toBe(2);
          expect(real.length).toBeGreaterThanOrEqual(3);
          expect(row.slice(real.length).every((id) => id === 0)).toBe(true);
        });
      }
    }
  });

  it('without deletion gives one view, covers each sentence once per epoch, and batches similar lengths', async () => {
    const source = sentenceBatchSource({
      sentences: SENTENCES,
      batchSize: 4,
      padId: 0,
      seed: 2,
      bucketBatches: 10,
    });
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      const batch = await source.next();
      expect(batch.second).toBeUndefined();
      const ids = await rows(batch.ids);
      const mask = await rows(batch.attentionMask);
      const lengths = mask.map((m) => m.reduce((s, v) => s + v, 0));
      // Sorted within a pool of 40: a batch of 4 spans at most 2 lengths of the 8.
      expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
      seen.push(...ids.map((r, k) => r.slice(0, lengths[k]).join(',')));
    }
    expect(new Set(seen).size).toBe(40);
  });
});

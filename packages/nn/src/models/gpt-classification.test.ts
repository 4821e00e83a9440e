// GPT2ForSequenceClassification: each row is pooled at its last non-padding token (checked
// against the trunk's hidden states read out by hand), or mean-pooled over its tokens; the
// logits are `score` (no bias) applied to that vector, computed here in plain JS; the loss
// is the cross-entropy of those logits written out; a padded row scores as it does alone.
import '@tensorlm/backend-cpu';
import { manualSeed, type Tensor, tensor } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { NnError } from '../errors.js';
import { GPT2ForSequenceClassification, gptClassifierConfig } from './gpt.js';

const CONFIG = {
  vocabSize: 11,
  blockSize: 8,
  nLayer: 2,
  nHead: 2,
  nEmbd: 8,
  embdPdrop: 0,
  residPdrop: 0,
  attnPdrop: 0,
  numLabels: 3,
  padTokenId: 0,
};

const ids = (rows: number[][]) =>
  tensor(new Int32Array(rows.flat()), [rows.length, rows[0]!.length], { dtype: 'i32' });
const values = async (t: Tensor) => Array.from(await t.data());

/** Row b of hidden (B, T, C) at position t, read on the host. */
async function hiddenAt(model: GPT2ForSequenceClassification, input: Tensor, b: number, t: number) {
  const h = model.transformer.forward(input).lastHiddenState;
  const [, T, C] = h.shape as [number, number, number];
  const data = await values(h);
  return data.slice((b * T + t) * C, (b * T + t + 1) * C);
}

/** score.weight (numLabels, C) times a vector, in plain JS. */
async function scoreOf(model: GPT2ForSequenceClassification, v: number[]): Promise<number[]> {
  const w = await values(model.score.weight);
  const c = v.length;
  return Array.from({ length: w.length / c }, (_, k) => v.reduce((s, x, j) => s + x * w[k * c + j]!, 0));
}

describe('GPT2ForSequenceClassification', () => {
  it('pools at the last non-padding token and applies score without bias', async () => {
    manualSeed(3);
    const model = new GPT2ForSequenceClassification(CONFIG);
    expect(model.score.bias).toBeNull();
    const rows = [
      [5, 3, 7, 2, 0, 0],
      [4, 9, 1, 6, 8, 2],
      [7, 0, 0, 0, 0, 0],
    ];
    const input = ids(rows);
    const out = model.forward(input);
    const logits = await values(out.logits);
    expect(out.logits.shape).toEqual([3, 3]);
    const lastReal = [3, 5, 0];
    for (let b = 0; b < 3; b++) {
      const expected = await scoreOf(model, await hiddenAt(model, input, b, lastReal[b]!));
      for (let k = 0; k < 3; k++) expect(logits[b * 3 + k]).toBeCloseTo(expected[k]!, 5);
    }
    // A padded row scores as the same row alone (right padding is causal: unseen).
    const alone = await values(model.forward(ids([[5, 3, 7, 2]])).logits);
    for (let k = 0; k < 3; k++) expect(logits[k]).toBeCloseTo(alone[k]!, 5);
    model.dispose();
  });

  it('takes the attention mask over padTokenId when given', async () => {
    manualSeed(4);
    const model = new GPT2ForSequenceClassification({ ...CONFIG, padTokenId: null });
    const input = ids([[5, 3, 7, 2, 9]]);
    const mask = tensor(new Int32Array([1, 1, 1, 0, 0]), [1, 5], { dtype: 'i32' });
    const logits = await values(model.forward(input, { attentionMask: mask }).logits);
    const expected = await scoreOf(model, await hiddenAt(model, ids([[5, 3, 7]]), 0, 2));
    for (let k = 0; k < 3; k++) expect(logits[k]).toBeCloseTo(expected[k]!, 5);
    model.dispose();
  });

  it('mean-pools over the non-padding tokens with pooling: mean', async () => {
    manualSeed(5);
    const model = new GPT2ForSequenceClassification({ ...CONFIG, pooling: 'mean' });
    const input = ids([[5, 3, 7, 0, 0]]);
    const logits = await values(model.forward(input).logits);
    const rows = await Promise.all([0, 1, 2].map((t) => hiddenAt(model, input, 0, t)));
    const mean = rows[0]!.map((_, j) => (rows[0]![j]! + rows[1]![j]! + rows[2]![j]!) / 3);
    const expected = await scoreOf(model, mean);
    for (let k = 0; k < 3; k++) expect(logits[k]).toBeCloseTo(expected[k]!, 5);
    model.dispose();
  });

  it('returns the mean cross-entropy of its logits against labels', async () => {
    manualSeed(6);
    const model = new GPT2ForSequenceClassification(CONFIG);
    const input = ids([
      [1, 2, 3],
      [4, 5, 0],
    ]);
    const labels = tensor(new Int32Array([2, 0]), [2], { dtype: 'i32' });
    const out = model.forward(input, { labels });
    const l = await values(out.logits);
    const ce = (row: number[], y: number) => {
      const m = Math.max(...row);
      return Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) + m - row[y]!;
    };
    const expected = (ce(l.slice(0, 3), 2) + ce(l.slice(3, 6), 0)) / 2;
    expect((await values(out.loss!))[0]).toBeCloseTo(expected, 5);
    model.dispose();
  });

  it('refuses a config whose labels, pad id or pooling are wrong, naming the field', () => {
    expect(() => gptClassifierConfig({ ...CONFIG, id2label: ['a', 'b'] })).toThrow(
      /id2label must name each of the 3 labels/,
    );
    expect(() => gptClassifierConfig({ ...CONFIG, padTokenId: 11 })).toThrow(
      /padTokenId .* below vocabSize 11/,
    );
    expect(() => gptClassifierConfig({ ...CONFIG, pooling: 'max' as never })).toThrow(NnError);
    const c = gptClassifierConfig({ ...CONFIG, numLabels: undefined, id2label: ['negative', 'positive'] });
    expect([c.numLabels, c.id2label, c.pooling]).toEqual([2, ['negative', 'positive'], 'last']);
  });
});

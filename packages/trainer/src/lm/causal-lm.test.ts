// Causal-LM losses against an f64 computation on the host from the model's own logits:
// −log softmax(logits[b, t])[ids[b, t+1]], averaged over all positions (pad included, as
// Hugging Face's labels=input_ids) or over positions whose target is not padding.
import '@tensorlm/backend-cpu';
import { setBackend, type Tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyGpt, VOCAB } from '../../test/fixtures.js';
import { padBatch } from '../data/batch-source.js';
import { causalLmLoss, lmLosses, measureLmLosses, shiftBatch } from './causal-lm.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const rows = [
  [3, 4, 5, 1],
  [7, 8, 1],
  [2, 1],
];

async function referenceLosses(model: ReturnType<typeof tinyGpt>, ids: number[][], length: number) {
  const input = padBatch(
    ids.map((r) => r.slice(0, length - 1)),
    length - 1,
    0,
  );
  const logits = model.forward(input).logits;
  const values = await logits.data();
  input.dispose();
  logits.dispose();
  let all = 0;
  let counted = 0;
  let sumAll = 0;
  let sumCounted = 0;
  ids.forEach((row, b) => {
    const padded = [...row, ...new Array(length - row.length).fill(0)];
    for (let t = 0; t < length - 1; t++) {
      const target = padded[t + 1]!;
      const at = (b * (length - 1) + t) * VOCAB;
      let max = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < VOCAB; v++) max = Math.max(max, values[at + v]!);
      let z = 0;
      for (let v = 0; v < VOCAB; v++) z += Math.exp(values[at + v]! - max);
      const nll = -(values[at + target]! - max - Math.log(z));
      all++;
      sumAll += nll;
      if (target !== 0) {
        counted++;
        sumCounted += nll;
      }
    }
  });
  return { padIncluded: sumAll / all, padIgnored: sumCounted / counted };
}

describe('causal LM losses', () => {
  it('computes both pad conventions as an f64 reference does', async () => {
    const model = tinyGpt(0).eval();
    const want = await referenceLosses(model, rows, 6);
    const ids = padBatch(rows, 6, 0);
    const got = await measureLmLosses(model, ids);
    expect(got.padIncluded).toBeCloseTo(want.padIncluded, 5);
    expect(got.padIgnored).toBeCloseTo(want.padIgnored, 5);
    const l = lmLosses(model, ids);
    expect(await l.padIgnored.item()).toBeCloseTo(want.padIgnored, 5);
    // The default loss leaves padding (id 0) out; the seeds' convention counts it.
    expect(await causalLmLoss()(model, ids).item()).toBeCloseTo(want.padIgnored, 5);
    expect(await causalLmLoss({ padId: 0, padPositions: 'ignored' })(model, ids).item()).toBeCloseTo(
      want.padIgnored,
      5,
    );
    expect(await causalLmLoss({ padPositions: 'included' })(model, ids).item()).toBeCloseTo(
      want.padIncluded,
      5,
    );
  });

  it('ignores the pad id it is given, and only the -100 mask in { input, target } batches', async () => {
    const model = tinyGpt(0).eval();
    const want = await referenceLosses(model, rows, 6);
    // Causal attention: padding after a row's tokens cannot change their logits, so a
    // batch padded with 9 has the same pad-ignored loss as the 0-padded reference.
    const padNine = await causalLmLoss({ padId: 9 })(model, padBatch(rows, 6, 9)).item();
    expect(padNine).toBeCloseTo(want.padIgnored, 5);
    // In { input, target } pairs a 0 target is a real token: every position counts here.
    const { input, target } = shiftBatch(padBatch(rows, 6, 0));
    expect(await causalLmLoss()(model, { input, target }).item()).toBeCloseTo(want.padIncluded, 5);
  });

  it('refuses a padPositions it does not know', () => {
    expect(() => causalLmLoss({ padPositions: 'sometimes' as never })).toThrow(
      /padPositions must be 'ignored' or 'included', got "sometimes"/,
    );
  });

  it('restores training mode after measureLmLosses and accepts { input, target } batches', async () => {
    const model = tinyGpt(0).train();
    const ids = padBatch(rows, 5, 0);
    await measureLmLosses(model, ids);
    expect(model.training).toBe(true);
    const { input, target } = shiftBatch(ids);
    expect(input.shape).toEqual([3, 4]);
    expect(await target.toArray()).toEqual([
      [4, 5, 1, 0],
      [8, 1, 0, 0],
      [1, 0, 0, 0],
    ]);
    model.eval();
    // The same positions count in both forms when the pairs mark padding with -100.
    const maskedTarget = padBatch([[4, 5, 1], [8, 1], [1]], 4, -100);
    const a = await causalLmLoss()(model, { input, target: maskedTarget }).item();
    const b = await causalLmLoss()(model, ids).item();
    expect(a).toBeCloseTo(b, 6);
  });

  it('names what is wrong with a batch', () => {
    const model = tinyGpt(0);
    expect(() => causalLmLoss()(model, padBatch([[1]], 1) as Tensor)).toThrow(/length ≥ 2/);
    expect(() => causalLmLoss()(model, {} as never)).toThrow(/id tensor or \{ input, target \}/);
  });
});

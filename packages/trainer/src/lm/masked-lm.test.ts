// The masked-LM loss and metric against hand-computed values: a fake model returns fixed
// logits, so the cross-entropy over the labelled positions and the share of them whose
// top logit is the label are known in closed form.
import '@tensorlm/backend-cpu';
import { Module } from '@tensorlm/nn';
import { add, setBackend, type Tensor, tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskedLmTrainer } from './lm-trainer.js';
import { type MaskedLmBatch, maskedLmLoss, maskedLmMetrics } from './masked-lm.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Logits [1, 3, 3]: position 0 prefers class 0 (logits 2, 0, 0), 1 prefers class 1, 2 uniform. */
const LOGITS = [2, 0, 0, 0, 2, 0, 0, 0, 0];

class FixedLogits extends Module {
  forward(_ids: Tensor, _options: { attentionMask?: Tensor | null }): { logits: Tensor } {
    return { logits: tensor(LOGITS, [1, 3, 3]) };
  }
}

function batch(labels: number[]): MaskedLmBatch {
  return {
    inputIds: tensor([5, 6, 7], [1, 3], { dtype: 'i32' }),
    attentionMask: tensor([1, 1, 1], [1, 3], { dtype: 'i32' }),
    labels: tensor(labels, [1, 3], { dtype: 'i32' }),
  };
}

describe('maskedLmLoss / maskedLmMetrics', () => {
  const model = new FixedLogits();
  const peaked = Math.log(Math.exp(2) + 2); // −log p of the class at logit 2 is this − 2

  it('averages the cross-entropy over the labelled positions only', async () => {
    const loss = maskedLmLoss()(model, batch([0, -100, 2]));
    // Position 0, label 0: lse − 2; position 2 (uniform), label 2: ln 3.
    expect(await loss.item()).toBeCloseTo((peaked - 2 + Math.log(3)) / 2, 5);
  });

  it('gives 0, not NaN, for a batch with nothing labelled', async () => {
    expect(await maskedLmLoss()(model, batch([-100, -100, -100])).item()).toBe(0);
  });

  it('reports the share of labelled positions whose top logit is the label', async () => {
    model.eval();
    // Position 0 right (label 0), position 1 wrong (label 2, top is 1); position 2 unlabelled.
    const { maskedAccuracy } = maskedLmMetrics()(model, batch([0, 2, -100]));
    expect(await maskedAccuracy!.item()).toBeCloseTo(0.5, 6);
    expect(await maskedLmMetrics()(model, batch([-100, -100, -100])).maskedAccuracy!.item()).toBe(0);
  });

  it('refuses a batch that is not { inputIds, labels } of one shape', () => {
    const bad = {
      inputIds: tensor([1, 2], [1, 2], { dtype: 'i32' }),
      labels: tensor([1], [1, 1], { dtype: 'i32' }),
    };
    expect(() => maskedLmLoss()(model, bad)).toThrow(/masked LM batch/);
  });

  it('maskedLmTrainer evaluates with both: val loss and maskedAccuracy', async () => {
    class Tiny extends Module {
      constructor() {
        super();
        this.addParameter('bias', [3], () => tensor([0, 0, 0]));
      }
      forward(): { logits: Tensor } {
        return { logits: add(tensor(LOGITS, [1, 3, 3]), this.param('bias')) };
      }
    }
    const trainer = maskedLmTrainer(
      {
        model: new Tiny(),
        train: { next: () => batch([0, 1, -100]), state: () => null, restore: () => {} },
        val: { next: () => batch([0, 2, -100]), state: () => null, restore: () => {} },
        progress: false,
      },
      { maxSteps: 1, lr: 1e-9, evalIters: 1, seed: null },
    );
    const result = await trainer.run();
    const last = result.history.val.at(-1)!;
    expect(last.loss).toBeCloseTo((peaked - 2 + peaked) / 2, 4);
    expect(last.metrics.maskedAccuracy).toBeCloseTo(0.5, 6);
  });
});

// The frozen-base head of `train sentiment`: the trunk reads every review once (both
// poolings from the same hidden states), then a bias-free linear head — transformers'
// `score` — is fitted on the kept vectors with AdamW, keeping the epoch that scores best
// on the validation split.

import { type GPT2ForSequenceClassification, type GPTPooling, poolHidden } from '@tensorlm/nn';
import { crossEntropy, manualSeed, noGrad, type Tensor, tensor, tidy, zeros } from '@tensorlm/tensor-core';
import { AdamW } from '@tensorlm/trainer';
import type { LabeledText } from './reviews-data.js';
import { disposeBatch, lengthBatches, makeBatch, shuffledOrder } from './train-sentiment-data.js';

/** Each row's pooled hidden state under both poolings, (N × C) each, read once from the frozen trunk. */
export async function pooledFeatures(
  model: GPT2ForSequenceClassification,
  encoded: readonly Int32Array[],
  rows: readonly LabeledText[],
  padId: number,
): Promise<Record<GPTPooling, Float32Array>> {
  const c = model.config.nEmbd;
  const out = { last: new Float32Array(rows.length * c), mean: new Float32Array(rows.length * c) };
  model.eval();
  for (const picked of lengthBatches(encoded, 128, 0)) {
    const batch = makeBatch(encoded, rows, picked, padId);
    const [last, mean] = noGrad(() =>
      tidy(() => {
        const hidden = model.transformer.forward(batch.ids, {
          attentionMask: batch.attentionMask,
        }).lastHiddenState;
        const mask = batch.attentionMask.cast('f32');
        return [poolHidden(hidden, mask, 'last'), poolHidden(hidden, mask, 'mean')];
      }),
    ) as [Tensor, Tensor];
    disposeBatch(batch);
    for (const [name, t] of [
      ['last', last],
      ['mean', mean],
    ] as const) {
      const values = await t.data();
      t.dispose();
      picked.forEach((row, b) => {
        out[name].set(values.subarray(b * c, (b + 1) * c), row * c);
      });
    }
  }
  return out;
}

export interface HeadFit {
  pooling: GPTPooling;
  epoch: number;
  valAccuracy: number;
  /** (numLabels × C), Linear's layout. */
  weight: Float32Array;
}

/** Accuracy of `x · wᵀ` argmax against labels. */
function featureAccuracy(x: Float32Array, labels: readonly number[], w: Float32Array, c: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let s0 = 0;
    let s1 = 0;
    for (let j = 0; j < c; j++) {
      const v = x[i * c + j]!;
      s0 += v * w[j]!;
      s1 += v * w[c + j]!;
    }
    if ((s1 > s0 ? 1 : 0) === labels[i]) correct++;
  }
  return correct / labels.length;
}

/**
 * Fits the bias-free linear head on kept features with AdamW and softmax cross-entropy;
 * after each epoch scores SST-2's validation split and keeps the best epoch's weights.
 */
export async function fitHead(
  pooling: GPTPooling,
  train: { x: Float32Array; labels: number[] },
  val: { x: Float32Array; labels: number[] },
  c: number,
  opts: { epochs: number; batchSize: number; lr: number; weightDecay: number; seed: number },
  log: (line: string) => void,
): Promise<HeadFit> {
  manualSeed(opts.seed);
  const weight = zeros([2, c]).requireGrad();
  const optimizer = new AdamW([weight], { lr: opts.lr, weightDecay: opts.weightDecay });
  const features = tensor(train.x, [train.labels.length, c]);
  const n = train.labels.length;
  let best: HeadFit | null = null;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const order = shuffledOrder(n, opts.seed + epoch);
      for (let start = 0; start < n; start += opts.batchSize) {
        const picked = order.slice(start, start + opts.batchSize);
        tidy(() => {
          const rows = tensor(Int32Array.from(picked), [picked.length], { dtype: 'i32' });
          const x = features.indexSelect(0, rows); // (B, C)
          const labels = tensor(
            Int32Array.from(picked, (i) => train.labels[i]!),
            [picked.length],
            { dtype: 'i32' },
          );
          crossEntropy(x.matmul(weight.transpose()), labels).backward();
        });
        optimizer.step();
        optimizer.zeroGrad();
      }
      const w = Float32Array.from(await weight.data());
      const valAccuracy = featureAccuracy(val.x, val.labels, w, c);
      if (!best || valAccuracy > best.valAccuracy) best = { pooling, epoch, valAccuracy, weight: w };
    }
  } finally {
    features.dispose();
    weight.dispose();
  }
  log(
    `  ${pooling}-token pooling: best validation accuracy ${(100 * best!.valAccuracy).toFixed(1)}% after epoch ${best!.epoch} of ${opts.epochs}`,
  );
  return best!;
}

// The honest baseline of the reviews bench: logistic regression on a bag of unigrams and
// bigrams (binary presence; n-grams seen at least `minCount` times in training), written
// with tensor-core ops — the weights are an (F + 1) × 2 table summed over a review's
// n-gram ids (row F is padding, masked out), so no dense review × feature matrix is
// built. Softmax over two logits is logistic regression; AdamW with a small L2 decay.
import {
  crossEntropy,
  embedding,
  manualSeed,
  noGrad,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@tensorlm/tensor-core';
import { AdamW } from '@tensorlm/trainer';
import type { LabeledText } from './reviews-data.js';

/** Lower-cased words with punctuation split off (the review LM's word split). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/([,.:;?_!"()']|--|\s)/)
    .filter((w) => w !== undefined && w.trim() !== '');
}

/** The distinct unigrams and bigrams of a text. */
export function ngrams(text: string): string[] {
  const w = words(text);
  const out = new Set(w);
  for (let i = 0; i + 1 < w.length; i++) out.add(`${w[i]} ${w[i + 1]}`);
  return [...out];
}

export interface BaselineOptions {
  minCount?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  seed?: number;
}

export interface BaselineResult {
  features: number;
  accuracy: number;
  correct: number;
  total: number;
  wallSeconds: number;
}

/** Trains on `train` and returns the accuracy on `test`. */
export async function bagOfNgramsBaseline(
  train: readonly LabeledText[],
  test: readonly LabeledText[],
  options: BaselineOptions = {},
): Promise<BaselineResult> {
  const started = performance.now();
  const { minCount = 2, epochs = 2, batchSize = 256, lr = 0.02, weightDecay = 1e-4, seed = 0 } = options;
  const counts = new Map<string, number>();
  const trainGrams = train.map((r) => ngrams(r.text));
  for (const grams of trainGrams) for (const g of grams) counts.set(g, (counts.get(g) ?? 0) + 1);
  const index = new Map<string, number>();
  for (const [g, n] of counts) if (n >= minCount) index.set(g, index.size);
  const pad = index.size;
  const idsOf = (grams: string[]) =>
    grams.map((g) => index.get(g)).filter((i): i is number => i !== undefined);
  const batch = (rows: number[][]) => {
    const width = Math.max(1, ...rows.map((r) => r.length));
    const ids = new Int32Array(rows.length * width).fill(pad);
    const mask = new Float32Array(rows.length * width);
    rows.forEach((r, i) => {
      ids.set(r, i * width);
      mask.fill(1, i * width, i * width + r.length);
    });
    return {
      ids: tensor(ids, [rows.length, width], { dtype: 'i32' }),
      mask: tensor(mask, [rows.length, width, 1]),
    };
  };
  manualSeed(seed);
  const weight = zeros([pad + 1, 2]).requireGrad();
  const bias = zeros([2]).requireGrad();
  const logits = (ids: Tensor, mask: Tensor) => embedding(ids, weight).mul(mask).sum(1).add(bias); // (B, 2)
  const optimizer = new AdamW([weight, bias], { lr, weightDecay });
  const trainIds = trainGrams.map(idsOf);
  let rng = seed + 1;
  const order = trainIds.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0;
      const j = rng % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < order.length; start += batchSize) {
      const picked = order.slice(start, start + batchSize);
      tidy(() => {
        const { ids, mask } = batch(picked.map((k) => trainIds[k]!));
        const labels = tensor(
          picked.map((k) => train[k]!.label),
          [picked.length],
          { dtype: 'i32' },
        );
        crossEntropy(logits(ids, mask), labels).backward();
      });
      optimizer.step();
      optimizer.zeroGrad();
    }
  }
  let correct = 0;
  for (let start = 0; start < test.length; start += batchSize) {
    const rows = test.slice(start, start + batchSize);
    const predicted = noGrad(() =>
      tidy(() => {
        const { ids, mask } = batch(rows.map((r) => idsOf(ngrams(r.text))));
        return logits(ids, mask).argmax(1);
      }),
    );
    const values = await predicted.data();
    predicted.dispose();
    rows.forEach((r, i) => {
      if (values[i] === r.label) correct++;
    });
  }
  weight.dispose();
  bias.dispose();
  return {
    features: pad,
    accuracy: correct / test.length,
    correct,
    total: test.length,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

export interface PickedBaseline extends BaselineResult {
  /** The epochs chosen on the validation split. */
  epochs: number;
  /** Validation accuracy of each epoch count tried, from 1. */
  validation: number[];
}

/**
 * The baseline with its epoch count picked on a validation split (never on the test set):
 * each count from 1 to `maxEpochs` is trained and scored on `val`, the best is trained
 * again and scored on `test`. `wallSeconds` counts every training.
 */
export async function baselinePickedOnValidation(
  train: readonly LabeledText[],
  val: readonly LabeledText[],
  test: readonly LabeledText[],
  options: BaselineOptions & { maxEpochs?: number } = {},
): Promise<PickedBaseline> {
  const { maxEpochs = 4, ...rest } = options;
  const validation: number[] = [];
  let seconds = 0;
  for (let epochs = 1; epochs <= maxEpochs; epochs++) {
    const r = await bagOfNgramsBaseline(train, val, { ...rest, epochs });
    validation.push(r.accuracy);
    seconds += r.wallSeconds;
  }
  const epochs = validation.indexOf(Math.max(...validation)) + 1;
  const final = await bagOfNgramsBaseline(train, test, { ...rest, epochs });
  return { ...final, epochs, validation, wallSeconds: seconds + final.wallSeconds };
}

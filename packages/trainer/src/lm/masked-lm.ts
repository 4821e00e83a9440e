// The Trainer's loss and metrics for masked language models (BertForMaskedLM or any
// module whose forward maps ids + an attention mask to vocabulary logits): cross-entropy
// over the labelled positions only (labels −100 elsewhere, as BERT's masking and Hugging
// Face's collator write them), and, at evaluations, how often the top prediction at a
// labelled position is the original token.
import {
  argmax,
  cast,
  crossEntropy,
  div,
  equal,
  isTensor,
  logicalAnd,
  maximum,
  notEqual,
  sum,
  type Tensor,
  tidy,
} from '@tensorlm/tensor-core';
import { TrainerError } from '../errors.js';

/** The label of positions that are not predicted. */
const IGNORE_INDEX = -100;

/** A masked-LM batch: corrupted ids, the padding mask, and labels (−100 where nothing is predicted). */
export interface MaskedLmBatch {
  /** [B, L] i32 */
  inputIds: Tensor;
  /** [B, L]: 1 (true) on tokens, 0 (false) on padding. */
  attentionMask?: Tensor | null;
  /** [B, L] i32 */
  labels: Tensor;
}

/** What a masked LM's forward returns: logits [B, L, V], or an object holding them. */
export interface MaskedLogitsModel {
  forward(
    ids: Tensor,
    options: { attentionMask?: Tensor | null },
    ...rest: never[]
  ): Tensor | { logits: Tensor };
  train?(mode?: boolean): unknown;
  training?: boolean;
}

function checkBatch(batch: MaskedLmBatch): void {
  const ok =
    batch !== null &&
    typeof batch === 'object' &&
    isTensor(batch.inputIds) &&
    isTensor(batch.labels) &&
    batch.inputIds.rank === 2 &&
    batch.inputIds.dtype === 'i32' &&
    batch.labels.dtype === 'i32' &&
    batch.labels.shape.join() === batch.inputIds.shape.join();
  if (!ok)
    throw new TrainerError(
      'masked LM batch: expected { inputIds, labels } i32 [batch, length] tensors of one shape (and an optional attentionMask)',
    );
}

/** Logits [B, L, V] of a batch (the labels are not passed, so the model computes no loss of its own). */
export function maskedLmLogits(model: MaskedLogitsModel, batch: MaskedLmBatch): Tensor {
  checkBatch(batch);
  const out = model.forward(batch.inputIds, { attentionMask: batch.attentionMask ?? null });
  const logits = isTensor(out) ? out : out?.logits;
  if (!isTensor(logits))
    throw new TrainerError("masked LM: the model's forward returned neither logits nor { logits }");
  return logits;
}

/**
 * The logits an evaluation's loss computed for a batch, so its metrics do not run the
 * model a second time: an entry is used only by the same model, still in eval mode, while
 * the tensor lives (the evaluation frees it with the batch).
 */
const evalLogits = new WeakMap<MaskedLmBatch, { model: MaskedLogitsModel; logits: Tensor }>();

/**
 * The Trainer's loss: mean cross-entropy over the labelled positions. A batch without any
 * (BERT's 15 % can choose none in a few short sentences) has loss 0 and no gradient,
 * where a plain mean would be 0 / 0 = NaN and stop the training as diverged.
 */
export function maskedLmLoss(): (model: MaskedLogitsModel, batch: MaskedLmBatch) => Tensor {
  return (model, batch) => {
    const logits = maskedLmLogits(model, batch);
    if (model.training === false) evalLogits.set(batch, { model, logits });
    const total = crossEntropy(logits, batch.labels, { ignoreIndex: IGNORE_INDEX, reduction: 'sum' });
    return div(total, maximum(sum(cast(notEqual(batch.labels, IGNORE_INDEX), 'f32')), 1));
  };
}

function logitsForMetrics(model: MaskedLogitsModel, batch: MaskedLmBatch): Tensor {
  const cached = evalLogits.get(batch);
  evalLogits.delete(batch);
  if (cached && cached.model === model && model.training === false && !cached.logits.isDisposed)
    return cached.logits;
  return maskedLmLogits(model, batch);
}

/**
 * Evaluation metrics: `maskedAccuracy`, the share of labelled positions whose top
 * prediction is the original token (0 for a batch without any).
 */
export function maskedLmMetrics(): (
  model: MaskedLogitsModel,
  batch: MaskedLmBatch,
) => Record<string, Tensor> {
  return (model, batch) => {
    const logits = logitsForMetrics(model, batch);
    const maskedAccuracy = tidy(() => {
      const labelled = notEqual(batch.labels, IGNORE_INDEX); // [B, L] bool
      const right = logicalAnd(labelled, equal(argmax(logits, -1), batch.labels)); // [B, L] bool
      // At least 1 in the denominator: a batch with nothing labelled scores 0, not NaN.
      return div(sum(cast(right, 'f32')), maximum(sum(cast(labelled, 'f32')), 1));
    });
    return { maskedAccuracy };
  };
}

// Language-modelling losses for the Trainer: next-token cross-entropy of a causal LM
// (GPT2LMHeadModel or any module whose forward maps ids to logits). A batch is either an
// id tensor [B, L] — inputs ids[:, :-1], targets ids[:, 1:], as Hugging Face computes
// the loss for `labels=input_ids` — or a record { input, target } (causalLmCollate,
// sliding windows) whose targets are already shifted.
//
// Padding: by default the mean runs over real tokens only — positions whose target is
// the pad id are left out, as Hugging Face's collators do by masking labels with −100.
// The seeds trained with labels = the padded batch, counting pad positions too; that
// figure stays available (`padPositions: 'included'`), and `lmLosses` computes both
// from one forward pass. { input, target } batches carry their own mask (−100 under
// padding, as causalLmCollate writes it).
import { crossEntropy, isTensor, noGrad, type Tensor, tidy } from '@tensorlm/tensor-core';
import { TrainerError } from '../errors.js';

/** What a causal LM's forward returns: logits [B, T, V], or an object holding them. */
export interface LogitsModel {
  forward(ids: Tensor, ...rest: never[]): Tensor | { logits: Tensor };
  train?(mode?: boolean): unknown;
  training?: boolean;
}

/** An id tensor [B, L], or shifted pairs. */
export type LmBatch = Tensor | { input: Tensor; target: Tensor };

/** The target id { input, target } batches mark padding with (crossEntropy's default). */
const MASKED_TARGET = -100;

export interface CausalLmLossOptions {
  /** The padding id of id-tensor batches (default 0, as tokenBatchSource and padBatch pad). */
  padId?: number;
  /**
   * 'ignored' (default): the mean runs over positions whose target is not padding.
   * 'included': every position counts, padding too — the seeds' convention (Hugging
   * Face's loss with labels = the padded input_ids).
   */
  padPositions?: 'ignored' | 'included';
}

/** Splits a batch into model inputs and next-token targets. */
export function shiftBatch(batch: LmBatch): { input: Tensor; target: Tensor } {
  if (isTensor(batch)) {
    if (batch.rank !== 2 || batch.dtype !== 'i32' || batch.shape[1]! < 2) {
      throw new TrainerError(
        `causal LM batch: expected an i32 [batch, length ≥ 2] id tensor, got ${batch.dtype} [${batch.shape.join(', ')}]`,
      );
    }
    const length = batch.shape[1]!;
    // Causal attention: logits at positions 0…L−2 depend only on ids 0…L−2, so feeding
    // ids[:, :-1] gives exactly HF's shifted loss without computing the last position.
    return { input: batch.slice([null, [0, length - 1]]), target: batch.slice([null, [1, length]]) };
  }
  if (batch && isTensor(batch.input) && isTensor(batch.target))
    return { input: batch.input, target: batch.target };
  throw new TrainerError('causal LM batch: expected an id tensor or { input, target } tensors');
}

function logitsOf(model: LogitsModel, input: Tensor): Tensor {
  const out = model.forward(input);
  const logits = isTensor(out) ? out : out?.logits;
  if (!isTensor(logits))
    throw new TrainerError("causal LM: the model's forward returned neither logits nor { logits }");
  return logits;
}

/**
 * The Trainer's loss for causal LMs: mean next-token cross-entropy over real tokens
 * (see `padPositions` for the seeds' pad-included mean).
 */
export function causalLmLoss(
  options: CausalLmLossOptions = {},
): (model: LogitsModel, batch: LmBatch) => Tensor {
  const { padId = 0, padPositions = 'ignored' } = options;
  if (!Number.isInteger(padId))
    throw new TrainerError(`causalLmLoss: padId must be an integer, got ${padId}`);
  if (padPositions !== 'ignored' && padPositions !== 'included') {
    throw new TrainerError(
      `causalLmLoss: padPositions must be 'ignored' or 'included', got ${JSON.stringify(padPositions)}`,
    );
  }
  const idIgnoreIndex = padPositions === 'ignored' ? padId : MASKED_TARGET;
  return (model, batch) => {
    const { input, target } = shiftBatch(batch);
    const ignoreIndex = isTensor(batch) ? idIgnoreIndex : MASKED_TARGET;
    return crossEntropy(logitsOf(model, input), target, { ignoreIndex });
  };
}

export interface LmLosses<T> {
  /** Mean over every next-token position, padding included (the seeds' figure). */
  padIncluded: T;
  /** Mean over positions whose target is not the pad id. */
  padIgnored: T;
}

/** Both losses of an id batch [B, L] from one forward pass (scalar tensors, recorded for autograd). */
export function lmLosses(
  model: LogitsModel,
  ids: Tensor,
  options: { padId?: number } = {},
): LmLosses<Tensor> {
  const padId = options.padId ?? 0;
  if (!isTensor(ids)) throw new TrainerError('lmLosses: ids must be an i32 [batch, length] tensor');
  return tidy(() => {
    const { input, target } = shiftBatch(ids);
    const logits = logitsOf(model, input);
    return {
      padIncluded: crossEntropy(logits, target, { ignoreIndex: MASKED_TARGET }),
      padIgnored: crossEntropy(logits, target, { ignoreIndex: padId }),
    };
  });
}

/**
 * Both losses as numbers, measured in eval mode without gradients (the model's mode is
 * restored): a held-out figure outside a Trainer.
 */
export async function measureLmLosses(
  model: LogitsModel,
  ids: Tensor,
  options: { padId?: number } = {},
): Promise<LmLosses<number>> {
  const wasTraining = model.training ?? false;
  model.train?.(false);
  try {
    const losses = noGrad(() => lmLosses(model, ids, options));
    try {
      return { padIncluded: await losses.padIncluded.item(), padIgnored: await losses.padIgnored.item() };
    } finally {
      losses.padIncluded.dispose();
      losses.padIgnored.dispose();
    }
  } finally {
    model.train?.(wasTraining);
  }
}

/**
 * Eval metrics for the Trainer: both losses of each validation batch. Only id-tensor
 * batches have them; { input, target } batches (whose padding is already masked out of
 * the targets) give no metrics.
 */
export function causalLmMetrics(
  options: { padId?: number } = {},
): (model: LogitsModel, batch: LmBatch) => Record<string, Tensor> {
  return (model, batch): Record<string, Tensor> => {
    if (!isTensor(batch)) return {};
    const l = lmLosses(model, batch, options);
    return { lossPadIncluded: l.padIncluded, lossPadIgnored: l.padIgnored };
  };
}

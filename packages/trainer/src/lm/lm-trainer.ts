// The one-line setup for language models: a Trainer whose loss is next-token
// cross-entropy over real tokens (or, as an option, over pad positions too, as the
// seeds trained) and whose evaluations report both pad conventions; and its masked-LM
// counterpart, whose loss runs over the masked positions and whose evaluations report
// how often the top prediction there is the original token.
import type { Module } from '@tensorlm/nn';
import type { TrainerConfigInput } from '../trainer/config.js';
import { Trainer, type TrainerSetup } from '../trainer/trainer.js';
import {
  type CausalLmLossOptions,
  causalLmLoss,
  causalLmMetrics,
  type LmBatch,
  type LogitsModel,
} from './causal-lm.js';
import { type MaskedLmBatch, type MaskedLogitsModel, maskedLmLoss, maskedLmMetrics } from './masked-lm.js';

export type CausalLmTrainerSetup<M extends Module & LogitsModel> = Omit<
  TrainerSetup<M, LmBatch>,
  'loss' | 'evalMetrics'
> &
  CausalLmLossOptions;

/**
 * A Trainer for a causal LM on id batches ([B, L] tensors, e.g. from tokenBatchSource) or
 * { input, target } batches: `causalLmTrainer({ model, train, val }, { maxSteps: 150, lr: 5e-4 })`.
 * It trains on the mean over real tokens (`padPositions: 'included'` for the seeds'
 * pad-included mean); evaluations report `lossPadIncluded` and `lossPadIgnored` as
 * metrics (id batches only).
 */
export function causalLmTrainer<M extends Module & LogitsModel>(
  setup: CausalLmTrainerSetup<M>,
  config: TrainerConfigInput,
): Trainer<M, LmBatch> {
  const { padId = 0, padPositions = 'ignored', ...rest } = setup;
  return new Trainer<M, LmBatch>(
    {
      ...rest,
      loss: causalLmLoss({ padId, padPositions }),
      evalMetrics: causalLmMetrics({ padId }),
    },
    config,
  );
}

export type MaskedLmTrainerSetup<M extends Module & MaskedLogitsModel> = Omit<
  TrainerSetup<M, MaskedLmBatch>,
  'loss' | 'evalMetrics'
>;

/**
 * A Trainer for a masked LM (BertForMaskedLM) on { inputIds, attentionMask, labels }
 * batches (e.g. @tensorlm/datasets' MlmMasking): `maskedLmTrainer({ model, train, val },
 * { maxSteps, lr })`. The loss is the mean over labelled positions; evaluations report
 * `maskedAccuracy`.
 */
export function maskedLmTrainer<M extends Module & MaskedLogitsModel>(
  setup: MaskedLmTrainerSetup<M>,
  config: TrainerConfigInput,
): Trainer<M, MaskedLmBatch> {
  return new Trainer<M, MaskedLmBatch>(
    { ...setup, loss: maskedLmLoss(), evalMetrics: maskedLmMetrics() },
    config,
  );
}

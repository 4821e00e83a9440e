// The one-line setup for language models: a Trainer whose loss is next-token
// cross-entropy (pad positions counted as the seeds did, or ignored) and whose
// evaluations report both pad conventions; plus the toy-grammar GPT's shape.
import type { GPTConfigInput, Module } from '@tensorlm/nn';
import type { TrainerConfigInput } from '../trainer/config.js';
import { Trainer, type TrainerSetup } from '../trainer/trainer.js';
import { type CausalLm, causalLmLoss, causalLmMetrics, type LmBatch } from './causal-lm.js';

/**
 * The "mini GPT" of the toy-grammar seed and of WORKLOADS W2: vocab 39, 128 positions,
 * n_embd 64, 3 layers, 8 heads (GELU tanh, pre-LN, tied head, dropout 0.1 — HF's GPT2Config defaults).
 */
export const GRAMMAR_GPT_CONFIG = {
  vocabSize: 39,
  blockSize: 128,
  nEmbd: 64,
  nLayer: 3,
  nHead: 8,
} as const satisfies GPTConfigInput;

export type CausalLmTrainerSetup<M extends Module & CausalLm> = Omit<
  TrainerSetup<M, LmBatch>,
  'loss' | 'evalMetrics'
> & {
  /** Padding id of the batches (default 0, the grammar's [Pad]). */
  padId?: number;
  /** Train on the pad-ignored loss instead of the seeds' pad-included one (default false). */
  ignorePad?: boolean;
};

/**
 * A Trainer for a causal LM on id batches ([B, L] tensors, e.g. from tokenBatchSource) or
 * { input, target } batches: `causalLmTrainer({ model, train, val }, { maxSteps: 150, lr: 5e-4 })`.
 * Evaluations report `lossPadIncluded` and `lossPadIgnored` as metrics (id batches only).
 */
export function causalLmTrainer<M extends Module & CausalLm>(
  setup: CausalLmTrainerSetup<M>,
  config: TrainerConfigInput,
): Trainer<M, LmBatch> {
  const { padId = 0, ignorePad = false, ...rest } = setup;
  return new Trainer<M, LmBatch>(
    {
      ...rest,
      loss: causalLmLoss({ ignoreIndex: ignorePad ? padId : -100 }),
      evalMetrics: causalLmMetrics({ padId }),
    },
    config,
  );
}

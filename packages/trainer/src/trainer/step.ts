// One optimizer step: gradAccumulationSteps micro-batches forward and backward (each
// micro-loss scaled by 1/N), optional gradient clipping, then the update — or, when the
// loss or the gradient norm is not finite, no update at all and a NonFiniteLossError.
import type { Module } from '@tensorlm/nn';
import {
  add,
  disposeTensors,
  div,
  isTensor,
  manualSeed,
  mul,
  noGrad,
  type Tensor,
  tidy,
} from '@tensorlm/tensor-core';
import type { BatchSource } from '../data/batch-source.js';
import { NonFiniteLossError, TrainerError } from '../errors.js';
import { clipGradNorm } from '../grad/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LrSchedule } from '../schedule/schedules.js';
import { deriveIntSeed } from '../util/seed.js';
import type { TrainerConfig } from './config.js';
import type { LossFn } from './types.js';

export interface StepContext<M extends Module, B> {
  config: TrainerConfig;
  model: M;
  // biome-ignore lint/suspicious/noExplicitAny: optimizers differ in their hyperparameter type
  optimizer: Optimizer<any>;
  schedule: LrSchedule;
  train: BatchSource<B>;
  lossFn: LossFn<M, B>;
  countTokens: (batch: B) => number;
}

export interface StepOutcome {
  lr: number;
  /** Mean loss of the micro-batches. */
  loss: number;
  /** Global gradient norm before clipping (when clipping). */
  gradNorm?: number;
  /** Tokens in this step's batches. */
  tokens: number;
  /** Wall time, data loading included. */
  ms: number;
}

/**
 * Takes optimizer step `step + 1`. `lastCheckpoint` is only for the error message of a
 * non-finite loss. Gradients are zeroed whatever happens.
 */
export async function optimizerStep<M extends Module, B>(
  ctx: StepContext<M, B>,
  step: number,
  lastCheckpoint: string | null,
): Promise<StepOutcome> {
  const c = ctx.config;
  const t0 = performance.now();
  const lr = ctx.schedule(step);
  ctx.optimizer.setLr(lr);
  if (c.seed !== null) manualSeed(deriveIntSeed(c.seed, 'step', step));
  const n = c.gradAccumulationSteps;
  let total: Tensor | null = null;
  let tokens = 0;
  let norm: Tensor | null = null;
  try {
    for (let k = 0; k < n; k++) {
      const batch = await ctx.train.next();
      try {
        tokens += ctx.countTokens(batch);
        const loss = tidy(() => {
          const l = ctx.lossFn(ctx.model, batch);
          if (!isTensor(l) || l.size !== 1) {
            throw new TrainerError(
              `Trainer: the loss must be a scalar tensor, got ${isTensor(l) ? `shape [${l.shape.join(', ')}]` : typeof l}`,
            );
          }
          if (!l.requiresGrad) {
            throw new TrainerError('Trainer: the loss does not depend on any parameter that requires grad');
          }
          // Each micro-batch contributes 1/N of the gradient, so N half batches add up to one full batch.
          (n > 1 ? mul(l, 1 / n) : l).backward();
          return l.detach();
        });
        if (total === null) total = loss;
        else {
          const previous: Tensor = total;
          total = noGrad(() => add(previous, loss));
          previous.dispose();
          loss.dispose();
        }
      } finally {
        disposeTensors(batch);
      }
    }
    const mean: Tensor = n > 1 ? noGrad(() => div(total!, n)) : total!;
    if (mean !== total) {
      total!.dispose();
      total = mean;
    }
    if (c.gradClip !== null) norm = clipGradNorm(ctx.optimizer.params(), c.gradClip);
    const lossValue = await total!.item();
    const normValue = norm ? await norm.item() : undefined;
    const finite = Number.isFinite;
    if (!finite(lossValue) || (normValue !== undefined && !finite(normValue))) {
      ctx.optimizer.zeroGrad();
      const bad = !finite(lossValue) ? lossValue : normValue!;
      throw new NonFiniteLossError(
        step + 1,
        bad,
        finite(lossValue) ? 'gradient norm' : 'loss',
        lastCheckpoint,
      );
    }
    ctx.optimizer.step();
    ctx.optimizer.zeroGrad();
    const outcome: StepOutcome = { lr, loss: lossValue, tokens, ms: performance.now() - t0 };
    if (normValue !== undefined) outcome.gradNorm = normValue;
    return outcome;
  } catch (error) {
    ctx.optimizer.zeroGrad();
    throw error;
  } finally {
    total?.dispose();
    norm?.dispose();
  }
}

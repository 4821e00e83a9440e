// Evaluation: the mean loss (and extra metrics) over evalIters validation batches, in
// eval mode without gradients, optionally rewinding the validation source first so every
// evaluation sees the same batches. The model's mode is restored afterwards.
import type { Module } from '@tensorlm/nn';
import { disposeTensors, noGrad, tidy } from '@tensorlm/tensor-core';
import type { BatchSource } from '../data/batch-source.js';
import type { JsonValue } from '../util/json.js';
import type { LossFn, MetricsFn } from './types.js';

export interface EvaluationContext<M extends Module, B> {
  model: M;
  val: BatchSource<B>;
  lossFn: LossFn<M, B>;
  metricsFn: MetricsFn<M, B> | null;
  iters: number;
  /** Rewind the source to this position first (null: continue where it is). */
  rewindTo: JsonValue | null;
}

export async function evaluateBatches<M extends Module, B>(
  ctx: EvaluationContext<M, B>,
): Promise<{ loss: number; metrics: Record<string, number> }> {
  const { model, val } = ctx;
  if (ctx.rewindTo !== null) val.restore(ctx.rewindTo);
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  const metricSums: Record<string, number> = {};
  try {
    for (let i = 0; i < ctx.iters; i++) {
      const batch = await val.next();
      try {
        const out = noGrad(() =>
          tidy(() => ({
            loss: ctx.lossFn(model, batch),
            metrics: ctx.metricsFn?.(model, batch) ?? {},
          })),
        );
        try {
          lossSum += await out.loss.item();
          for (const [k, t] of Object.entries(out.metrics))
            metricSums[k] = (metricSums[k] ?? 0) + (await t.item());
        } finally {
          out.loss.dispose();
          for (const t of Object.values(out.metrics)) t.dispose();
        }
      } finally {
        disposeTensors(batch);
      }
    }
  } finally {
    model.train(wasTraining);
  }
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(metricSums)) metrics[k] = v / ctx.iters;
  return { loss: lossSum / ctx.iters, metrics };
}

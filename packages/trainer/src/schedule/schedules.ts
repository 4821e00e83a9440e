// Learning-rate schedules as pure functions of the step, so a resumed run gets exactly
// the lr it would have had: `step` is the number of optimizer steps already taken (0 for
// the first update). Configs are zod-validated and JSON-able (`scheduleFromConfig`), so a
// Trainer config or a CLI flag can name one.
import { z } from 'zod';
import { parseWith, TrainerError } from '../errors.js';

/** The lr of the update that follows `step` completed steps. */
export type LrSchedule = (step: number) => number;

const lrValue = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();

const constantSchema = z.object({ kind: z.literal('constant'), lr: lrValue }).strict();

const cosineSchema = z
  .object({
    kind: z.literal('cosine'),
    /** Peak lr, reached at the end of warmup. */
    lr: lrValue,
    /** Floor the cosine decays to (default 0; nanoGPT uses lr / 10). */
    minLr: lrValue.default(0),
    /** Linear warmup over this many updates: update k (1-based) uses lr·k / warmupSteps. */
    warmupSteps: count.default(0),
    /** The step at which the decay reaches minLr (then it stays there); usually maxSteps. */
    decaySteps: z.number().int().positive(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.minLr > c.lr) ctx.addIssue({ code: 'custom', path: ['minLr'], message: `must be ≤ lr (${c.lr})` });
    if (c.warmupSteps > c.decaySteps) {
      ctx.addIssue({
        code: 'custom',
        path: ['warmupSteps'],
        message: `must be ≤ decaySteps (${c.decaySteps})`,
      });
    }
  });

const stepSchema = z
  .object({
    kind: z.literal('step'),
    lr: lrValue,
    /** Multiply the lr by gamma every stepSize steps (torch's StepLR). */
    stepSize: z.number().int().positive(),
    gamma: z.number().finite().positive().default(0.1),
    /** Optional linear warmup before the first decay, as in the cosine schedule. */
    warmupSteps: count.default(0),
  })
  .strict();

export const scheduleConfigSchema = z.discriminatedUnion('kind', [constantSchema, cosineSchema, stepSchema]);
export type ScheduleConfig = z.input<typeof scheduleConfigSchema>;

function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) {
    throw new TrainerError(`lr schedule: step must be a non-negative integer, got ${step}`);
  }
}

/** Linear warmup factor of update `step + 1`: (step + 1) / warmupSteps, capped at 1. */
function warmup(step: number, warmupSteps: number): number {
  return warmupSteps > 0 && step < warmupSteps ? (step + 1) / warmupSteps : 1;
}

/** The same lr at every step. */
export function constantLr(lr: number): LrSchedule {
  const c = parseWith(constantSchema, { kind: 'constant', lr }, 'constant schedule');
  return (step) => {
    checkStep(step);
    return c.lr;
  };
}

/**
 * Linear warmup to `lr`, then a half cosine down to `minLr` at `decaySteps`, then flat
 * (nanoGPT's get_lr):
 *   step < W:          lr·(step + 1)/W
 *   W ≤ step < D:      minLr + ½(1 + cos(π·(step − W)/(D − W)))·(lr − minLr)
 *   step ≥ D:          minLr
 */
export function warmupCosineLr(options: Omit<z.input<typeof cosineSchema>, 'kind'>): LrSchedule {
  const c = parseWith(cosineSchema, { ...options, kind: 'cosine' }, 'cosine schedule');
  return (step) => {
    checkStep(step);
    if (step < c.warmupSteps) return c.lr * warmup(step, c.warmupSteps);
    if (step >= c.decaySteps) return c.minLr;
    const progress = (step - c.warmupSteps) / (c.decaySteps - c.warmupSteps);
    return c.minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (c.lr - c.minLr);
  };
}

/** Step decay (torch's StepLR), optionally after a linear warmup: lr·gamma^⌊step / stepSize⌋. */
export function stepDecayLr(options: Omit<z.input<typeof stepSchema>, 'kind'>): LrSchedule {
  const c = parseWith(stepSchema, { ...options, kind: 'step' }, 'step schedule');
  return (step) => {
    checkStep(step);
    return c.lr * warmup(step, c.warmupSteps) * c.gamma ** Math.floor(step / c.stepSize);
  };
}

/** A schedule from a JSON config: `{ kind: 'constant' | 'cosine' | 'step', … }`. */
export function scheduleFromConfig(config: ScheduleConfig): LrSchedule {
  const c = parseWith(scheduleConfigSchema, config, 'lr schedule');
  const { kind, ...rest } = c;
  switch (kind) {
    case 'constant':
      return constantLr(c.lr);
    case 'cosine':
      return warmupCosineLr(rest as Omit<z.input<typeof cosineSchema>, 'kind'>);
    case 'step':
      return stepDecayLr(rest as Omit<z.input<typeof stepSchema>, 'kind'>);
  }
}

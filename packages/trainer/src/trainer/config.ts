// The Trainer's config: every JSON-able knob, validated with zod so a typo or a bad value
// is an error naming the field (`maxSteps: Too small…`) before any work starts. Defaults
// follow minGPT's Trainer where it has one (AdamW betas (0.9, 0.95), weight decay 0.1 on
// linear weights only) and PyTorch elsewhere.
import { z } from 'zod';
import { scheduleConfigSchema } from '../schedule/schedules.js';

const positiveInt = z.number().int().positive();
const beta = z.number().min(0).lt(1);

export const optimizerConfigSchema = z
  .object({
    kind: z.enum(['adamw', 'adam', 'sgd']).default('adamw'),
    betas: z.tuple([beta, beta]).default([0.9, 0.95]),
    eps: z.number().positive().default(1e-8),
    weightDecay: z.number().nonnegative().default(0.1),
    /** Which parameters decay: 'module' (minGPT: linear weights only), 'rank' (nanoGPT: rank ≥ 2), 'all'. */
    decay: z.enum(['module', 'rank', 'all']).default('module'),
    /** SGD only. */
    momentum: z.number().nonnegative().default(0),
    nesterov: z.boolean().default(false),
  })
  .strict();

export const earlyStoppingSchema = z
  .object({
    /** Stop after this many evaluations without a new best validation loss. */
    patience: positiveInt,
    /** An evaluation counts as better only if it beats the best by more than this. */
    minDelta: z.number().nonnegative().default(0),
  })
  .strict();

export const trainerConfigSchema = z
  .object({
    /** Optimizer steps to run (counting from 0, also across a resume). */
    maxSteps: positiveInt,
    /** Learning rate when no schedule is given (constant). */
    lr: z.number().positive().default(3e-4),
    /** A JSON schedule (`{ kind: 'cosine', lr, warmupSteps, decaySteps, minLr }`); overrides `lr`. */
    schedule: scheduleConfigSchema.optional(),
    optimizer: optimizerConfigSchema.default(optimizerConfigSchema.parse({})),
    /** Clip the global gradient norm to this (minGPT uses 1.0); null: no clipping. */
    gradClip: z.number().positive().nullable().default(null),
    /** Micro-batches per optimizer step; each micro-loss is scaled by 1/N before backward. */
    gradAccumulationSteps: positiveInt.default(1),
    /** Evaluate every this many steps (and after the last); 0: only after the last (when val is given). */
    evalInterval: z.number().int().nonnegative().default(0),
    /** Validation batches per evaluation. */
    evalIters: positiveInt.default(10),
    /** Rewind the validation source before every evaluation, so each sees the same batches. */
    evalSameBatches: z.boolean().default(true),
    earlyStopping: earlyStoppingSchema.optional(),
    /** Run directory for checkpoints (see checkpoint/checkpoint.ts for the layout). */
    checkpointDir: z.string().min(1).optional(),
    /** Save a checkpoint every this many steps; 0: none besides best and final. */
    checkpointInterval: z.number().int().nonnegative().default(0),
    /** Periodic checkpoints kept (the best is kept besides). */
    keepCheckpoints: positiveInt.default(2),
    /** Save a checkpoint whenever the validation loss reaches a new best. */
    saveBest: z.boolean().default(true),
    /** Save a checkpoint when training ends (normally or by early stopping). */
    saveFinal: z.boolean().default(true),
    /** Load the best checkpoint's weights into the model when training ends. */
    restoreBestAtEnd: z.boolean().default(false),
    /**
     * Resume from a checkpoint: true or 'latest' (the run directory's latest, if any —
     * otherwise start fresh), 'best', or a checkpoint folder path.
     */
    resume: z.union([z.boolean(), z.literal('latest'), z.literal('best'), z.string().min(1)]).default(false),
    /**
     * Seed of the default random stream, re-seeded from (seed, step) before every step so
     * dropout is the same in a resumed run; null leaves the stream alone.
     */
    seed: z.number().int().nonnegative().nullable().default(0),
    /** Plain-line progress every this many steps (terminals redraw every step). */
    logInterval: positiveInt.default(10),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.checkpointInterval > 0 && !c.checkpointDir) {
      ctx.addIssue({
        code: 'custom',
        path: ['checkpointDir'],
        message: 'is required when checkpointInterval > 0',
      });
    }
    if (c.restoreBestAtEnd && !c.checkpointDir) {
      ctx.addIssue({ code: 'custom', path: ['checkpointDir'], message: 'is required for restoreBestAtEnd' });
    }
    if (c.resume !== false && typeof c.resume !== 'string' && !c.checkpointDir) {
      ctx.addIssue({
        code: 'custom',
        path: ['checkpointDir'],
        message: 'is required to resume from the latest checkpoint',
      });
    }
    if ((c.resume === 'latest' || c.resume === 'best') && !c.checkpointDir) {
      ctx.addIssue({
        code: 'custom',
        path: ['checkpointDir'],
        message: `is required to resume from '${c.resume}'`,
      });
    }
  });

export type TrainerConfig = z.output<typeof trainerConfigSchema>;
export type TrainerConfigInput = z.input<typeof trainerConfigSchema>;

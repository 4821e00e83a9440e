// The errors @tensorlm/trainer throws, on tensor-core's `TensorlmError`: `TrainerError`
// (code 'TRAINER_INVALID') for bad input or misuse, its message naming the field or
// option at fault; `NonFiniteLossError` ('TRAINER_NON_FINITE_LOSS') when training diverges.
import { parseOrThrow, TensorlmError } from '@tensorlm/tensor-core';
import type { z } from 'zod';

export class TrainerError extends TensorlmError {
  /** `code` lets a subclass name its own failure (e.g. a run-folder error). */
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'TRAINER_INVALID', message, { cause: options.cause });
    this.name = 'TrainerError';
  }
}

/** Training produced a NaN or infinite loss (or gradient norm); nothing of that step was applied. */
export class NonFiniteLossError extends TrainerError {
  constructor(
    /** The 1-based optimizer step whose loss was not finite. */
    readonly step: number,
    /** The value that was read (NaN, Infinity or -Infinity). */
    readonly value: number,
    /** What was not finite: the loss or the gradient norm. */
    readonly quantity: 'loss' | 'gradient norm',
    /** The last complete checkpoint on disk, if any (left untouched). */
    readonly lastCheckpoint: string | null,
  ) {
    super(
      `training stopped: the ${quantity} is ${value} at step ${step}; the update of that step was not applied` +
        (lastCheckpoint
          ? ` and the last good checkpoint is ${lastCheckpoint}`
          : ' (no checkpoint was written yet)') +
        '. Try a lower learning rate, gradient clipping (gradClip) or check the data.',
      { code: 'TRAINER_NON_FINITE_LOSS' },
    );
    this.name = 'NonFiniteLossError';
  }
}

/** Parses `value` with `schema`, or throws a TrainerError: `invalid <what>: <field>: <problem>`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  return parseOrThrow(schema, value, what, (message) => new TrainerError(message));
}

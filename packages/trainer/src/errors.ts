// The errors @tensorlm/trainer throws: `TrainerError` for bad input or misuse (its message
// names the field or option at fault), `NonFiniteLossError` when training diverges.
import type { z } from 'zod';

export class TrainerError extends Error {
  constructor(message: string) {
    super(message);
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
    );
    this.name = 'NonFiniteLossError';
  }
}

/** zod issues as `path: message`, joined by '; '. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parses `value` with `schema`, or throws a TrainerError starting with `what`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new TrainerError(`invalid ${what}: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

// The one error type of the pipelines: `TaskError` with a stable code, so a caller (the
// CLI, a web demo) can tell a model that cannot do the task from a bad input or option.
import { parseOrThrow, TensorlmError } from '@tensorlm/tensor-core';
import type { z } from 'zod';

export type TaskErrorCode =
  /** The model (or its tokenizer) cannot do the task: fill-mask on a GPT, no classifier head. */
  | 'TASK_UNSUPPORTED_MODEL'
  /** The task name is not one `pipeline` knows. */
  | 'TASK_UNKNOWN'
  /** An option failed validation; the message names the field. */
  | 'TASK_BAD_OPTIONS'
  /** An input is unusable: empty, not text, no [MASK] for fill-mask. */
  | 'TASK_BAD_INPUT'
  /** The pipeline was used after `dispose()`. */
  | 'TASK_DISPOSED';

export class TaskError extends TensorlmError {
  override readonly code: TaskErrorCode;

  constructor(code: TaskErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TaskError';
    this.code = code;
  }
}

/** Parses options with `schema`, or throws a TaskError naming every bad field. */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  return parseOrThrow(schema, value ?? {}, what, (message) => new TaskError('TASK_BAD_OPTIONS', message));
}

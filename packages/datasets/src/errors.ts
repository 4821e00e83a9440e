// The one error type of @tensorlm/datasets (code 'DATASET_INVALID'), and the package's
// zod bridge: tensor-core's `parseOrThrow`, so a bad option names its field the same
// way in every package.
import { parseOrThrow, TensorlmError } from '@tensorlm/tensor-core';
import type { z } from 'zod';

/** Thrown for bad input anywhere in this package; the message says where and what. */
export class DatasetError extends TensorlmError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'DATASET_INVALID', message, { cause: options.cause });
    this.name = 'DatasetError';
  }
}

/** Parses `value` with `schema`, or throws a DatasetError: `invalid <what>: <field>: <problem>`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  return parseOrThrow(schema, value, what, (message) => new DatasetError(message));
}

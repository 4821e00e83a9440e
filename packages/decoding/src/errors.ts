// The one error type of @tensorlm/decoding (code 'DECODING_INVALID'). Bad options and bad
// prompts are reported here, naming the field, before any kernel runs: a typo such as
// `top_k` must not turn into a silent default or a shape error deep inside a forward pass.
import { parseOrThrow, TensorlmError } from '@tensorlm/tensor-core';
import type { z } from 'zod';

export class DecodingError extends TensorlmError {
  /** The offending fields as key paths (`topK`, `inputIds[1]`); empty when not about a field. */
  readonly fields: readonly string[];

  constructor(message: string, fields: readonly string[] = [], options: { cause?: unknown } = {}) {
    super('DECODING_INVALID', message, options);
    this.name = 'DecodingError';
    this.fields = fields;
  }
}

/**
 * Parses `value` with `schema`, or throws a DecodingError listing every bad field
 * (`invalid <what>: topK: …`); an unknown snake_case key is pointed at its camelCase name.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  knownKeys?: readonly string[],
): z.output<S> {
  return parseOrThrow(
    schema,
    value,
    what,
    (message, issues) =>
      new DecodingError(
        message,
        issues.map((i) => i.path),
      ),
    knownKeys ? { knownKeys } : {},
  );
}

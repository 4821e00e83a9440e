// The one error type of @tensorlm/decoding. Bad options and bad prompts are reported
// here, naming the field, before any kernel runs: a typo such as `top_k` must not turn
// into a silent default or a shape error deep inside a forward pass.
import type { z } from 'zod';

export class DecodingError extends Error {
  override readonly name = 'DecodingError';
  /** The offending fields as dotted paths (`topK`, `inputIds.1`); empty when not about a field. */
  readonly fields: readonly string[];

  constructor(message: string, fields: readonly string[] = []) {
    super(message);
    this.fields = fields;
  }
}

function camelCase(key: string): string {
  return key.replace(/[_-]+([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Parses `value` with `schema`, or throws a DecodingError listing every bad field. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
  known: readonly string[] = [],
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields: string[] = [];
  const lines = parsed.error.issues.flatMap((issue) => {
    const prefix = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      // Hugging Face spells options in snake_case; point at our camelCase name.
      return issue.keys.map((key) => {
        const path = prefix ? `${prefix}.${key}` : key;
        fields.push(path);
        const guess = camelCase(key);
        const hint = guess !== key && known.includes(guess) ? ` (did you mean '${guess}'?)` : '';
        return `${path}: unknown option${hint}`;
      });
    }
    fields.push(prefix);
    return [`${prefix || '(options)'}: ${issue.message}`];
  });
  throw new DecodingError(`${where}: ${lines.join('; ')}`, fields);
}

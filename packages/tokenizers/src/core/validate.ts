// Validation helpers at the package boundary: zod issues and JSON syntax errors become
// TokenizerErrors that name the source and the offending key.
import type { z } from 'zod';
import { TokenizerError } from '../errors.js';

/** Renders a zod issue path as a JSON-ish key path: `model.vocab["a b"]`, `merges[3]`. */
export function formatKeyPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part))
      out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out === '' ? '(root)' : out;
}

/** Parses `value` with `schema`; on failure throws naming the first bad key. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  source?: string,
  keyPrefix = '',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problems)` : '';
  throw new TokenizerError(`invalid ${what}: ${issue.message}${more}`, {
    ...(source !== undefined ? { source } : {}),
    key: formatKeyPath(issue.path, keyPrefix),
  });
}

/** JSON.parse with the source named, and the line of the syntax error when V8 gives a position. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const line = position ? lineOfOffset(text, Number(position[1])) : undefined;
    throw new TokenizerError(`invalid JSON: ${message}`, { source, ...(line !== undefined ? { line } : {}) });
  }
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

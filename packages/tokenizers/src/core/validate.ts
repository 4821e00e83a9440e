// Validation at the package boundary: zod issues go through tensor-core's one helper
// (`parseOrThrow`, every bad key named as a JSON key path) and JSON syntax errors name the
// source and line; both become TokenizerErrors.
import { parseOrThrow } from '@tensorlm/tensor-core/errors';
import type { z } from 'zod';
import { TokenizerError } from '../errors.js';

/**
 * Parses `value` with `schema`, or throws `<source>: invalid <what>: <key>: <problem>; …`.
 * `keyPrefix` is where `value` sits in its document (`model` for `json.model`).
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  source?: string,
  keyPrefix?: string,
): z.output<S> {
  return parseOrThrow(
    schema,
    value,
    what,
    (message) => new TokenizerError(message, source !== undefined ? { source } : {}),
    keyPrefix ? { pathPrefix: keyPrefix.split('.') } : {},
  );
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

// The one bridge from a failed zod parse to an error every package throws the same way:
// each issue names its field as a JSON-style path (`groups[0].lr`, `model.vocab["a b"]`),
// an unknown key gets a "did you mean" hint for a snake_case spelling of a known
// camelCase option, and the message lists at most a handful of issues. Packages choose
// only the error class. No runtime import of zod (types only), so the `errors` entry
// stays free of the op library.
import type { z } from 'zod';

/** One problem with one field. `path` is '' when the value as a whole is at fault. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface ZodIssueOptions {
  /** Path of the parsed value inside a larger document (`['model']` for `json.model`). */
  readonly pathPrefix?: readonly PropertyKey[];
  /**
   * The keys the schema knows, for "did you mean" hints on unknown keys. Defaults to the
   * keys of the schema's shape when it is a plain object schema.
   */
  readonly knownKeys?: readonly string[];
}

/** How many issues a message lists before it says "and N more". */
export const MAX_LISTED_ISSUES = 5;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A path as a JSON-style key path: `a.b[0]`, `vocab["a b"]`; '' for the root. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function camelCase(key: string): string {
  return key.replace(/[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

function hintFor(key: string, known: readonly string[]): string {
  const camel = camelCase(key);
  if (camel !== key && known.includes(camel)) return ` (did you mean '${camel}'?)`;
  const lower = key.toLowerCase();
  const sameLetters = known.find((k) => k.toLowerCase() === lower && k !== key);
  return sameLetters ? ` (did you mean '${sameLetters}'?)` : '';
}

/** The issues of a failed parse, one per field (an unknown-keys issue becomes one per key). */
export function zodFieldIssues(error: z.ZodError, options: ZodIssueOptions = {}): FieldIssue[] {
  const prefix = options.pathPrefix ?? [];
  const known = options.knownKeys ?? [];
  return error.issues.flatMap((issue): FieldIssue[] => {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatFieldPath([...at, key]),
        message: `unknown field${issue.path.length === 0 ? hintFor(key, known) : ''}`,
      }));
    }
    return [{ path: formatFieldPath(at), message: issue.message }];
  });
}

/** Issues as `path: message` joined by '; ' (the root shown as `(root)`), at most MAX_LISTED_ISSUES. */
export function formatFieldIssues(issues: readonly FieldIssue[]): string {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((i) => `${i.path || '(root)'}: ${i.message}`);
  const more = issues.length - listed.length;
  return listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** A failed parse as one line: `path: message; path: message`. */
export function formatZodIssues(error: z.ZodError, options: ZodIssueOptions = {}): string {
  return formatFieldIssues(zodFieldIssues(error, options));
}

function shapeKeys(schema: z.ZodType): readonly string[] {
  const shape = (schema as { shape?: unknown }).shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : [];
}

/**
 * Parses `value` with `schema`, or throws `makeError(message, issues)` where the message is
 * `invalid <what>: <path>: <message>; …`. Every package validates its public input through
 * this, passing its own error class.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  makeError: (message: string, issues: readonly FieldIssue[]) => Error,
  options: ZodIssueOptions = {},
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = zodFieldIssues(parsed.error, {
    ...options,
    knownKeys: options.knownKeys ?? shapeKeys(schema),
  });
  throw makeError(`invalid ${what}: ${formatFieldIssues(issues)}`, issues);
}

// The one error type of @tensorlm/datasets, and the bridge from zod issues to a
// message that names the option, file, column or symbol at fault.
import type { z } from 'zod';

/** Thrown for bad input anywhere in this package; the message says where and what. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

/** `zod` issues as one line each: `path: message`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parses `value` with `schema`, or throws a DatasetError prefixed by `where`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DatasetError(`${where}: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

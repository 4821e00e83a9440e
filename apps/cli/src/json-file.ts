// Reading a JSON file the CLI depends on (best.json / latest.json, the task file, a
// tokenizer.json): every failure is a CommandFailure that names the file and what is
// wrong with it — missing, unreadable, empty, not JSON (with line and column, not just
// "at position 20"), or not the expected shape (with the field at fault).
import { readFile } from 'node:fs/promises';
import { formatZodIssues } from '@tensorlm/tensor-core';
import type { z } from 'zod';
import { CommandFailure } from './errors.js';

/** Stable codes of the failures below. */
export const JSON_FILE_ERRORS = {
  missing: 'CLI_FILE_MISSING',
  unreadable: 'CLI_FILE_UNREADABLE',
  malformed: 'CLI_FILE_MALFORMED',
} as const;

/** Line and column (1-based) of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** JSON.parse's message with its character position as a line and column. */
function describeSyntaxError(text: string, error: Error): string {
  const message = error.message.replace(/\s*\(line \d+ column \d+\)$/, '');
  if (/end of JSON input/.test(message))
    return `${message} (the file ends early: was its writing interrupted?)`;
  const match = /at position (\d+)/.exec(message);
  if (!match) return message;
  const { line, column } = lineAndColumn(text, Number(match[1]));
  return message.replace(/ in JSON at position \d+/, '').concat(` (line ${line}, column ${column})`);
}

/** A file-system error as a CommandFailure naming the file. */
export function fileError(path: string, error: unknown, what = 'file'): CommandFailure {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new CommandFailure(JSON_FILE_ERRORS.missing, `${what} ${path} does not exist`);
  if (code === 'EISDIR')
    return new CommandFailure(JSON_FILE_ERRORS.unreadable, `${what} ${path} is a folder`);
  if (code === 'EACCES' || code === 'EPERM')
    return new CommandFailure(JSON_FILE_ERRORS.unreadable, `cannot read ${what} ${path}: permission denied`);
  return new CommandFailure(
    JSON_FILE_ERRORS.unreadable,
    `cannot read ${what} ${path}: ${(error as Error).message}`,
    { cause: error },
  );
}

/**
 * The parsed content of a JSON file, validated by `schema` when given. `what` names the
 * file's role in messages ("run pointer", "task file"); the path is always included.
 */
export async function readJsonFile<S extends z.ZodType>(
  path: string,
  schema: S,
  what?: string,
): Promise<z.output<S>>;
export async function readJsonFile(path: string, schema?: undefined, what?: string): Promise<unknown>;
export async function readJsonFile(path: string, schema?: z.ZodType, what = 'file'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw fileError(path, error, what);
  }
  return parseJsonText(path, text, schema, what);
}

/** The checks of `readJsonFile` on text already read from `path`. */
export function parseJsonText(path: string, text: string, schema?: z.ZodType, what = 'file'): unknown {
  if (text.trim().length === 0)
    throw new CommandFailure(
      JSON_FILE_ERRORS.malformed,
      `${what} ${path} is empty (was its writing interrupted?)`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CommandFailure(
      JSON_FILE_ERRORS.malformed,
      `${what} ${path} is not valid JSON: ${describeSyntaxError(text, error as Error)}`,
      { cause: error },
    );
  }
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new CommandFailure(
      JSON_FILE_ERRORS.malformed,
      `${what} ${path} is not what tensorlm wrote: ${formatZodIssues(parsed.error)}`,
    );
  return parsed.data;
}

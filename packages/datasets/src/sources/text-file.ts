// Plain text sources: a whole file as one string (the seeds' corpora) or its non-empty
// lines streamed one by one (one example per line, as rt-polarity).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as readline from 'node:readline';
import { DatasetError } from '../errors.js';
import { type PathLike, toPath } from './jsonl.js';

function readError(file: string, error: unknown): DatasetError {
  const code = (error as NodeJS.ErrnoException).code;
  return new DatasetError(
    code === 'ENOENT' ? `${file}: no such file` : `${file}: ${(error as Error).message}`,
  );
}

/** The file as UTF-8 text (a BOM dropped); an empty file is an error. */
export async function readTextFile(path: PathLike): Promise<string> {
  const file = toPath(path);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (error) {
    throw readError(file, error);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) throw new DatasetError(`${file}: the corpus is empty`);
  return text;
}

/** Streams the non-empty lines of a file ('\r\n' or '\n'). */
export async function* readLines(path: PathLike): AsyncGenerator<string> {
  const file = toPath(path);
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  const reader = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of reader) if (line.length > 0) yield line;
  } catch (error) {
    throw readError(file, error);
  } finally {
    reader.close();
    stream.destroy();
  }
}

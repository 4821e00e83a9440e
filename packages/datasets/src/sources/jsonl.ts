// JSON Lines on disk: an atomic writer, and a dataset that indexes line offsets once
// (so `length` is counted from the file and `get(i)` is one positioned read) and streams
// records in order without ever holding the file in memory.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseOrThrow } from '@tensorlm/tensor-core';
import type { z } from 'zod';
import { checkIndex, type Dataset, type IterableDataset } from '../dataset/dataset.js';
import { DatasetError } from '../errors.js';
import { writeLinesAtomic } from '../io/atomic.js';

export type PathLike = string | URL;

export function toPath(path: PathLike): string {
  return typeof path === 'string' ? path : fileURLToPath(path);
}

/** Writes one JSON value per line to `path`, atomically; returns the number of records. */
export async function writeJsonl(
  path: PathLike,
  records: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<number> {
  async function* lines() {
    for await (const record of records) yield JSON.stringify(record);
  }
  return writeLinesAtomic(toPath(path), lines());
}

/** A growable Float64Array (byte offsets stay exact up to 2^53); 8 bytes a record, not a string. */
class OffsetList {
  private data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  trim(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

export interface JsonlOptions<T> {
  /** Validates (and may transform) each record; errors name the file and line. */
  schema?: z.ZodType<T>;
}

function parseRecord<T>(text: string, where: string, schema: z.ZodType<T> | undefined): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`${where}: invalid JSON (${(error as Error).message})`);
  }
  if (!schema) return value as T;
  return parseOrThrow(schema, value, 'record', (message) => new DatasetError(`${where}: ${message}`));
}

export class JsonlDataset<T = unknown> implements Dataset<T>, AsyncIterable<T> {
  private handle: Promise<fsp.FileHandle> | null = null;

  private constructor(
    readonly path: string,
    /** Byte offset of each record's line, its end (exclusive), and its 1-based line number. */
    private readonly starts: Float64Array,
    private readonly ends: Float64Array,
    private readonly lines: Float64Array,
    private readonly schema: z.ZodType<T> | undefined,
  ) {}

  /** Scans `path` once for line offsets (blank lines are skipped), streaming in 1 MiB chunks. */
  static async open<T = unknown>(path: PathLike, options: JsonlOptions<T> = {}): Promise<JsonlDataset<T>> {
    const file = toPath(path);
    const starts = new OffsetList();
    const ends = new OffsetList();
    const lines = new OffsetList();
    let lineStart = 0;
    let position = 0;
    let lineNumber = 0;
    let previousByte = -1;
    const finishLine = (end: number) => {
      lineNumber++;
      // A line is blank when empty or just '\r'; record the rest, '\r\n' trimmed by get().
      const length = end - lineStart;
      if (length > 0 && !(length === 1 && previousByte === 13)) {
        starts.push(lineStart);
        ends.push(end);
        lines.push(lineNumber);
      }
    };
    try {
      for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
        const buffer = chunk as Buffer;
        let from = 0;
        for (let nl = buffer.indexOf(10, from); nl !== -1; nl = buffer.indexOf(10, from)) {
          previousByte = nl > 0 ? buffer[nl - 1]! : previousByte;
          finishLine(position + nl);
          lineStart = position + nl + 1;
          from = nl + 1;
        }
        if (buffer.length > 0) previousByte = buffer[buffer.length - 1]!;
        position += buffer.length;
      }
    } catch (error) {
      throw new DatasetError(`${file}: cannot read (${(error as Error).message})`);
    }
    if (position > lineStart) finishLine(position);
    return new JsonlDataset<T>(file, starts.trim(), ends.trim(), lines.trim(), options.schema);
  }

  /** Records in the file (non-blank lines). */
  get length(): number {
    return this.starts.length;
  }

  private fileHandle(): Promise<fsp.FileHandle> {
    this.handle ??= fsp.open(this.path, 'r');
    return this.handle;
  }

  /** Record `index`, read with one positioned read. */
  async get(index: number): Promise<T> {
    checkIndex(index, this.length, `JsonlDataset ${this.path}`);
    const start = this.starts[index]!;
    const length = this.ends[index]! - start;
    const buffer = Buffer.allocUnsafe(length);
    const handle = await this.fileHandle();
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    if (bytesRead !== length) {
      throw new DatasetError(`${this.path}:${this.lines[index]}: the file changed since it was opened`);
    }
    const text = buffer.toString('utf8').replace(/\r$/, '');
    return parseRecord(text, `${this.path}:${this.lines[index]}`, this.schema);
  }

  /** Streams the records in file order; a fresh pass each time. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    const stream = fs.createReadStream(this.path, { encoding: 'utf8', highWaterMark: 1 << 16 });
    const reader = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    let line = 0;
    try {
      for await (const text of reader) {
        line++;
        if (text.length === 0) continue;
        yield parseRecord(text, `${this.path}:${line}`, this.schema);
      }
    } finally {
      reader.close();
      stream.destroy();
    }
  }

  /**
   * A streaming view (length + async iteration, no `get`), so a DataLoader reads the file
   * sequentially instead of by offset — Hugging Face's to_iterable_dataset().
   */
  stream(): IterableDataset<T> {
    return { length: this.length, [Symbol.asyncIterator]: () => this[Symbol.asyncIterator]() };
  }

  /** Closes the file handle that `get` keeps open. */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle) await (await handle).close();
  }
}

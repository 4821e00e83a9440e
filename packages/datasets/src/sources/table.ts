// Local tables with a column mapping: CSV (RFC 4180 quoting), TSV (GLUE style, no
// quoting) and JSONL, streamed row by row into records whose fields you name, with
// errors that name the file, the line and the missing column.
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { z } from 'zod';
import { DatasetError, parseWith } from '../errors.js';
import { type PathLike, toPath } from './jsonl.js';

const tableSchema = z.object({
  /** Output field → source column: a header name, or a 0-based index for files without a header. */
  columns: z
    .record(z.string(), z.union([z.string().min(1), z.number().int().nonnegative()]))
    .refine((c) => Object.keys(c).length > 0, 'map at least one column'),
  /** Default from the extension: .csv, .tsv/.tab, .jsonl/.ndjson. */
  format: z.enum(['csv', 'tsv', 'jsonl']).optional(),
  /** The first line names the columns (default true; ignored for JSONL). */
  header: z.boolean().default(true),
  delimiter: z.string().length(1).optional(),
  /** Quote character; default '"' for CSV and none for TSV (as GLUE's files are read). */
  quote: z.string().length(1).nullable().optional(),
});

export type TableOptions<K extends string = string> = Omit<z.input<typeof tableSchema>, 'columns'> & {
  columns: Record<K, string | number>;
};

export type TableRow<K extends string = string> = Record<K, string>;

function formatOf(file: string, format: 'csv' | 'tsv' | 'jsonl' | undefined): 'csv' | 'tsv' | 'jsonl' {
  if (format) return format;
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  throw new DatasetError(
    `${file}: cannot tell the format from the extension; set format to csv, tsv or jsonl`,
  );
}

interface RawRow {
  fields: string[];
  /** 1-based line where the row starts. */
  line: number;
}

/**
 * Splits a character stream into delimited rows. Quoted fields may hold delimiters,
 * doubled quotes and newlines; '\r\n' and '\n' both end a row; blank lines are skipped.
 */
export async function* parseDelimited(
  chunks: AsyncIterable<string>,
  delimiter: string,
  quote: string | null,
): AsyncGenerator<RawRow> {
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoteClosed = false; // just saw a quote inside a quoted field: a doubled quote or the end
  let line = 1;
  let rowLine = 1;
  let rowHasContent = false;
  const endField = () => {
    fields.push(field);
    field = '';
    quoteClosed = false;
  };
  for await (const chunk of chunks) {
    const rows: RawRow[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (inQuotes) {
        if (quoteClosed) {
          quoteClosed = false;
          if (c === quote) {
            field += c;
            continue;
          }
          inQuotes = false; // fall through: the character after a closing quote
        } else if (c === quote) {
          quoteClosed = true;
          continue;
        } else {
          if (c === '\n') line++;
          field += c;
          continue;
        }
      }
      if (c === delimiter) {
        endField();
        rowHasContent = true;
      } else if (c === '\n') {
        if (field.endsWith('\r')) field = field.slice(0, -1);
        if (rowHasContent || field.length > 0) {
          endField();
          rows.push({ fields, line: rowLine });
        }
        fields = [];
        field = '';
        rowHasContent = false;
        line++;
        rowLine = line;
      } else if (c === quote && field.length === 0) {
        inQuotes = true;
        rowHasContent = true;
      } else {
        field += c;
      }
    }
    yield* rows;
  }
  if (inQuotes && !quoteClosed) throw new DatasetError(`line ${rowLine}: a quoted field is never closed`);
  if (field.endsWith('\r')) field = field.slice(0, -1);
  if (rowHasContent || field.length > 0) {
    endField();
    yield { fields, line: rowLine };
  }
}

function describeColumn(field: string, column: string | number): string {
  return typeof column === 'number'
    ? `column ${column} (field '${field}')`
    : `column '${column}' (field '${field}')`;
}

/** Streams the rows of a CSV / TSV / JSONL file as records with the mapped fields. */
export async function* readTable<K extends string>(
  path: PathLike,
  options: TableOptions<K>,
): AsyncGenerator<TableRow<K>> {
  const file = toPath(path);
  const o = parseWith(tableSchema, options, `${file}: table options`);
  const format = formatOf(file, o.format);
  const mapping = Object.entries(o.columns) as [K, string | number][];
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let any = false;
  try {
    if (format === 'jsonl') {
      yield* readJsonlTable(file, stream, mapping);
      return;
    }
    const delimiter = o.delimiter ?? (format === 'csv' ? ',' : '\t');
    const quote = o.quote === undefined ? (format === 'csv' ? '"' : null) : o.quote;
    let indices: number[] | null = null;
    let width = 0;
    for await (const row of parseDelimited(stream as AsyncIterable<string>, delimiter, quote)) {
      if (indices === null) {
        if (o.header) {
          const header = row.fields.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
          width = header.length;
          indices = mapping.map(([field, column]) => {
            const index = typeof column === 'number' ? column : header.indexOf(column);
            if (index === -1 || index >= header.length) {
              throw new DatasetError(
                `${file}: ${describeColumn(field, column)} is not in the header (columns: ${header.join(', ')})`,
              );
            }
            return index;
          });
          continue;
        }
        indices = mapping.map(([, column]) => {
          if (typeof column !== 'number') {
            throw new DatasetError(
              `${file}: header is false, so columns must be 0-based indices, got '${column}'`,
            );
          }
          return column;
        });
      }
      const record = {} as TableRow<K>;
      mapping.forEach(([field, column], k) => {
        const value = row.fields[indices![k]!];
        if (value === undefined) {
          throw new DatasetError(
            `${file}:${row.line}: ${describeColumn(field, column)} is missing (the row has ${row.fields.length} fields${width ? `, the header ${width}` : ''})`,
          );
        }
        record[field] = value;
      });
      any = true;
      yield record;
    }
    if (!any) throw new DatasetError(`${file}: no data rows`);
  } catch (error) {
    if (error instanceof DatasetError && /^line \d+:/.test(error.message)) {
      throw new DatasetError(`${file}: ${error.message}`);
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DatasetError(`${file}: no such file`);
    throw error;
  } finally {
    stream.destroy();
  }
}

async function* readJsonlTable<K extends string>(
  file: string,
  stream: fs.ReadStream,
  mapping: [K, string | number][],
): AsyncGenerator<TableRow<K>> {
  const reader = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let any = false;
  try {
    for await (const text of reader) {
      line++;
      if (text.trim().length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new DatasetError(`${file}:${line}: invalid JSON (${(error as Error).message})`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new DatasetError(`${file}:${line}: expected a JSON object`);
      }
      const record = {} as TableRow<K>;
      for (const [field, column] of mapping) {
        const key = String(column);
        if (!(key in value)) {
          throw new DatasetError(
            `${file}:${line}: ${describeColumn(field, column)} is missing (keys: ${Object.keys(value).join(', ')})`,
          );
        }
        const v = (value as Record<string, unknown>)[key];
        record[field] = typeof v === 'string' ? v : JSON.stringify(v);
      }
      any = true;
      yield record;
    }
  } finally {
    reader.close();
  }
  if (!any) throw new DatasetError(`${file}: no data rows`);
}

/** All rows of a table in memory (for files that fit; use readTable to stream). */
export async function loadTable<K extends string>(
  path: PathLike,
  options: TableOptions<K>,
): Promise<TableRow<K>[]> {
  const rows: TableRow<K>[] = [];
  for await (const row of readTable(path, options)) rows.push(row);
  return rows;
}

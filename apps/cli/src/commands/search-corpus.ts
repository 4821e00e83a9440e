// A corpus of documents for `search index` and of sentences for `train embeddings`: one
// document per line of a text file, or one column of a TSV file (with a header row) or of
// a JSON Lines file (one object per line). Blank lines are skipped; everything else that
// is wrong — not UTF-8, empty, a missing column, a malformed row — is a CommandFailure
// naming the file, the line and what is wrong. Nothing here writes.
import { extname } from 'node:path';
import { readTextCorpus } from '../checks/corpus.js';
import { CommandFailure, UsageError } from '../errors.js';

export type CorpusFormat = 'lines' | 'tsv' | 'jsonl';

export interface CorpusDocument {
  /** The JSONL `id` field when there is one, else the 1-based line number. */
  id: string;
  text: string;
  /** 1-based line in the file. */
  line: number;
  /** The row's other fields (TSV columns, JSONL fields), for search results. */
  metadata?: Record<string, string | number | boolean | null>;
}

export interface Corpus {
  path: string;
  format: CorpusFormat;
  /** The column the texts came from (tsv, jsonl). */
  column?: string;
  documents: CorpusDocument[];
}

const DEFAULT_COLUMNS = ['text', 'sentence'];

export function corpusFormat(path: string): CorpusFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.tsv') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return 'lines';
}

const emptyCorpus = (flag: string, path: string, why: string) =>
  new CommandFailure('CLI_CORPUS_EMPTY', `${flag} ${path} ${why}: there is nothing to index`);

/**
 * Reads `path` as a corpus. `flag` (--corpus, --file) names the option in messages;
 * `column` picks the TSV / JSONL column (default: `text`, else `sentence`).
 */
export async function readCorpus(
  path: string,
  options: { flag: string; column?: string | undefined },
): Promise<Corpus> {
  const { flag, column } = options;
  const format = corpusFormat(path);
  if (format === 'lines' && column !== undefined)
    throw new UsageError(
      `--column applies to a .tsv or .jsonl corpus; ${path} is read as one document per line`,
    );
  let text: string;
  try {
    text = await readTextCorpus(path);
  } catch (error) {
    // The shared corpus check names the option --file; say the option the user gave.
    if (error instanceof CommandFailure && error.message.startsWith('--file '))
      throw new CommandFailure(error.code, `${flag} ${error.message.slice('--file '.length)}`, {
        cause: error,
      });
    throw error;
  }
  const lines = text.split(/\r?\n/);
  if (format === 'lines') {
    const documents = lines
      .map((line, i) => ({ id: String(i + 1), text: line.trim(), line: i + 1 }))
      .filter((d) => d.text.length > 0);
    if (documents.length === 0) throw emptyCorpus(flag, path, 'holds only blank lines');
    return { path, format, documents };
  }
  return format === 'tsv' ? readTsv(path, lines, flag, column) : readJsonl(path, lines, flag, column);
}

function pickColumn(
  available: readonly string[],
  column: string | undefined,
  path: string,
  flag: string,
): string {
  if (column !== undefined) {
    if (!available.includes(column))
      throw new UsageError(`--column ${column} is not a column of ${path} (it has: ${available.join(', ')})`);
    return column;
  }
  const found = DEFAULT_COLUMNS.find((name) => available.includes(name));
  if (!found)
    throw new UsageError(
      `say which column of ${flag} ${path} holds the text: --column NAME (it has: ${available.join(', ')})`,
    );
  return found;
}

function readTsv(path: string, lines: string[], flag: string, column: string | undefined): Corpus {
  const header = lines[0]!.split('\t').map((h) => h.trim());
  const name = pickColumn(header, column, path, flag);
  const at = header.indexOf(name);
  const documents: CorpusDocument[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const fields = lines[i]!.split('\t');
    if (fields.length !== header.length)
      throw new CommandFailure(
        'CLI_CORPUS_MALFORMED',
        `${flag} ${path} line ${i + 1} has ${fields.length} tab-separated fields, the header has ${header.length}`,
      );
    const value = fields[at]!.trim();
    if (value === '') continue;
    const metadata = Object.fromEntries(header.map((h, j) => [h, fields[j]!]).filter(([h]) => h !== name));
    documents.push({
      id: String(i + 1),
      text: value,
      line: i + 1,
      ...(header.length > 1 ? { metadata } : {}),
    });
  }
  if (documents.length === 0) throw emptyCorpus(flag, path, `has no text in column '${name}'`);
  return { path, format: 'tsv', column: name, documents };
}

function readJsonl(path: string, lines: string[], flag: string, column: string | undefined): Corpus {
  const documents: CorpusDocument[] = [];
  let name: string | undefined = column;
  const ids = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(lines[i]!);
    } catch (error) {
      throw new CommandFailure(
        'CLI_CORPUS_MALFORMED',
        `${flag} ${path} line ${i + 1} is not JSON: ${(error as Error).message}`,
      );
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row))
      throw new CommandFailure('CLI_CORPUS_MALFORMED', `${flag} ${path} line ${i + 1} is not a JSON object`);
    const record = row as Record<string, unknown>;
    name ??= pickColumn(Object.keys(record), undefined, path, flag);
    const value = record[name];
    if (typeof value !== 'string')
      throw new CommandFailure(
        'CLI_CORPUS_MALFORMED',
        `${flag} ${path} line ${i + 1} has no text field '${name}'${value === undefined ? '' : ` (it is ${typeof value})`}`,
      );
    if (value.trim() === '') continue;
    const id =
      typeof record.id === 'string' || typeof record.id === 'number' ? String(record.id) : String(i + 1);
    if (ids.has(id))
      throw new CommandFailure(
        'CLI_CORPUS_MALFORMED',
        `${flag} ${path} line ${i + 1} repeats the id '${id}'`,
      );
    ids.add(id);
    const metadata = Object.fromEntries(
      Object.entries(record).filter(
        ([k, v]) =>
          k !== name && k !== 'id' && (v === null || ['string', 'number', 'boolean'].includes(typeof v)),
      ),
    ) as CorpusDocument['metadata'];
    documents.push({
      id,
      text: value.trim(),
      line: i + 1,
      ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
    });
  }
  if (documents.length === 0)
    throw emptyCorpus(flag, path, `has no text${name ? ` in field '${name}'` : ''}`);
  return { path, format: 'jsonl', ...(name === undefined ? {} : { column: name }), documents };
}

/**
 * One or more corpora (`a.tsv,b.txt`) as one list. With several files, ids become
 * `<file name>:<id>` so they stay unique, and each document's metadata names its file.
 */
export async function readCorpora(
  list: string,
  options: { flag: string; column?: string | undefined },
): Promise<Corpus[]> {
  const paths = list
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (paths.length === 0) throw new UsageError(`${options.flag} needs a file`);
  const corpora: Corpus[] = [];
  for (const path of paths) {
    const corpus = await readCorpus(path, {
      flag: options.flag,
      // --column applies to the files that have columns.
      ...(corpusFormat(path) === 'lines' ? {} : { column: options.column }),
    });
    if (paths.length > 1) {
      const name = path.split(/[\\/]/).at(-1)!;
      corpus.documents = corpus.documents.map((d) => ({
        ...d,
        id: `${name}:${d.id}`,
        metadata: { ...d.metadata, file: name },
      }));
    }
    corpora.push(corpus);
  }
  const seen = new Set<string>();
  for (const corpus of corpora)
    for (const d of corpus.documents) {
      if (seen.has(d.id))
        throw new UsageError(
          `${options.flag} lists files that give the same document id '${d.id}': name them apart`,
        );
      seen.add(d.id);
    }
  return corpora;
}

// Labelled sentiment files (text, label 0/1) for the sentiment task, from a CSV / TSV /
// JSONL table with a column mapping; every label is checked and a bad one named by line.
import { DatasetError } from '../errors.js';
import type { PathLike } from './jsonl.js';
import { readTable, type TableOptions } from './table.js';

export interface LabelledText {
  text: string;
  /** 0 negative, 1 positive. */
  label: 0 | 1;
}

export type SentimentFileOptions = Omit<TableOptions, 'columns'> & {
  /** Source columns of the text and the label (default 'sentence' and 'label', as GLUE SST-2). */
  columns?: { text: string | number; label: string | number };
};

/** Streams `{ text, label }` records; a label other than 0 / 1 is an error naming the row. */
export async function* readSentiment(
  path: PathLike,
  options: SentimentFileOptions = {},
): AsyncGenerator<LabelledText> {
  const columns = options.columns ?? { text: 'sentence', label: 'label' };
  let row = 0;
  for await (const record of readTable(path, { ...options, columns })) {
    row++;
    const raw = record.label.trim();
    if (raw !== '0' && raw !== '1') {
      throw new DatasetError(
        `${String(path)}: data row ${row}: label ${JSON.stringify(record.label)} is not 0 or 1`,
      );
    }
    yield { text: record.text, label: raw === '1' ? 1 : 0 };
  }
}

/** All `{ text, label }` records of a sentiment file. */
export async function loadSentiment(
  path: PathLike,
  options: SentimentFileOptions = {},
): Promise<LabelledText[]> {
  const out: LabelledText[] = [];
  for await (const item of readSentiment(path, options)) out.push(item);
  return out;
}

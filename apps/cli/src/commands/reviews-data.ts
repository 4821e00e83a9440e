// The review corpus of `train reviews` and its baseline: the review sentences of SST-2
// train (sst2/train.tsv, `sentence\tlabel`) and rt-polarity (rt-polarity.pos / .neg, one
// snippet a line) from a data folder, or one file of reviews (a TSV with a `sentence`
// column, or one review a line). The GLUE SST-2 dev set (sst2/glue_dev.tsv) is the
// evaluation set of the sentiment models and is never read here as training text.
// Labels are checked (0 or 1, named with file and line) where they are used.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readTextCorpus } from '../checks/corpus.js';
import { CommandFailure, UsageError } from '../errors.js';

/** The data folder used when --data is not given, relative to the working directory. */
export const DEFAULT_DATA_DIR = '../shared/data';

export interface LabeledText {
  text: string;
  label: number;
}

export interface ReviewCorpus {
  /** One review (sentence or snippet) each, in file order. */
  documents: string[];
  /** The files read, for the run's task record and messages. */
  files: string[];
}

/** --data, or the default folder when present; a clear usage error otherwise. */
export function resolveDataSource(data: string | undefined): string {
  if (data !== undefined) {
    const path = resolve(data);
    if (!existsSync(path)) throw new UsageError(`--data ${data}: no such file or folder`);
    return path;
  }
  const fallback = resolve(DEFAULT_DATA_DIR);
  if (existsSync(join(fallback, 'sst2', 'train.tsv'))) return fallback;
  throw new UsageError(
    `give the reviews: --data DIR (a folder with sst2/train.tsv and rt-polarity/rt-polarity.pos|neg) or --data FILE (one review a line, or a TSV with a 'sentence' column); ${fallback} has no sst2/train.tsv`,
  );
}

/** Rows of a TSV with a header naming `sentence` (and `label` when `withLabels`). */
export async function readSentenceTsv(path: string, withLabels: true): Promise<LabeledText[]>;
export async function readSentenceTsv(path: string, withLabels: false): Promise<string[]>;
export async function readSentenceTsv(path: string, withLabels: boolean): Promise<LabeledText[] | string[]> {
  const text = await readTextCorpus(path);
  const lines = text.split(/\r?\n/);
  const header = lines[0]!.split('\t');
  const sentenceCol = header.indexOf('sentence');
  const labelCol = header.indexOf('label');
  if (sentenceCol < 0 || (withLabels && labelCol < 0))
    throw new CommandFailure(
      'CLI_DATA_INVALID',
      `${path}:1: the header must name the columns 'sentence'${withLabels ? " and 'label'" : ''} (tab-separated), got ${JSON.stringify(lines[0])}`,
    );
  const rows: LabeledText[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split('\t');
    const sentence = (cells[sentenceCol] ?? '').trim();
    if (sentence === '') throw new CommandFailure('CLI_DATA_INVALID', `${path}:${i + 1}: empty review`);
    let label = -1;
    if (withLabels) {
      const raw = (cells[labelCol] ?? '').trim();
      if (raw !== '0' && raw !== '1')
        throw new CommandFailure(
          'CLI_DATA_INVALID',
          `${path}:${i + 1}: label must be 0 or 1, got ${JSON.stringify(raw)}`,
        );
      label = Number(raw);
    }
    rows.push({ text: sentence, label });
  }
  if (rows.length === 0) throw new CommandFailure('CLI_DATA_INVALID', `${path}: no reviews in it`);
  return withLabels ? rows : rows.map((r) => r.text);
}

async function readLines(path: string): Promise<string[]> {
  const text = await readTextCorpus(path);
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** The review texts for language modelling: SST-2 train + rt-polarity, or one file. */
export async function readReviewCorpus(source: string): Promise<ReviewCorpus> {
  if (statSync(source).isDirectory()) {
    const files = [
      join(source, 'sst2', 'train.tsv'),
      join(source, 'rt-polarity', 'rt-polarity.pos'),
      join(source, 'rt-polarity', 'rt-polarity.neg'),
    ];
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length > 0)
      throw new CommandFailure('CLI_DATA_MISSING', `--data ${source}: missing ${missing.join(', ')}`);
    const documents = [
      ...(await readSentenceTsv(files[0]!, false)),
      ...(await readLines(files[1]!)),
      ...(await readLines(files[2]!)),
    ];
    return { documents, files };
  }
  const documents = source.endsWith('.tsv') ? await readSentenceTsv(source, false) : await readLines(source);
  return { documents, files: [source] };
}

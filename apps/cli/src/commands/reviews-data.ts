// The review corpus of `train reviews` and its baseline: the review sentences of SST-2
// train (sst2/train.tsv, `sentence\tlabel`) and rt-polarity (rt-polarity.pos / .neg, one
// snippet a line) from a data folder, or one file of reviews (a TSV with a `sentence`
// column, or one review a line). The GLUE SST-2 dev set (sst2/glue_dev.tsv) is the
// evaluation set of the sentiment models and is never read here as training text.
// rt-polarity is where SST's sentences come from, so it holds the GLUE dev sentences too
// (each of them, in another tokenization): every snippet containing one is dropped
// (`withoutDevSentences`) before it is used, as text or with its label.
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
  /** rt-polarity snippets left out because they hold a GLUE dev sentence. */
  droppedDevSnippets?: number;
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

/** Lower-case letters and digits only: the same sentence in SST's and rt-polarity's tokenization. */
export function sentenceKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The texts that do not contain any of `held` (compared by sentenceKey), and how many were
 * dropped. Keys shorter than 20 characters are skipped as too common to mean a leak.
 */
export function withoutDevSentences(
  texts: readonly string[],
  held: readonly string[],
): { kept: string[]; dropped: number } {
  const keys = [...new Set(held.map(sentenceKey))].filter((k) => k.length >= 20);
  const kept: string[] = [];
  for (const text of texts) {
    const key = sentenceKey(text);
    if (!keys.some((k) => key.includes(k))) kept.push(text);
  }
  return { kept, dropped: texts.length - kept.length };
}

/** The GLUE SST-2 dev file of a data folder. */
export function glueDevPath(dataDir: string): string {
  return join(dataDir, 'sst2', 'glue_dev.tsv');
}

/**
 * rt-polarity's snippets with their labels (1 for .pos, 0 for .neg), without any snippet
 * holding a GLUE dev sentence when the folder has the dev file.
 */
export async function readRtPolarity(
  dataDir: string,
): Promise<{ rows: LabeledText[]; files: string[]; dropped: number }> {
  const files = [
    join(dataDir, 'rt-polarity', 'rt-polarity.pos'),
    join(dataDir, 'rt-polarity', 'rt-polarity.neg'),
  ];
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0)
    throw new CommandFailure('CLI_DATA_MISSING', `--data ${dataDir}: missing ${missing.join(', ')}`);
  const dev = existsSync(glueDevPath(dataDir)) ? await readSentenceTsv(glueDevPath(dataDir), false) : [];
  const rows: LabeledText[] = [];
  let dropped = 0;
  for (const [i, file] of files.entries()) {
    const clean = withoutDevSentences(await readLines(file), dev);
    dropped += clean.dropped;
    for (const text of clean.kept) rows.push({ text, label: i === 0 ? 1 : 0 });
  }
  return { rows, files, dropped };
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
    const sst = join(source, 'sst2', 'train.tsv');
    if (!existsSync(sst)) throw new CommandFailure('CLI_DATA_MISSING', `--data ${source}: missing ${sst}`);
    const rt = await readRtPolarity(source);
    const documents = [...(await readSentenceTsv(sst, false)), ...rt.rows.map((r) => r.text)];
    return { documents, files: [sst, ...rt.files], droppedDevSnippets: rt.dropped };
  }
  const documents = source.endsWith('.tsv') ? await readSentenceTsv(source, false) : await readLines(source);
  return { documents, files: [source] };
}

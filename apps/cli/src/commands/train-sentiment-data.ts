// The labelled reviews of `train sentiment` and their batches: SST-2 train (+ rt-polarity
// without its snippets holding a GLUE dev sentence), SST-2's validation split (held out of
// GLUE train; every choice is made on its rows that no training row contains, see
// validationSentences) and the GLUE SST-2 dev set (only scored); ids
// encoded as the text-classification pipeline encodes them; batches of similar length,
// right-padded with an attention mask.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, tensor } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { deriveIntSeed } from '@tensorlm/trainer';
import { CommandFailure, UsageError } from '../errors.js';
import {
  glueDevPath,
  type LabeledText,
  readRtPolarity,
  readSentenceTsv,
  withoutDevSentences,
} from './reviews-data.js';

export interface SentimentData {
  train: LabeledText[];
  val: LabeledText[];
  dev: LabeledText[];
  /**
   * What every choice is made on: the validation sentences (validationSentences), or the
   * whole validation split when too few are left.
   */
  pick: LabeledText[];
  /** Whether `pick` is the validation sentences (else the whole validation split). */
  pickIsSentences: boolean;
  files: string[];
  /** rt-polarity snippets left out because they hold a GLUE dev sentence. */
  droppedDevSnippets: number;
  /** rt-polarity snippets left out because they hold a validation sentence. */
  droppedValidationSnippets: number;
}

/** The labelled splits: train (+ rt-polarity), SST-2's validation split, the GLUE dev set. */
export async function readSentimentData(dataDir: string, withRtPolarity: boolean): Promise<SentimentData> {
  if (!statSync(dataDir).isDirectory())
    throw new UsageError(
      `--data ${dataDir}: train sentiment needs a data folder with sst2/train.tsv, sst2/validation.tsv and sst2/glue_dev.tsv`,
    );
  const files = [
    join(dataDir, 'sst2', 'train.tsv'),
    join(dataDir, 'sst2', 'validation.tsv'),
    glueDevPath(dataDir),
  ];
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0)
    throw new CommandFailure('CLI_DATA_MISSING', `--data ${dataDir}: missing ${missing.join(', ')}`);
  const [sst, val, dev] = (await Promise.all(files.map((f) => readSentenceTsv(f, true)))) as [
    LabeledText[],
    LabeledText[],
    LabeledText[],
  ];
  const sentences = validationSentences(sst, val);
  const pick = sentences ? sentences.map((i) => val[i]!) : val;
  const rt = withRtPolarity ? await readRtPolarity(dataDir) : null;
  // rt-polarity holds SST's sentences, the validation sentences among them: its snippets
  // holding one are left out too, or the rows every choice is made on would be trained on.
  const rtRows = rt && sentences ? withoutHeldRows(rt.rows, pick) : (rt?.rows ?? []);
  const train = rt ? [...sst, ...rtRows] : sst;
  // Short sentences (under withoutDevSentences' 20 letters) may still sit inside a snippet.
  const outside = rt && sentences ? (validationSentences(train, pick, 0) ?? []) : null;
  return {
    train,
    val,
    dev,
    pick: outside ? outside.map((i) => pick[i]!) : pick,
    pickIsSentences: sentences !== null,
    files: rt ? [...files, ...rt.files] : files,
    droppedDevSnippets: rt?.dropped ?? 0,
    droppedValidationSnippets: rt ? rt.rows.length - rtRows.length : 0,
  };
}

/** The rows that contain none of `held`'s texts (compared as withoutDevSentences does). */
function withoutHeldRows(rows: readonly LabeledText[], held: readonly LabeledText[]): LabeledText[] {
  const texts = rows.map((r) => r.text);
  const kept = new Set(
    withoutDevSentences(
      texts,
      held.map((r) => r.text),
    ).kept,
  );
  return rows.filter((r) => kept.has(r.text));
}

/** Fewest validation sentences worth picking on; below it the whole validation split is used. */
export const MIN_VALIDATION_SENTENCES = 100;

/**
 * The validation rows that no training row contains (as whole words): SST-2's validation
 * split is a random tenth of GLUE train's phrases, so most of its rows are parts of
 * training sentences the model has seen labelled, and its accuracy runs about 10 points
 * above the GLUE dev set's unseen sentences. The rows left are whole sentences (about 770
 * of 6,735, 19 words on average, as the dev set's 19.5), the closest the validation split
 * comes to the dev set; every choice is made on them. Returns null when fewer than
 * `minRows` are left (a small or overlapping data folder).
 */
export function validationSentences(
  train: readonly LabeledText[],
  val: readonly LabeledText[],
  minRows = MIN_VALIDATION_SENTENCES,
): number[] | null {
  // Spaces around every row: a validation row matches whole words of a training row only.
  const padded = train.map((r) => ` ${r.text.split(/\s+/).filter(Boolean).join(' ')} `);
  // Only the training rows holding the validation row's rarest word can contain it.
  const rowsOf = new Map<string, number[]>();
  padded.forEach((text, row) => {
    for (const word of new Set(text.trim().split(' '))) {
      const list = rowsOf.get(word);
      if (list) list.push(row);
      else rowsOf.set(word, [row]);
    }
  });
  const kept = val.flatMap((r, i) => {
    const words = r.text.split(/\s+/).filter(Boolean);
    const needle = ` ${words.join(' ')} `;
    let candidates: number[] = [];
    for (const [k, word] of words.entries()) {
      const list = rowsOf.get(word) ?? [];
      if (k === 0 || list.length < candidates.length) candidates = list;
    }
    return candidates.some((row) => padded[row]!.includes(needle)) ? [] : [i];
  });
  return kept.length >= minRows ? kept : null;
}

/** Rows and positives of a labelled split. */
export function labelCounts(rows: readonly LabeledText[]): { rows: number; positive: number } {
  return { rows: rows.length, positive: rows.filter((r) => r.label === 1).length };
}

/** Token ids of each text, as the text-classification pipeline encodes them (cut to maxLength). */
export function encodeTexts(
  tokenizer: Tokenizer,
  rows: readonly LabeledText[],
  maxLength: number,
): Int32Array[] {
  const { inputIds } = tokenizer.encodeBatch(
    rows.map((r) => r.text),
    { truncation: 'longest_first', maxLength },
  );
  return inputIds.map((ids) => Int32Array.from(ids));
}

/**
 * Row indices in batches of similar length (few pads): rows sorted by length, ties in a
 * seeded order, cut into batches of `batchSize`.
 */
export function lengthBatches(encoded: readonly Int32Array[], batchSize: number, seed: number): number[][] {
  const tie = shuffledOrder(encoded.length, seed);
  const rank = new Int32Array(encoded.length);
  tie.forEach((row, i) => {
    rank[row] = i;
  });
  const order = encoded
    .map((_, i) => i)
    .sort((a, b) => encoded[a]!.length - encoded[b]!.length || rank[a]! - rank[b]!);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

/** A seeded shuffle of 0…n−1. */
export function shuffledOrder(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = deriveIntSeed(seed, 'sentiment-order') >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export interface LabeledBatch {
  ids: Tensor;
  attentionMask: Tensor;
  labels: Tensor;
}

/** Right-padded (B, T) ids and mask, and (B) labels. */
export function makeBatch(
  encoded: readonly Int32Array[],
  rows: readonly LabeledText[],
  picked: readonly number[],
  padId: number,
): LabeledBatch {
  const width = Math.max(1, ...picked.map((i) => encoded[i]!.length));
  const ids = new Int32Array(picked.length * width).fill(padId);
  const mask = new Int32Array(picked.length * width);
  picked.forEach((row, b) => {
    ids.set(encoded[row]!, b * width);
    mask.fill(1, b * width, b * width + encoded[row]!.length);
  });
  return {
    ids: tensor(ids, [picked.length, width], { dtype: 'i32' }),
    attentionMask: tensor(mask, [picked.length, width], { dtype: 'i32' }),
    labels: tensor(
      Int32Array.from(picked, (i) => rows[i]!.label),
      [picked.length],
      { dtype: 'i32' },
    ),
  };
}

export function disposeBatch(batch: LabeledBatch): void {
  for (const t of [batch.ids, batch.attentionMask, batch.labels]) t.dispose();
}

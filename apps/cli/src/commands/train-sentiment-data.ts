// The labelled reviews of `train sentiment` and their batches: SST-2 train (+ rt-polarity
// without its snippets holding a GLUE dev sentence), SST-2's validation split (held out of
// GLUE train; every choice is made on it) and the GLUE SST-2 dev set (only scored); ids
// encoded as the text-classification pipeline encodes them; batches of similar length,
// right-padded with an attention mask.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, tensor } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { deriveIntSeed } from '@tensorlm/trainer';
import { CommandFailure, UsageError } from '../errors.js';
import { glueDevPath, type LabeledText, readRtPolarity, readSentenceTsv } from './reviews-data.js';

export interface SentimentData {
  train: LabeledText[];
  val: LabeledText[];
  dev: LabeledText[];
  files: string[];
  /** rt-polarity snippets left out because they hold a GLUE dev sentence. */
  droppedDevSnippets: number;
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
  const [train, val, dev] = await Promise.all(files.map((f) => readSentenceTsv(f, true)));
  if (!withRtPolarity) return { train: train!, val: val!, dev: dev!, files, droppedDevSnippets: 0 };
  const rt = await readRtPolarity(dataDir);
  return {
    train: [...train!, ...rt.rows],
    val: val!,
    dev: dev!,
    files: [...files, ...rt.files],
    droppedDevSnippets: rt.dropped,
  };
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

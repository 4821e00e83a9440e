// Texts → padded model inputs. Each text (or pair) is encoded alone with the tokenizer's
// template ([CLS] … [SEP] for BERT), cut to the model's positions when longer — with a note
// naming the input, never a crash deep in the forward — and right-padded into one batch
// with an attention mask, so padding is invisible to every real token.
import { type Backend, type Tensor, tensor } from '@tensorlm/tensor-core';
import { type BatchInput, type Tokenizer, TokenizerError } from '@tensorlm/tokenizers';
import { TaskError } from './errors.js';

/** A text, or a sentence pair (BERT's sentence A / sentence B, token types 0 / 1). */
export type TextInput = string | { text: string; textPair?: string | undefined };

export interface EncodedRow {
  ids: number[];
  tokenTypeIds: number[];
  /** Tokens before truncation (equal to ids.length when nothing was cut). */
  fullLength: number;
}

export interface PaddedBatch {
  /** (B, T) i32 */
  ids: Tensor;
  /** (B, T) i32: 1 for tokens, 0 for padding */
  attentionMask: Tensor;
  /** (B, T) i32 */
  tokenTypeIds: Tensor;
  /** Real tokens of each row. */
  lengths: number[];
  width: number;
}

/** Validates one input: a non-empty text (or pair); `index` names it in errors. */
export function checkText(input: unknown, index: number): BatchInput {
  const where = `input ${index}`;
  if (typeof input === 'string') {
    if (input.trim().length === 0) throw new TaskError('TASK_BAD_INPUT', `${where} is empty`);
    return input;
  }
  if (typeof input === 'object' && input !== null && typeof (input as { text?: unknown }).text === 'string') {
    const { text, textPair } = input as { text: string; textPair?: unknown };
    if (text.trim().length === 0) throw new TaskError('TASK_BAD_INPUT', `${where} is empty`);
    if (textPair === undefined) return text;
    if (typeof textPair !== 'string' || textPair.trim().length === 0)
      throw new TaskError('TASK_BAD_INPUT', `${where}: textPair must be a non-empty string`);
    return [text, textPair];
  }
  throw new TaskError(
    'TASK_BAD_INPUT',
    `${where} must be a string or { text, textPair }, got ${typeof input}`,
  );
}

/** The inputs as a list (`single` when one was given, to unwrap the result). */
export function asList<T>(inputs: T | readonly T[]): { list: T[]; single: boolean } {
  return Array.isArray(inputs)
    ? { list: [...inputs] as T[], single: false }
    : { list: [inputs as T], single: true };
}

function encodeOne(tokenizer: Tokenizer, input: BatchInput, index: number, maxLength: number | undefined) {
  try {
    const full = tokenizer.encodeBatch([input]);
    const fullLength = full.inputIds[0]!.length;
    const cut =
      maxLength !== undefined && fullLength > maxLength
        ? tokenizer.encodeBatch([input], { truncation: true, maxLength })
        : full;
    return { ids: cut.inputIds[0]!, tokenTypeIds: cut.tokenTypeIds[0]!, fullLength };
  } catch (error) {
    if (error instanceof TokenizerError)
      throw new TaskError('TASK_BAD_INPUT', `input ${index}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Encodes each input with the tokenizer's template, cut to `maxLength` tokens when longer
 * (`onNote` hears about each cut). Throws TaskError for an empty input.
 */
export function encodeTexts(
  tokenizer: Tokenizer,
  inputs: readonly TextInput[],
  maxLength: number | null,
  onNote: (message: string) => void,
): EncodedRow[] {
  return inputs.map((input, index) => {
    const checked = checkText(input, index);
    const row = encodeOne(tokenizer, checked, index, maxLength ?? undefined);
    if (row.fullLength > row.ids.length)
      onNote(
        `input ${index} has ${row.fullLength} tokens, more than the model's ${maxLength}: it was truncated to the first ${row.ids.length}`,
      );
    if (row.ids.length === 0) throw new TaskError('TASK_BAD_INPUT', `input ${index} encodes to no tokens`);
    return row;
  });
}

/** Rows right-padded with `padId` into (B, T) tensors on `backend`. */
export function padBatch(rows: readonly EncodedRow[], padId: number, backend: Backend): PaddedBatch {
  const width = Math.max(...rows.map((r) => r.ids.length));
  const b = rows.length;
  const ids = new Int32Array(b * width).fill(padId);
  const mask = new Int32Array(b * width);
  const types = new Int32Array(b * width);
  rows.forEach((row, i) => {
    ids.set(row.ids, i * width);
    types.set(row.tokenTypeIds, i * width);
    mask.fill(1, i * width, i * width + row.ids.length);
  });
  const make = (data: Int32Array) => tensor(data, [b, width], { dtype: 'i32', backend });
  return {
    ids: make(ids),
    attentionMask: make(mask),
    tokenTypeIds: make(types),
    lengths: rows.map((r) => r.ids.length),
    width,
  };
}

/** Consecutive slices of at most `size` items. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Frees a batch's input tensors. */
export function disposeBatch(batch: PaddedBatch): void {
  for (const t of [batch.ids, batch.attentionMask, batch.tokenTypeIds]) t.dispose();
}

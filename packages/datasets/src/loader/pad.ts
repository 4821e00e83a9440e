// Collation of variable-length token sequences: pad to the longest (or to maxLen) with
// a pad id and an attention mask, optionally truncating; and the causal-LM variant that
// shifts targets by one and marks padding with an ignore index for the loss.
import { type Tensor, tensor } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { DatasetError, parseWith } from '../errors.js';
import { type Collated, type CollateFn, defaultCollate } from './collate.js';

/** A token sequence: number[] or a typed array. */
export type SequenceLike = ArrayLike<number>;

const padOptionsSchema = z.object({
  padId: z.number().int(),
  maxLen: z.number().int().positive().optional(),
  padTo: z.enum(['longest', 'maxLen']).default('longest'),
  truncation: z.enum(['right', 'left']).default('right'),
  padSide: z.enum(['right', 'left']).default('right'),
  maskDtype: z.enum(['bool', 'i32']).default('bool'),
});

export type PadCollateOptions = z.input<typeof padOptionsSchema>;

export interface PaddedIds {
  /** [B, L] i32 token ids, padded with `padId`. */
  ids: Tensor;
  /** [B, L] attention mask: true (or 1) on real tokens, false (0) on padding. */
  mask: Tensor;
  /** The length of each row before padding (after truncation). */
  lengths: Int32Array;
}

/** The batch padCollate makes: sequences give PaddedIds; records also collate their other fields. */
export type PaddedBatch<T> = PaddedIds &
  (T extends SequenceLike ? unknown : T extends { ids: SequenceLike } ? Collated<Omit<T, 'ids'>> : unknown);

function isSequence(value: unknown): value is SequenceLike {
  return Array.isArray(value) || ArrayBuffer.isView(value);
}

function truncate(seq: SequenceLike, maxLen: number | undefined, side: 'left' | 'right'): number[] {
  const all = Array.from(seq);
  if (maxLen === undefined || all.length <= maxLen) return all;
  return side === 'right' ? all.slice(0, maxLen) : all.slice(all.length - maxLen);
}

function padRows(
  rows: readonly number[][],
  width: number,
  fill: number,
  side: 'left' | 'right',
): { values: Int32Array; mask: Uint8Array } {
  const values = new Int32Array(rows.length * width).fill(fill);
  const mask = new Uint8Array(rows.length * width);
  rows.forEach((row, b) => {
    const offset = b * width + (side === 'right' ? 0 : width - row.length);
    values.set(row, offset);
    mask.fill(1, offset, offset + row.length);
  });
  return { values, mask };
}

/**
 * Pads sequences (number[] / typed arrays, or records with an `ids` sequence) to the
 * longest in the batch — or to `maxLen` with `padTo: 'maxLen'` — truncating anything
 * longer than `maxLen`. Other record fields go through defaultCollate.
 */
export function padCollate<T extends SequenceLike | { ids: SequenceLike }>(
  options: PadCollateOptions,
): CollateFn<T, PaddedBatch<T>> {
  const o = parseWith(padOptionsSchema, options, 'padCollate options');
  if (o.padTo === 'maxLen' && o.maxLen === undefined) {
    throw new DatasetError("padCollate options: padTo 'maxLen' needs maxLen");
  }
  return (items) => {
    if (items.length === 0) throw new DatasetError('padCollate: no items to collate');
    const sequences = items.map((item, i) => {
      const seq = isSequence(item) ? item : (item as { ids?: unknown }).ids;
      if (!isSequence(seq))
        throw new DatasetError(`padCollate: item ${i} is neither a sequence nor has 'ids'`);
      return truncate(seq, o.maxLen, o.truncation);
    });
    const longest = Math.max(...sequences.map((s) => s.length));
    const width = o.padTo === 'maxLen' ? o.maxLen! : Math.max(longest, 1);
    const { values, mask } = padRows(sequences, width, o.padId, o.padSide);
    const shape = [items.length, width];
    const batch: Record<string, unknown> = {
      ids: tensor(values, shape, { dtype: 'i32' }),
      mask: tensor(o.maskDtype === 'bool' ? mask : Int32Array.from(mask), shape, { dtype: o.maskDtype }),
      lengths: Int32Array.from(sequences, (s) => s.length),
    };
    if (!isSequence(items[0])) {
      const rest = items.map((item) => {
        const { ids: _ids, ...others } = item as { ids: SequenceLike };
        return others;
      });
      if (Object.keys(rest[0]!).length > 0) Object.assign(batch, defaultCollate(rest));
    }
    return batch as PaddedBatch<T>;
  };
}

const causalOptionsSchema = z.object({
  padId: z.number().int(),
  ignoreIndex: z.number().int().default(-100),
  maxLen: z.number().int().positive().optional(),
  maskDtype: z.enum(['bool', 'i32']).default('bool'),
});

export type CausalLmCollateOptions = z.input<typeof causalOptionsSchema>;

export interface CausalLmBatch {
  /** [B, L] i32: each sequence without its last token, right-padded with `padId`. */
  input: Tensor;
  /** [B, L] i32: each sequence without its first token; `ignoreIndex` under padding. */
  target: Tensor;
  /** [B, L] attention mask over `input`. */
  mask: Tensor;
}

/**
 * Next-token batches from whole sequences (e.g. grammar sentences ending in [End]):
 * input = seq[:-1], target = seq[1:], padded to the longest, with the loss ignored on
 * padding (crossEntropy's `ignoreIndex`). `maxLen` caps the input length.
 */
export function causalLmCollate(options: CausalLmCollateOptions): CollateFn<SequenceLike, CausalLmBatch> {
  const o = parseWith(causalOptionsSchema, options, 'causalLmCollate options');
  return (items) => {
    if (items.length === 0) throw new DatasetError('causalLmCollate: no items to collate');
    const seqs = items.map((item, i) => {
      if (!isSequence(item)) throw new DatasetError(`causalLmCollate: item ${i} is not a sequence`);
      if (item.length < 2) {
        throw new DatasetError(
          `causalLmCollate: item ${i} has ${item.length} tokens; next-token pairs need 2`,
        );
      }
      return truncate(item, o.maxLen === undefined ? undefined : o.maxLen + 1, 'right');
    });
    const width = Math.max(...seqs.map((s) => s.length - 1));
    const inputs = padRows(
      seqs.map((s) => s.slice(0, -1)),
      width,
      o.padId,
      'right',
    );
    const targets = padRows(
      seqs.map((s) => s.slice(1)),
      width,
      o.ignoreIndex,
      'right',
    );
    const shape = [items.length, width];
    return {
      input: tensor(inputs.values, shape, { dtype: 'i32' }),
      target: tensor(targets.values, shape, { dtype: 'i32' }),
      mask: tensor(o.maskDtype === 'bool' ? inputs.mask : Int32Array.from(inputs.mask), shape, {
        dtype: o.maskDtype,
      }),
    };
  };
}

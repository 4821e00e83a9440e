// BERT's masked-language-model corruption (Devlin et al., 2019, §3.1; Hugging Face's
// DataCollatorForLanguageModeling): every ordinary token is chosen for prediction with
// probability 15 %; a chosen token becomes [MASK] 80 % of the time, a random ordinary
// token 10 % of the time, and stays itself the remaining 10 %. Labels hold the original
// id at chosen positions and −100 (the loss's ignore index) everywhere else. Special
// tokens ([CLS], [SEP], [PAD], …) are never chosen and never drawn as the random token —
// Hugging Face draws the random token from the whole vocabulary, specials included,
// which only teaches the model to read noise. Every draw comes from a seeded Rng, so a
// batch is a pure function of (ids, seed) on every engine.
import { type Tensor, tensor } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { DatasetError, parseWith } from '../errors.js';
import type { CollateFn } from '../loader/collate.js';
import { Rng, type Seed } from '../random/rng.js';

const probability = z.number().min(0).max(1);
const tokenId = z.number().int().nonnegative();

const maskingSchema = z
  .object({
    /** The [MASK] id. */
    maskTokenId: tokenId,
    /** Ids are 0 … vocabSize − 1; the random replacement is drawn from the ordinary ones. */
    vocabSize: z.number().int().positive(),
    /** Ids never chosen and never drawn as a replacement ([CLS], [SEP], [PAD], [MASK], …). */
    specialIds: z.array(tokenId).default([]),
    /** The padding id: never chosen, and what `collate` pads with. */
    padId: tokenId,
    /** Chance that an ordinary token is chosen for prediction (BERT: 0.15). */
    mlmProbability: probability.default(0.15),
    /** Of the chosen, the share replaced by [MASK] (BERT: 0.8). */
    maskFraction: probability.default(0.8),
    /** Of the chosen, the share replaced by a random ordinary token (BERT: 0.1); the rest stay. */
    randomFraction: probability.default(0.1),
    /** The label of positions not chosen (crossEntropy's default ignore index). */
    ignoreIndex: z.number().int().default(-100),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.maskFraction + o.randomFraction > 1 + 1e-12)
      ctx.addIssue({
        code: 'custom',
        path: ['randomFraction'],
        message: `maskFraction + randomFraction must be at most 1 (got ${o.maskFraction} + ${o.randomFraction})`,
      });
    for (const [name, id] of [
      ['maskTokenId', o.maskTokenId],
      ['padId', o.padId],
    ] as const) {
      if (id >= o.vocabSize)
        ctx.addIssue({ code: 'custom', path: [name], message: `must be below vocabSize (${o.vocabSize})` });
    }
    if (o.ignoreIndex >= 0 && o.ignoreIndex < o.vocabSize)
      ctx.addIssue({
        code: 'custom',
        path: ['ignoreIndex'],
        message: `must not be a token id (0 … ${o.vocabSize - 1})`,
      });
  });

export type MlmMaskingOptions = z.input<typeof maskingSchema>;

/** One corrupted sequence: the model's input and the labels of its loss. */
export interface MaskedSequence {
  /** The ids with the chosen positions replaced ([MASK], random, or kept). */
  input: Int32Array;
  /** The original id at chosen positions, `ignoreIndex` elsewhere. */
  labels: Int32Array;
}

/** A padded masked-LM batch, as BertForMaskedLM takes it. */
export interface MlmBatch {
  /** [B, L] i32 corrupted ids, right-padded with padId. */
  inputIds: Tensor;
  /** [B, L] i32: 1 on tokens, 0 on padding. */
  attentionMask: Tensor;
  /** [B, L] i32: original ids at chosen positions, ignoreIndex elsewhere (padding included). */
  labels: Tensor;
}

/** Pads to the longest row, or to exactly `length` (longer rows are an error, not cut). */
export interface MlmCollateShape {
  length?: number;
}

/**
 * BERT's masking with fixed options (validated once): `mask(ids, rng)` corrupts one
 * sequence, `collate(rows, rng)` corrupts and pads a batch into tensors.
 */
export class MlmMasking {
  readonly options: Readonly<z.output<typeof maskingSchema>>;
  private readonly special: Uint8Array;
  /** The ordinary ids: what may be chosen, and what a random replacement is drawn from. */
  private readonly ordinary: Int32Array;

  constructor(options: MlmMaskingOptions) {
    this.options = Object.freeze(parseWith(maskingSchema, options, 'masked-LM masking options'));
    const { vocabSize, specialIds, padId, maskTokenId } = this.options;
    this.special = new Uint8Array(vocabSize);
    for (const id of [...specialIds, padId, maskTokenId]) if (id < vocabSize) this.special[id] = 1;
    const ordinary: number[] = [];
    for (let id = 0; id < vocabSize; id++) if (!this.special[id]) ordinary.push(id);
    if (ordinary.length === 0 && this.options.randomFraction > 0)
      throw new DatasetError(
        'masked-LM masking options: every id is special, so there is no ordinary token to draw as a random replacement',
      );
    this.ordinary = Int32Array.from(ordinary);
  }

  /** Whether `id` is one that is never chosen (a special token, padding or [MASK]). */
  isSpecial(id: number): boolean {
    return this.special[id] === 1;
  }

  /** Corrupts one sequence with draws from `rng` (ids outside the vocabulary are an error). */
  mask(ids: ArrayLike<number>, rng: Rng): MaskedSequence {
    const { mlmProbability, maskFraction, randomFraction, maskTokenId, ignoreIndex, vocabSize } =
      this.options;
    const input = Int32Array.from(ids);
    const labels = new Int32Array(input.length).fill(ignoreIndex);
    for (let i = 0; i < input.length; i++) {
      const id = input[i]!;
      if (!(id >= 0 && id < vocabSize) || !Number.isInteger(ids[i]))
        throw new DatasetError(
          `masked-LM masking: id ${ids[i]} at position ${i} is outside 0 … ${vocabSize - 1}`,
        );
      if (this.special[id] || rng.float() >= mlmProbability) continue;
      labels[i] = id;
      const r = rng.float();
      if (r < maskFraction) input[i] = maskTokenId;
      else if (r < maskFraction + randomFraction) input[i] = this.ordinary[rng.int(this.ordinary.length)]!;
    }
    return { input, labels };
  }

  /** Corrupts every row (in order, from one `rng`) and pads them into an MlmBatch. */
  collate(rows: readonly ArrayLike<number>[], rng: Rng, shape: MlmCollateShape = {}): MlmBatch {
    if (rows.length === 0) throw new DatasetError('masked-LM collate: no rows to collate');
    const longest = Math.max(...rows.map((r) => r.length));
    const width = shape.length ?? Math.max(longest, 1);
    if (longest > width)
      throw new DatasetError(`masked-LM collate: a row has ${longest} ids, more than the length ${width}`);
    const { padId, ignoreIndex } = this.options;
    const ids = new Int32Array(rows.length * width).fill(padId);
    const labels = new Int32Array(rows.length * width).fill(ignoreIndex);
    const attention = new Int32Array(rows.length * width);
    rows.forEach((row, b) => {
      const masked = this.mask(row, rng);
      ids.set(masked.input, b * width);
      labels.set(masked.labels, b * width);
      attention.fill(1, b * width, b * width + row.length);
    });
    const dims = [rows.length, width];
    return {
      inputIds: tensor(ids, dims, { dtype: 'i32' }),
      attentionMask: tensor(attention, dims, { dtype: 'i32' }),
      labels: tensor(labels, dims, { dtype: 'i32' }),
    };
  }
}

/**
 * A DataLoader collate for masked-LM batches: one seeded stream across the batches it
 * makes (so a loader's batches are reproducible from `seed`). For batches that must be a
 * function of their index (resumable training), call `MlmMasking.collate` with an Rng
 * seeded from (seed, index) instead.
 */
export function mlmCollate(
  options: MlmMaskingOptions & MlmCollateShape & { seed?: Seed },
): CollateFn<ArrayLike<number>, MlmBatch> {
  const { seed = 0, length, ...masking } = options;
  const masker = new MlmMasking(masking);
  const rng = new Rng(seed);
  return (items) => masker.collate(items, rng, length === undefined ? {} : { length });
}

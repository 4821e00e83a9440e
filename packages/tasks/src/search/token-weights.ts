// Token weights for mean pooling, fitted on the indexed corpus: SIF's a / (a + p(w))
// (Arora et al. 2017, "A simple but tough-to-beat baseline for sentence embeddings"),
// p(w) the token's share of all tokens in the corpus. Frequent tokens ([CLS], [SEP],
// "the", ",") weigh little, rare ones near 1, and a token the corpus never holds 1 —
// the same corpus statistics BM25 takes its IDF from, no labels. a = 1e-3 is the paper's
// recommended value, not tuned here.
import { z } from 'zod';
import { SearchError } from './errors.js';

export const TOKEN_WEIGHTINGS = ['none', 'sif'] as const;

export const tokenWeightingSchema = z.union([
  z.enum(TOKEN_WEIGHTINGS),
  z.strictObject({ kind: z.literal('sif'), a: z.number().positive().optional() }),
]);
/** 'none', 'sif' (a = 1e-3) or { kind: 'sif', a }. */
export type TokenWeighting = z.infer<typeof tokenWeightingSchema>;

/** SIF's default smoothing. */
export const SIF_A = 1e-3;

/** Fitted weights: one per vocabulary id. */
export interface TokenWeights {
  kind: 'sif';
  a: number;
  /** One weight per vocabulary id (length = the tokenizer's vocabulary). */
  weights: Float32Array;
  /** Documents and tokens the frequencies were counted over. */
  fittedOn: number;
  tokens: number;
}

/**
 * SIF weights from the token ids of a corpus (one array per document), for a vocabulary of
 * `vocabSize` ids. Returns null for 'none'.
 */
export function fitTokenWeights(
  documents: readonly (readonly number[])[],
  vocabSize: number,
  weighting: TokenWeighting,
): TokenWeights | null {
  const parsed = tokenWeightingSchema.safeParse(weighting);
  if (!parsed.success)
    throw new SearchError(
      'SEARCH_INVALID',
      `token weighting must be 'none', 'sif' or { kind: 'sif', a }, got ${JSON.stringify(weighting)}`,
    );
  const spec = parsed.data;
  if (spec === 'none') return null;
  const a = typeof spec === 'string' ? SIF_A : (spec.a ?? SIF_A);
  if (!Number.isInteger(vocabSize) || vocabSize < 1)
    throw new SearchError('SEARCH_INVALID', `token weights need the vocabulary size, got ${vocabSize}`);
  const counts = new Float64Array(vocabSize);
  let tokens = 0;
  for (const [d, ids] of documents.entries())
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
        throw new SearchError(
          'SEARCH_EMBEDDER',
          `document ${d} has the token id ${id}, outside the vocabulary of ${vocabSize}`,
        );
      counts[id]! += 1;
      tokens++;
    }
  if (tokens === 0) throw new SearchError('SEARCH_EMPTY_CORPUS', 'token weights need at least one token');
  const weights = new Float32Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) weights[id] = a / (a + counts[id]! / tokens);
  return { kind: 'sif', a, weights, fittedOn: documents.length, tokens };
}

/** What the manifest records of the weights (the table goes in the vectors file). */
export const tokenWeightsRecordSchema = z.strictObject({
  kind: z.literal('sif'),
  a: z.number().positive(),
  vocabSize: z.number().int().positive(),
  fittedOn: z.number().int().positive(),
  tokens: z.number().int().positive(),
});
export type TokenWeightsRecord = z.infer<typeof tokenWeightsRecordSchema>;

export function tokenWeightsRecord(w: TokenWeights): TokenWeightsRecord {
  return { kind: w.kind, a: w.a, vocabSize: w.weights.length, fittedOn: w.fittedOn, tokens: w.tokens };
}

// What semantic search needs from a model: texts in, one vector per text out. The
// feature-extraction pipeline implements it (mean pooling, normalised); tests use tiny
// hand-written embedders. The model's identity travels with every index, so vectors made
// by one model are never compared with a query embedded by another.
import { isTensor, type Tensor } from '@tensorlm/tensor-core';
import { SearchError } from './errors.js';

/** Which model made the vectors: a name for people, a fingerprint for the refusal check. */
export interface ModelIdentity {
  /** Where the model came from (a folder, a run folder, a Hub repo id, a label). */
  name: string;
  /** A hash of the model's config and weights; equal fingerprints mean the same model. */
  fingerprint: string;
}

/** How an index asks for vectors: token weights for mean pooling (./token-weights.ts). */
export interface EmbedOptions {
  /** A positive weight per vocabulary id; only embedders with `tokenIds` are given one. */
  tokenWeights?: Float32Array;
}

export interface Embedder {
  readonly identity: ModelIdentity;
  /** One vector per text, as rows of Float32Array or an (N, D) tensor (disposed after reading). */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<readonly Float32Array[] | Tensor>;
  /** The most tokens the model reads of a text; longer texts are truncated. */
  readonly maxTokens?: number;
  /** Tokens the model would see for `text` before truncation (to report truncated documents). */
  countTokens?(text: string): number;
  /** The token ids of `text` (for fitting token weights); embedders that can weight tokens have it. */
  tokenIds?(text: string): number[];
  /** The tokenizer's vocabulary size (the length of a token-weight table). */
  readonly vocabSize?: number;
}

/** Progress of an embedding run: texts embedded so far of the total. */
export type EmbedProgress = (event: { done: number; total: number }) => void;

/**
 * Embeds `texts` in batches as one row-major (N × D) Float32Array of unit vectors (zero
 * vectors stay zero). `dimension`, when known, must match; errors name the embedder.
 */
export async function embedInBatches(
  embedder: Embedder,
  texts: readonly string[],
  options: {
    batchSize?: number;
    dimension?: number;
    onProgress?: EmbedProgress;
    embed?: EmbedOptions;
  } = {},
): Promise<{ data: Float32Array; dimension: number }> {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new SearchError('SEARCH_INVALID', `batchSize must be a positive integer, got ${batchSize}`);
  let dimension = options.dimension;
  const parts: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    const batch = texts.slice(start, start + batchSize);
    const out = options.embed ? await embedder.embed(batch, options.embed) : await embedder.embed(batch);
    const rows = await rowsOf(out, batch.length, embedder.identity.name);
    dimension ??= rows.dimension;
    if (rows.dimension !== dimension) {
      throw new SearchError(
        'SEARCH_EMBEDDER',
        `the embedder '${embedder.identity.name}' returned vectors of width ${rows.dimension}, but the index holds width ${dimension}`,
      );
    }
    parts.push(rows.data);
    options.onProgress?.({ done: Math.min(start + batchSize, texts.length), total: texts.length });
  }
  const data = new Float32Array(texts.length * (dimension ?? 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  normalizeRows(data, dimension ?? 0);
  return { data, dimension: dimension ?? 0 };
}

async function rowsOf(
  out: readonly Float32Array[] | Tensor,
  expected: number,
  name: string,
): Promise<{ data: Float32Array; dimension: number }> {
  const bad = (what: string) =>
    new SearchError('SEARCH_EMBEDDER', `the embedder '${name}' returned ${what} for ${expected} texts`);
  if (isTensor(out)) {
    try {
      if (out.rank !== 2 || out.shape[0] !== expected)
        throw bad(`a tensor of shape [${out.shape.join(', ')}]`);
      const data = Float32Array.from((await out.data()) as ArrayLike<number>);
      return { data, dimension: out.shape[1]! };
    } finally {
      out.dispose();
    }
  }
  if (out.length !== expected) throw bad(`${out.length} vectors`);
  const dimension = out[0]?.length ?? 0;
  const data = new Float32Array(expected * dimension);
  out.forEach((row, i) => {
    if (row.length !== dimension) throw bad(`vectors of different widths (${dimension} and ${row.length})`);
    data.set(row, i * dimension);
  });
  if (dimension === 0) throw bad('empty vectors');
  for (const value of data) if (!Number.isFinite(value)) throw bad('a vector with NaN or infinite values');
  return { data, dimension };
}

/** Scales each row of a row-major matrix to unit L2 norm in place (zero rows stay zero). */
export function normalizeRows(data: Float32Array, dimension: number): void {
  for (let start = 0; start < data.length; start += dimension) {
    let sq = 0;
    for (let j = start; j < start + dimension; j++) sq += data[j]! * data[j]!;
    const scale = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let j = start; j < start + dimension; j++) data[j]! *= scale;
  }
}

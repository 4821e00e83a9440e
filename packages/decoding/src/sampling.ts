// Choosing the next token from logits (B, V): argmax for greedy decoding, otherwise a
// draw from tensor-core's seeded multinomial after temperature, top-k and top-p. With a
// filter the draw happens over the candidates in sorted order (topk's values and ids), so
// only k values (or, for top-p alone, one sort of the row) are touched after the topk;
// the distribution is exactly softmax of `processLogits`' output.
import {
  argmax,
  div,
  gather,
  multinomial,
  reshape,
  rng,
  softmax,
  type Tensor,
  tidy,
  topk,
  where,
} from '@tensorlm/tensor-core';
import { DecodingError } from './errors.js';
import { nucleusPrefix } from './processors.js';

export interface SampleOptions {
  /** Sample (true) or take the most likely token (false, the default: greedy). */
  doSample?: boolean;
  /** > 0; 0 means greedy. Default 1. */
  temperature?: number;
  topK?: number | null;
  /** In (0, 1]; default 1 (off). */
  topP?: number;
  /** Top-p keeps at least this many tokens (default 1). */
  minTokensToKeep?: number;
  /** Seed of the draw; without one the default stream (`manualSeed`) is used. */
  seed?: number;
}

function check(options: SampleOptions): void {
  const t = options.temperature ?? 1;
  if (!(t >= 0) || !Number.isFinite(t)) {
    throw new DecodingError(`sampleNext: temperature must be a finite number ≥ 0, got ${t}`, ['temperature']);
  }
  const k = options.topK;
  if (k !== undefined && k !== null && (!Number.isInteger(k) || k < 1)) {
    throw new DecodingError(`sampleNext: topK must be an integer ≥ 1, got ${k}`, ['topK']);
  }
  const p = options.topP ?? 1;
  if (!(p > 0 && p <= 1)) throw new DecodingError(`sampleNext: topP must be in (0, 1], got ${p}`, ['topP']);
  const seed = options.seed;
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) {
    throw new DecodingError(`sampleNext: seed must be a non-negative safe integer, got ${seed}`, ['seed']);
  }
}

/**
 * The next token id of each row of logits (B, V) → i32 (B) (or a scalar for logits (V)).
 * Greedy (the default, or temperature 0) is argmax, ties to the lower id; sampling applies
 * temperature → top-k → top-p and draws once per row from the seeded stream.
 */
export function sampleNext(logits: Tensor, options: SampleOptions = {}): Tensor {
  if (logits.rank < 1 || logits.rank > 2 || logits.dtype !== 'f32') {
    throw new DecodingError(
      `sampleNext: logits must be f32 (batch, vocab) or (vocab), got ${logits.dtype} [${logits.shape.join(', ')}]`,
    );
  }
  check(options);
  const temperature = options.temperature ?? 1;
  if (!options.doSample || temperature === 0) return argmax(logits, -1);
  const outShape = logits.shape.slice(0, -1);
  const v = logits.shape.at(-1)!;
  const rows = logits.rank === 2 ? logits.shape[0]! : 1;
  const draw = { seed: options.seed };
  return tidy(() => {
    const x = reshape(temperature === 1 ? logits : div(logits, temperature), [rows, v]);
    const topK = options.topK ?? null;
    const topP = options.topP ?? 1;
    if (topK === null && topP >= 1) return reshape(multinomial(softmax(x, -1), 1, draw), outShape);
    // Candidates in sorted order: the top k, or the whole row sorted when only top-p is on.
    const { values, indices } = topk(x, Math.min(topK ?? v, v));
    let probs = softmax(values, -1); // renormalised over the candidates, as softmax of the filtered logits
    if (topP < 1) probs = where(nucleusPrefix(probs, topP, options.minTokensToKeep ?? 1), probs, 0);
    const pick = multinomial(probs, 1, draw); // (B, 1) positions among the candidates
    return reshape(gather(indices, 1, pick), outShape);
  });
}

const TWO_POW_32 = 4294967296;

/**
 * The seed of step `step` of a generation seeded with `seed`: a hash of both, so that
 * steps draw from unrelated streams and seed s + 1 is not seed s shifted by one step.
 */
export function stepSeed(seed: number, step: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  const a = rng.mix32((lo ^ rng.mix32((step ^ 0x9e3779b9) >>> 0)) >>> 0);
  const b = rng.mix32((hi ^ rng.mix32((a ^ 0x85ebca6b) >>> 0) ^ step) >>> 0);
  return (b & 0x1fffff) * TWO_POW_32 + a; // 53 bits: a safe integer
}

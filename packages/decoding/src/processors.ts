// Logits processors as standalone tensor functions over the last axis of logits (B, V):
// temperature, top-k and top-p (nucleus), composed in the order Hugging Face's
// `generate` applies its warpers (temperature → top-k → top-p). Filtered entries become
// −∞, as in Hugging Face and minGPT, so a later softmax gives them exactly 0.
//
// Ties are broken by vocabulary index (lower id first), the order tensor-core's `topk`
// uses: top-k keeps exactly k tokens and top-p keeps exactly the smallest prefix of
// the sorted distribution whose mass reaches p, even when equal logits straddle the
// cut-off (Hugging Face's top-k keeps every tie of the k-th value instead).
import {
  add,
  cast,
  clone,
  concat,
  div,
  equal,
  gather,
  greater,
  less,
  logicalOr,
  mul,
  narrow,
  onesLike,
  scatterAdd,
  softmax,
  sub,
  type Tensor,
  tensor,
  tidy,
  topk,
  where,
  zeros,
} from '@tensorlm/tensor-core';
import { DecodingError } from './errors.js';

/** The value filtered logits get (softmax turns it into probability 0). */
export const FILTER_VALUE = Number.NEGATIVE_INFINITY;

export interface FilterOptions {
  /** What removed logits become (default −∞). */
  filterValue?: number;
}

export interface TopPOptions extends FilterOptions {
  /** Keep at least this many tokens whatever p is (Hugging Face's `min_tokens_to_keep`, default 1). */
  minTokensToKeep?: number;
}

/** Processing options in the order they are applied. */
export interface LogitsProcessingOptions {
  /** Divides the logits; > 0 (1 leaves them unchanged). */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number | null;
  /** Keep the smallest set of most likely tokens whose probability reaches p, in (0, 1]. */
  topP?: number;
  minTokensToKeep?: number;
}

function vocabAxis(op: string, logits: Tensor): number {
  if (logits.rank < 1 || logits.dtype !== 'f32') {
    throw new DecodingError(
      `${op}: logits must be an f32 tensor (…, vocab), got ${logits.dtype} [${logits.shape.join(', ')}]`,
    );
  }
  const v = logits.shape.at(-1)!;
  if (v === 0) throw new DecodingError(`${op}: logits have an empty vocabulary axis`);
  return v;
}

function checkInteger(op: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new DecodingError(`${op}: ${name} must be an integer ≥ ${min}, got ${value}`, [name]);
  }
}

/** logits / temperature. A temperature below 1 sharpens the distribution, above 1 flattens it. */
export function applyTemperature(logits: Tensor, temperature: number): Tensor {
  vocabAxis('applyTemperature', logits);
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new DecodingError(
      `applyTemperature: temperature must be a finite number > 0, got ${temperature} (use greedy decoding for 0)`,
      ['temperature'],
    );
  }
  return div(logits, temperature);
}

/** Bool mask of the logits' shape, true at the positions `indices` (…, n) name along the last axis. */
function maskFromIndices(shape: readonly number[], indices: Tensor, chosen?: Tensor): Tensor {
  const hits = chosen ? cast(chosen, 'f32') : onesLike(indices, { dtype: 'f32' });
  return greater(scatterAdd(shape, -1, indices, hits), 0);
}

/** Keeps the k largest logits of each row (exactly k; ties by lower id) and sets the rest to −∞. */
export function topKFilter(logits: Tensor, k: number, options: FilterOptions = {}): Tensor {
  const v = vocabAxis('topKFilter', logits);
  checkInteger('topKFilter', 'topK', k, 1);
  if (k >= v) return clone(logits);
  return tidy(() => {
    const { indices } = topk(logits, k);
    return where(maskFromIndices(logits.shape, indices), logits, options.filterValue ?? FILTER_VALUE);
  });
}

/**
 * Sums along the last axis, exclusive: out[…, j] = x[…, 0] + … + x[…, j−1] (out[…, 0] = 0).
 * A log-step (Hillis–Steele) scan made of shifted adds, since tensor-core has no cumsum.
 */
export function exclusiveCumsum(x: Tensor): Tensor {
  const n = x.shape.at(-1) ?? 0;
  return tidy(() => {
    const lead = x.shape.slice(0, -1);
    let s = x;
    for (let d = 1; d < n; d *= 2) {
      s = add(s, concat([zeros([...lead, d], { backend: x.backend }), narrow(s, -1, 0, n - d)], -1));
    }
    if (n === 0) return clone(x);
    return concat([zeros([...lead, 1], { backend: x.backend }), narrow(s, -1, 0, n - 1)], -1);
  });
}

/**
 * For sorted probabilities (…, n), descending: true for the prefix to keep, i.e. the
 * positions whose preceding mass is below p, and at least the first `minTokensToKeep`.
 */
export function nucleusPrefix(sortedProbs: Tensor, topP: number, minTokensToKeep = 1): Tensor {
  return tidy(() => {
    const keep = less(exclusiveCumsum(sortedProbs), topP);
    const n = sortedProbs.shape.at(-1)!;
    const always = Math.min(minTokensToKeep, n);
    if (always <= 0) return keep;
    const first = new Uint8Array(n).fill(1, 0, always);
    // (n) broadcast against (…, n): the first positions are kept whatever the mass.
    const forced = tensor(first, [n], { dtype: 'bool', backend: sortedProbs.backend });
    return logicalOr(keep, forced);
  });
}

/**
 * Nucleus filtering: keeps, per row, the smallest set of most likely tokens whose
 * probability reaches `topP` (sorted by logit, ties by lower id) and sets the rest to −∞.
 * Sorts the whole vocabulary with `topk`, O(V log V) per row on the CPU backend.
 */
export function topPFilter(logits: Tensor, topP: number, options: TopPOptions = {}): Tensor {
  const v = vocabAxis('topPFilter', logits);
  if (!(topP > 0 && topP <= 1)) {
    throw new DecodingError(`topPFilter: topP must be in (0, 1], got ${topP}`, ['topP']);
  }
  const minKeep = options.minTokensToKeep ?? 1;
  checkInteger('topPFilter', 'minTokensToKeep', minKeep, 0);
  if (topP >= 1) return clone(logits);
  return tidy(() => {
    const { values, indices } = topk(logits, v); // sorted, descending
    const keepSorted = nucleusPrefix(softmax(values, -1), topP, minKeep);
    const keep = maskFromIndices(logits.shape, indices, keepSorted);
    return where(keep, logits, options.filterValue ?? FILTER_VALUE);
  });
}

/**
 * Hugging Face's repetition penalty (CTRL, Keskar et al. 2019): for every id already in a
 * row's sequence, a positive logit is divided by `penalty` and a negative one multiplied
 * by it, so values > 1 discourage repeats. `previous[r]` lists row r's ids (any order,
 * repeats allowed); logits (B, V). Applied before temperature, in greedy decoding too.
 */
export function applyRepetitionPenalty(
  logits: Tensor,
  previous: readonly (readonly number[])[],
  penalty: number,
): Tensor {
  const v = vocabAxis('applyRepetitionPenalty', logits);
  if (!(penalty > 0) || !Number.isFinite(penalty)) {
    throw new DecodingError(`applyRepetitionPenalty: penalty must be a finite number > 0, got ${penalty}`, [
      'repetitionPenalty',
    ]);
  }
  if (logits.rank !== 2 || previous.length !== logits.shape[0]) {
    throw new DecodingError(
      `applyRepetitionPenalty: logits must be (batch, vocab) with one id list per row, got [${logits.shape.join(', ')}] and ${previous.length} lists`,
    );
  }
  const unique = previous.map((row) => [...new Set(row)]);
  for (const row of unique) {
    const bad = row.find((id) => !Number.isInteger(id) || id < 0 || id >= v);
    if (bad !== undefined) throw new DecodingError(`applyRepetitionPenalty: ${bad} is not an id below ${v}`);
  }
  const width = Math.max(...unique.map((row) => row.length));
  if (penalty === 1 || width === 0) return clone(logits);
  // (B, U) ids, each row padded with its own first id (or 0) and a 0/1 weight, so that
  // the update is a scatter-add of (new − old) over distinct ids only.
  const index = new Int32Array(unique.length * width);
  const real = new Float32Array(unique.length * width);
  unique.forEach((row, r) => {
    index.fill(row[0] ?? 0, r * width, (r + 1) * width);
    row.forEach((id, j) => {
      index[r * width + j] = id;
      real[r * width + j] = 1;
    });
  });
  return tidy(() => {
    const backend = logits.backend;
    const ids = tensor(index, [unique.length, width], { dtype: 'i32', backend });
    const old = gather(logits, 1, ids); // (B, U)
    const penalised = where(less(old, 0), mul(old, penalty), div(old, penalty));
    // −∞ (already filtered) stays −∞: its change is 0, not −∞ − (−∞) = NaN.
    const change = where(equal(penalised, old), 0, sub(penalised, old));
    const delta = mul(change, tensor(real, [unique.length, width], { backend }));
    return add(logits, scatterAdd(logits.shape, 1, ids, delta));
  });
}

/** Temperature, then top-k, then top-p, as Hugging Face's sampling warpers. Returns new logits. */
export function processLogits(logits: Tensor, options: LogitsProcessingOptions): Tensor {
  return tidy(() => {
    let x = logits;
    const t = options.temperature ?? 1;
    if (t !== 1) x = applyTemperature(x, t);
    if (options.topK !== undefined && options.topK !== null) x = topKFilter(x, options.topK);
    if (options.topP !== undefined && options.topP < 1) {
      x = topPFilter(x, options.topP, { minTokensToKeep: options.minTokensToKeep ?? 1 });
    }
    return x === logits ? clone(x) : x;
  });
}

// Selection and sampling: top-k along an axis (values differentiable, scattered back
// to their positions) and multinomial sampling from the seeded stream.
import { TensorError } from '../errors.js';
import { engine } from '../tensor/engine.js';
import { formatShape, normalizeAxis, splitAroundAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { backendOf, record, wrap } from './op-utils.js';
import { reshape, transpose } from './shape.js';

export interface TopkOptions {
  axis?: number;
  /** Largest (default) or smallest k. */
  largest?: boolean;
}

/** The k largest elements along an axis, sorted, with their i32 indices (ties: lower index first). */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): { values: Tensor; indices: Tensor } {
  const op = 'topk';
  const input = x.dtype === 'bool' ? cast(x, 'i32') : x;
  if (input.rank === 0) throw new TensorError(op, 'needs a tensor of rank ≥ 1');
  const axis = normalizeAxis(options.axis ?? -1, input.rank, op);
  const size = input.shape[axis]!;
  if (!Number.isInteger(k) || k < 0 || k > size) {
    throw new TensorError(
      op,
      `k = ${k} is out of range for axis ${axis} of size ${size} (shape ${formatShape(x.shape)})`,
    );
  }
  if (axis !== input.rank - 1) {
    const moved = topk(transpose(input, axis, -1), k, { largest: options.largest ?? true });
    return { values: transpose(moved.values, axis, -1), indices: transpose(moved.indices, axis, -1) };
  }
  const backend = backendOf(op, input);
  const layout = { rows: size === 0 ? 0 : input.size / size, cols: size };
  const outShape = [...input.shape.slice(0, -1), k];
  const result = backend.topk(input, layout, k, options.largest ?? true);
  const indices = wrap(backend, result.indices, outShape, 'i32');
  const values = wrap(backend, result.values, outShape, input.dtype);
  if (input.dtype === 'f32') {
    const along = splitAroundAxis(input.shape, input.rank - 1);
    record(values, op, [input], (dy) => [
      wrap(backend, backend.scatterAddAlong(dy, indices, along), input.shape, 'f32'),
    ]);
  }
  return { values, indices };
}

export interface MultinomialOptions {
  /** Draw with replacement (default false, as torch.multinomial). */
  replacement?: boolean;
  seed?: number;
}

/**
 * Samples `numSamples` column indices per row of non-negative weights (1-D or 2-D;
 * rows need not sum to 1). Returns i32 of shape (numSamples) or (rows, numSamples).
 */
export function multinomial(probs: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  const op = 'multinomial';
  if (probs.rank !== 1 && probs.rank !== 2)
    throw new TensorError(op, `probs must be 1-D or 2-D, got ${formatShape(probs.shape)}`);
  const cols = probs.shape.at(-1)!;
  const replacement = options.replacement ?? false;
  if (!Number.isInteger(numSamples) || numSamples < 1)
    throw new TensorError(op, `numSamples must be a positive integer, got ${numSamples}`);
  if (!replacement && numSamples > cols) {
    throw new TensorError(
      op,
      `cannot draw ${numSamples} samples without replacement from ${cols} categories`,
    );
  }
  const input = probs.dtype === 'f32' ? probs : cast(probs, 'f32');
  const rows = probs.rank === 2 ? probs.shape[0]! : 1;
  const backend = backendOf(op, input);
  const draws = rows * numSamples;
  const stream =
    options.seed !== undefined ? { seed: options.seed, offset: 0 } : engine.nextRandom('uniform', draws);
  const storage = backend.multinomial(
    input,
    { rows, cols },
    numSamples,
    replacement,
    stream.seed,
    stream.offset,
  );
  const out = wrap(backend, storage, [rows, numSamples], 'i32');
  if (probs.rank === 2) return out;
  const flat = reshape(out, [numSamples]);
  out.dispose();
  return flat;
}

// Dropout with a seeded mask from the counter-based stream: each element is kept with
// probability 1 − p and scaled by 1/(1 − p), so the expectation is unchanged.
import { TensorError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { rand, zerosLike } from './creation.js';
import { cast, greaterEqual, mul } from './elementwise.js';
import { backendOf } from './op-utils.js';

export interface DropoutOptions {
  /** Dropout is the identity unless training (default true, as F.dropout). */
  training?: boolean;
  seed?: number;
}

export function dropout(x: Tensor, p: number, options: DropoutOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new TensorError('dropout', `probability must be in [0, 1], got ${p}`);
  if (options.training === false || p === 0) return x;
  if (p === 1) return mul(x, zerosLike(x));
  const backend = backendOf('dropout', x);
  const uniform = rand(x.shape, { backend, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const keep = greaterEqual(uniform, p);
  const scale = mul(cast(keep, 'f32'), 1 / (1 - p));
  uniform.dispose();
  keep.dispose();
  return mul(x, scale);
}

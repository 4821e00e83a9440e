// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_: the norm is taken
// over all gradients together, and if it exceeds maxNorm every gradient is scaled by
// maxNorm / (norm + 1e-6). Everything stays on the device (no readback): the pre-clip
// norm comes back as a scalar tensor, as in PyTorch, to read when convenient.
import {
  abs,
  add,
  max,
  maximum,
  minimum,
  mul,
  noGrad,
  pow,
  reciprocal,
  sqrt,
  square,
  sum,
  type Tensor,
  tidy,
} from '@tensorlm/tensor-core';
import { TrainerError } from '../errors.js';

export interface ClipGradNormOptions {
  /** The p of the p-norm (default 2); Infinity for the max-abs norm. */
  normType?: number;
}

/** The total norm of the gradients of `params` (those without a gradient are skipped). */
export function gradNorm(params: Iterable<Tensor>, options: ClipGradNormOptions = {}): Tensor {
  const normType = options.normType ?? 2;
  if (!(normType > 0)) throw new TrainerError(`clipGradNorm: normType must be > 0, got ${normType}`);
  const grads = [...params].map((p) => p.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) throw new TrainerError('clipGradNorm: no parameter has a gradient');
  return noGrad(() =>
    tidy(() => {
      if (normType === Number.POSITIVE_INFINITY) {
        return grads.map((g) => max(abs(g))).reduce((a, b) => maximum(a, b));
      }
      const parts = grads.map((g) => (normType === 2 ? sum(square(g)) : sum(pow(abs(g), normType))));
      const total = parts.reduce((a, b) => add(a, b));
      return normType === 2 ? sqrt(total) : pow(total, 1 / normType);
    }),
  );
}

/**
 * Scales the gradients of `params` in place so their total norm is at most `maxNorm`;
 * returns the norm before clipping (a scalar tensor the caller disposes). Non-finite
 * norms propagate into the gradients (as PyTorch without error_if_nonfinite), so check
 * the returned value before stepping.
 */
export function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): Tensor {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new TrainerError(`clipGradNorm: maxNorm must be a finite number > 0, got ${maxNorm}`);
  }
  const list = [...params];
  const norm = gradNorm(list, options);
  noGrad(() => {
    const coef = tidy(() => minimum(mul(reciprocal(add(norm, 1e-6)), maxNorm), 1));
    for (const p of list) {
      const g = p.grad;
      if (!g) continue;
      p.grad = mul(g, coef).keep();
      g.dispose();
    }
    coef.dispose();
  });
  return norm;
}

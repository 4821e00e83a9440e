// The AdamW update as an in-place op: optimizers call this instead of a backend
// kernel, so a backend without a fused AdamW kernel still trains (tensor-core composes
// the step from its primitives). Like `assign`, it mutates leaves, so it refuses to run
// while gradients are being recorded for the parameter.
import { z } from 'zod';
import type { AdamWParams } from '../backend/backend.js';
import { fused } from '../backend/fused/index.js';
import { TensorError } from '../errors.js';
import { engine } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseOrThrow } from '../zod-issues.js';
import { assertDType, assertShape, assertTensor, backendOf } from './op-utils.js';

const beta = z.number().min(0).lt(1);

const adamwHyper = z.object({
  lr: z.number().finite().nonnegative(),
  beta1: beta,
  beta2: beta,
  eps: z.number().finite().positive(),
  weightDecay: z.number().finite().nonnegative(),
  step: z.number().int().positive(),
});

export type AdamWUpdateOptions = AdamWParams;

/**
 * One AdamW step (decoupled weight decay, PyTorch's bias corrections), in place on
 * `param` and its moment estimates `expAvg` (m) and `expAvgSq` (v):
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
 *   p ← p·(1 − lr·λ) − lr·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
 * All four tensors are f32 of one shape; `step` is the 1-based step count. Call inside
 * `noGrad()` when `param` requires grad. Returns `param`.
 */
export function adamwUpdate(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  options: AdamWUpdateOptions,
): Tensor {
  const op = 'adamwUpdate';
  const roles: [Tensor, string][] = [
    [param, 'param'],
    [grad, 'grad'],
    [expAvg, 'expAvg'],
    [expAvgSq, 'expAvgSq'],
  ];
  for (const [t, role] of roles) {
    assertTensor(op, t, role);
    assertDType(op, t, ['f32'], role);
    if (t !== param) assertShape(op, t, param.shape, role);
  }
  for (const [t, role] of [roles[0]!, roles[2]!, roles[3]!]) {
    if (t.gradNode)
      throw new TensorError(op, `${role} must be a leaf tensor (this one was produced by an op)`);
  }
  if (param.requiresGrad && engine.gradEnabled) {
    throw new TensorError(
      op,
      'a parameter that requires grad can only be updated inside noGrad(), as in torch.no_grad()',
    );
  }
  const hyper = parseOrThrow(adamwHyper, options, 'options', (message) => new TensorError(op, message));
  const backend = backendOf(op, param, grad, expAvg, expAvgSq);
  fused.adamw(backend, param.storage, grad, expAvg.storage, expAvgSq.storage, hyper);
  return param;
}

// The fused AdamW step (decoupled weight decay, bias-corrected moments), in place.
import type { AdamWParams } from '@tensorlm/tensor-core';

export function adamwKernel(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  p: AdamWParams,
): void {
  const { lr, beta1, beta2, eps, weightDecay, step } = p;
  const correction1 = 1 - beta1 ** step;
  const correction2 = 1 - beta2 ** step;
  const decay = 1 - lr * weightDecay;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = param[i]! * decay - (lr * (mi / correction1)) / (Math.sqrt(vi / correction2) + eps);
  }
}

// Default AdamW step, composed from element-wise primitives and written back in place
// with strided copies. Same update as the fused kernels (decoupled weight decay,
// PyTorch's bias corrections), in f32 per primitive:
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
//   p ← p·(1 − lr·λ) − lr·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
import { sizeOf } from '../../../tensor/shape.js';
import type { AdamWParams, BackendPrimitives, KernelTensor, Storage } from '../../backend.js';
import { composeKernel } from '../compose.js';

export function adamwDefault(
  backend: BackendPrimitives,
  paramStorage: Storage,
  gradIn: KernelTensor,
  mStorage: Storage,
  vStorage: Storage,
  h: AdamWParams,
): void {
  const size = sizeOf(gradIn.shape);
  if (size === 0) return;
  composeKernel(backend, (k) => {
    const shape = [size];
    const dense = (storage: Storage): KernelTensor => ({ storage, shape, dtype: 'f32' });
    const g = k.view(gradIn, shape);
    // The constants are computed in f64 on the host (1 − β exactly, not 1 − f32(β)).
    const m = k.add(k.mul(dense(mStorage), h.beta1), k.mul(g, 1 - h.beta1));
    const v = k.add(k.mul(dense(vStorage), h.beta2), k.mul(k.mul(g, g), 1 - h.beta2));
    const step = k.mul(k.div(m, 1 - h.beta1 ** h.step), h.lr);
    const denominator = k.add(k.unary('sqrt', k.div(v, 1 - h.beta2 ** h.step)), h.eps);
    const param = k.sub(k.mul(dense(paramStorage), 1 - h.lr * h.weightDecay), k.div(step, denominator));
    k.copyInto(m, mStorage);
    k.copyInto(v, vStorage);
    k.copyInto(param, paramStorage);
  });
}

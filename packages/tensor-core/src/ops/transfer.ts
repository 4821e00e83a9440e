// Moving a tensor to another backend (a readback then an upload), e.g. to compare a
// WebGPU result with the CPU reference.
import type { Backend } from '../backend/backend.js';
import { initBackend } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { wrap } from './op-utils.js';

export async function toBackend(x: Tensor, target: string | Backend): Promise<Tensor> {
  const backend = typeof target === 'string' ? await initBackend(target) : target;
  const values = await x.data();
  return wrap(backend, backend.upload(values, x.dtype), x.shape, x.dtype);
}

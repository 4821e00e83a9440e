// The check a backend passes when it is registered (or, for a factory, created): every
// required primitive is a method and the capabilities are well formed. A missing kernel
// is named here, not discovered as "x is not a function" inside an op much later.
import { z } from 'zod';
import { TensorError } from '../errors.js';
import { parseOrThrow } from '../zod-issues.js';
import { type Backend, PRIMITIVE_KERNEL_NAMES } from './backend.js';

const limit = z.number().int().positive().optional();

const capabilitiesSchema = z
  .object({
    f16: z.boolean(),
    hostMemory: z.boolean(),
    deviceSampling: z.boolean(),
    maxLoopIterations: limit,
    maxBindingBytes: limit,
    maxStorageBytes: limit,
  })
  .loose();

export function assertBackend(backend: Backend, op: string): void {
  const name = typeof backend?.name === 'string' ? backend.name : '(unnamed)';
  const missing = PRIMITIVE_KERNEL_NAMES.filter(
    (method) => typeof (backend as unknown as Record<string, unknown>)?.[method] !== 'function',
  );
  if (missing.length > 0) {
    throw new TensorError(
      op,
      `backend '${name}' lacks the required kernel${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (see BackendPrimitives)`,
    );
  }
  parseOrThrow(
    capabilitiesSchema,
    backend.capabilities,
    `capabilities of backend '${name}'`,
    (message) => new TensorError(op, message),
    { pathPrefix: ['capabilities'] },
  );
}

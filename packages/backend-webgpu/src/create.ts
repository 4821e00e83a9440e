// The backend from an acquired device, shared by the Node and browser entries (which differ
// only in how they find a device: Dawn, or navigator.gpu).
import type { AcquiredDevice } from './device.js';
import { WebGPUError } from './errors.js';
import { WebGPUBackend, type WebGPUBackendOptions } from './webgpu-backend.js';

/** A WebGPU backend on `acquired`; a clear WEBGPU_NO_ADAPTER error (ending in `hint`) when it is null. */
export function backendOn(
  acquired: AcquiredDevice | null,
  options: WebGPUBackendOptions,
  hint: string,
): WebGPUBackend {
  if (!acquired) throw new WebGPUError('WEBGPU_NO_ADAPTER', `no WebGPU adapter found (${hint})`);
  return new WebGPUBackend(acquired, options);
}

// @tensorlm/backend-webgpu: importing this package registers the 'webgpu' backend
// (priority above cpu). `await setBackend('webgpu')` creates the device; with no
// adapter it fails with a clear message, and `selectBackend()` falls back to cpu.
import { registerBackend } from '@tensorlm/tensor-core';
import { type AcquiredDevice, acquireDevice } from './device.js';
import { WebGPUError, type WebGPUErrorCode } from './errors.js';
import { WebGPUBackend, type WebGPUBackendOptions } from './webgpu-backend.js';

export {
  type AcquiredDevice,
  acquireDevice,
  WebGPUBackend,
  type WebGPUBackendOptions,
  WebGPUError,
  type WebGPUErrorCode,
};

/** Creates a WebGPU backend on the best adapter, or throws when there is none. */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const acquired = await acquireDevice();
  if (!acquired) {
    throw new WebGPUError(
      'WEBGPU_NO_ADAPTER',
      'no WebGPU adapter found (in Node, Dawn needs Vulkan, Metal, D3D12 or Mesa OpenGL: run tooling/setup)',
    );
  }
  const debug =
    options.debug ?? (typeof process !== 'undefined' && process.env.TENSORLM_WEBGPU_DEBUG === '1');
  return new WebGPUBackend(acquired, { ...options, debug });
}

registerBackend({ name: 'webgpu', priority: 2, create: () => createWebGPUBackend() });

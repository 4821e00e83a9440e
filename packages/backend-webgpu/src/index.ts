// @tensorlm/backend-webgpu, the Node entry: importing this package registers the 'webgpu'
// backend (priority above cpu) on Dawn (npm `webgpu`). `await setBackend('webgpu')` creates
// the device; with no adapter it fails with a clear message, and `selectBackend()` falls
// back to cpu. Browsers get ./index.browser.ts (navigator.gpu, no Dawn) through the
// package's `browser` export condition.
import { registerBackend } from '@tensorlm/tensor-core';
import { type AdapterReport, formatAdapterReport } from './adapter.js';
import { backendOn } from './create.js';
import { type AcquiredDevice, acquireBrowserDevice } from './device.js';
import { acquireDevice, lastAcquireFailure } from './device.node.js';
import { WebGPUError, type WebGPUErrorCode } from './errors.js';
import { WebGPUBackend, type WebGPUBackendOptions } from './webgpu-backend.js';

export {
  type AcquiredDevice,
  type AdapterReport,
  acquireBrowserDevice,
  acquireDevice,
  formatAdapterReport,
  WebGPUBackend,
  type WebGPUBackendOptions,
  WebGPUError,
  type WebGPUErrorCode,
};

/** Creates a WebGPU backend on the best adapter, or throws when there is none. */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const debug =
    options.debug ?? (typeof process !== 'undefined' && process.env.TENSORLM_WEBGPU_DEBUG === '1');
  return backendOn(
    await acquireDevice(),
    { ...options, debug },
    `in Node, Dawn needs Vulkan, Metal, D3D12 or Mesa OpenGL: run tooling/setup${lastAcquireFailure ? `; tried ${lastAcquireFailure}` : ''}`,
  );
}

registerBackend({ name: 'webgpu', priority: 2, create: () => createWebGPUBackend() });

// @tensorlm/backend-webgpu for browsers (the package's `browser` export condition):
// importing it registers the 'webgpu' backend (priority above cpu) on `navigator.gpu`.
// Dawn (npm `webgpu`) is never imported from here, so bundling a web app never pulls it;
// a test in tooling/browser bundles this entry and checks.
import { registerBackend } from '@tensorlm/tensor-core';
import { type AdapterReport, formatAdapterReport } from './adapter.js';
import { backendOn } from './create.js';
import { type AcquiredDevice, acquireBrowserDevice } from './device.js';
import { WebGPUError, type WebGPUErrorCode } from './errors.js';
import { WebGPUBackend, type WebGPUBackendOptions } from './webgpu-backend.js';

export {
  type AcquiredDevice,
  type AdapterReport,
  acquireBrowserDevice,
  /** In a browser, the same as `acquireBrowserDevice` (the Node entry adds Dawn). */
  acquireBrowserDevice as acquireDevice,
  formatAdapterReport,
  WebGPUBackend,
  type WebGPUBackendOptions,
  WebGPUError,
  type WebGPUErrorCode,
};

/** Creates a WebGPU backend on `navigator.gpu`, or throws when the browser offers no adapter. */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  return backendOn(
    await acquireBrowserDevice(),
    options,
    'this browser has no navigator.gpu or gave no adapter: WebGPU needs a secure context (https or localhost) and a supporting browser',
  );
}

registerBackend({ name: 'webgpu', priority: 2, create: () => createWebGPUBackend() });

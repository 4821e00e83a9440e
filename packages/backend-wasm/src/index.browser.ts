// @tensorlm/backend-wasm for browsers (the `browser` export condition): importing it
// registers the 'wasm' backend, with a Web Worker helper for matmul over a shared
// WebAssembly.Memory when the page is cross-origin isolated (served with
// `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
// require-corp`) and the browser reports two cores; on one thread otherwise. The kernels
// are the Node entry's; only the helper-thread platform differs (threads/browser.ts).
import { browserCores, browserWorker } from './threads/browser.js';
import {
  registerVariants,
  registerWasm,
  type ThreadPlatform,
  type WasmThreadOptions,
} from './threads/startup.js';

export { MAX_WASM_BYTES, WasmMemoryError } from './memory/heap.js';
export { browserWorker, canShareMemory } from './threads/browser.js';
export type { HelperThreads } from './threads/helper-threads.js';
export { WasmThreadError } from './threads/matmul-worker.js';
export type { WasmThreadOptions } from './threads/startup.js';
export { supportsRelaxedSimd } from './wasm/assembler.js';
export { createWasmBackend, WasmBackend, type WasmBackendOptions, WasmStorage } from './wasm-backend.js';

const browser: ThreadPlatform = {
  helperThreads: async () => browserWorker(),
  cores: async () => browserCores(),
  requested: () => undefined,
  noThreadsReason:
    'this page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)',
};

/**
 * Registers 'wasm' again with these options (before it is first used): `{ threads: 1 }`
 * keeps every kernel on the page's thread; `{ threads: 2 }` asks for a helper (granted
 * only in a cross-origin-isolated page).
 */
export function registerWasmBackend(options: WasmThreadOptions = {}): void {
  registerWasm(browser, options);
}

/** Registers 'wasm-1t' and 'wasm-2t' beside 'wasm' ('wasm-2t' fails to start where the page cannot share memory). */
export function registerWasmVariants(): string[] {
  return registerVariants(browser);
}

registerWasm(browser);

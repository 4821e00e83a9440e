// @tensorlm/backend-wasm for Node: importing this package registers the 'wasm' backend
// (created on first use: the kernel module is emitted and compiled then), with a
// worker_threads helper for matmul where there are two cores. Browsers get
// index.browser.ts (the `browser` export condition): the same backend on Web Workers.
import { nodeCores, nodeWorker } from './threads/node.js';
import {
  registerVariants,
  registerWasm,
  type ThreadPlatform,
  type WasmThreadOptions,
} from './threads/startup.js';

export { MAX_WASM_BYTES, WasmMemoryError } from './memory/heap.js';
export type { HelperThreads } from './threads/helper-threads.js';
export { WasmThreadError } from './threads/matmul-worker.js';
export { nodeWorker } from './threads/node.js';
export type { WasmThreadOptions } from './threads/startup.js';
export { supportsRelaxedSimd } from './wasm/assembler.js';
export { createWasmBackend, WasmBackend, type WasmBackendOptions, WasmStorage } from './wasm-backend.js';

/**
 * Threads: $TENSORLM_WASM_THREADS (1 or 2), else 2 where there are at least two cores (a
 * helper thread for matmul measured 1.0–1.4× one thread on a loaded 2-core machine,
 * never slower).
 */
const node: ThreadPlatform = {
  helperThreads: nodeWorker,
  cores: nodeCores,
  noThreadsReason: 'this runtime has no worker_threads with shared memory',
  requested() {
    const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
      ?.TENSORLM_WASM_THREADS;
    return value === '1' || value === '2' ? Number(value) : undefined;
  },
};

/** Registers 'wasm' again with these options (before it is first used), e.g. `{ threads: 1 }`. */
export function registerWasmBackend(options: WasmThreadOptions = {}): void {
  registerWasm(node, options);
}

/** Registers 'wasm-1t' and 'wasm-2t' beside 'wasm', for benches that compare thread counts in one run. */
export function registerWasmVariants(): string[] {
  return registerVariants(node);
}

registerWasm(node);

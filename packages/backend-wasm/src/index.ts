// @tensorlm/backend-wasm: importing this package registers the 'wasm' backend
// (created on first use: the kernel module is emitted and compiled then).
import { registerBackend } from '@tensorlm/tensor-core';
import {
  createWasmBackend,
  nodeWorker,
  WasmBackend,
  type WasmBackendOptions,
  WasmStorage,
} from './wasm-backend.js';

export { MAX_WASM_BYTES, WasmMemoryError } from './memory/heap.js';
export { WasmThreadError, type WorkerConstructor } from './threads/matmul-worker.js';
export { supportsRelaxedSimd } from './wasm/assembler.js';
export { createWasmBackend, nodeWorker, WasmBackend, type WasmBackendOptions, WasmStorage };

/** $TENSORLM_WASM_THREADS (1 or 2; default 1) for the registered instance. */
function threadsFromEnv(): number {
  const value = typeof process !== 'undefined' ? process.env?.TENSORLM_WASM_THREADS : undefined;
  return value === '2' ? 2 : 1;
}

// Below cpu (1) and webgpu (2) until measurements decide the automatic choice.
registerBackend({
  name: 'wasm',
  priority: 0,
  create: async () => {
    const threads = threadsFromEnv();
    const Worker = threads > 1 ? await nodeWorker() : null;
    const backend = createWasmBackend({ threads: Worker ? threads : 1, Worker });
    await backend.helper?.ready;
    return backend;
  },
});

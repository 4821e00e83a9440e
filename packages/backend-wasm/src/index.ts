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

/**
 * Registers 'wasm-1t' and 'wasm-2t' (a helper thread for matmul; its factory fails where
 * there are no worker threads), for benches that compare thread counts in one run.
 */
export function registerWasmVariants(): string[] {
  registerBackend({ name: 'wasm-1t', priority: -1, create: () => createWasmBackend({ threads: 1 }) });
  registerBackend({
    name: 'wasm-2t',
    priority: -1,
    create: async () => {
      const Worker = await nodeWorker();
      if (!Worker) throw new Error('no worker threads with shared memory here');
      const backend = createWasmBackend({ threads: 2, Worker });
      await backend.helper!.ready;
      return backend;
    },
  });
  return ['wasm-1t', 'wasm-2t'];
}

/**
 * Threads for the registered instance: $TENSORLM_WASM_THREADS (1 or 2), else 2 where
 * there are at least two cores (a helper thread for matmul measured 1.0–1.4× one
 * thread on a loaded 2-core machine, never slower); one where there are no worker
 * threads (browsers, for now).
 */
async function threadsFromEnv(): Promise<number> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.TENSORLM_WASM_THREADS;
  if (value === '1' || value === '2') return Number(value);
  let cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (cores === undefined) {
    try {
      const os = (await import('node:os')) as { availableParallelism?: () => number; cpus: () => unknown[] };
      cores = os.availableParallelism?.() ?? os.cpus().length;
    } catch {
      cores = 1;
    }
  }
  return cores >= 2 ? 2 : 1;
}

// Priorities order backends of one kind (selectBackend puts backends with device memory
// first): among host-memory backends wasm ranks above webgpu on a software adapter (2)
// and cpu (1) — measured in one run on a 2-core machine, W2 training 14× and W4 decoding
// 2–3× webgpu on llvmpipe (README, Performance).
registerBackend({
  name: 'wasm',
  priority: 3,
  create: async () => {
    const threads = await threadsFromEnv();
    const Worker = threads > 1 ? await nodeWorker() : null;
    const backend = createWasmBackend({ threads: Worker ? threads : 1, Worker });
    await backend.helper?.ready;
    return backend;
  },
});

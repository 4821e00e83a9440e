// The wasm backend against tensor-core's conformance suite (f64 reference + finite
// differences, and case by case against the CPU backend): on one thread as it is and
// with its fused kernels hidden (tensor-core's composed defaults on the wasm
// primitives), and with a second thread for matmul (the registered default where
// there are two cores).
import '@tensorlm/backend-cpu';
import { registerBackend } from '@tensorlm/tensor-core';
import { runBackendConformance } from '@tensorlm/tensor-core/testing';
import { describe, it } from 'vitest';
import { createWasmBackend, nodeWorker } from './index.js';

registerBackend({ name: 'wasm-1-thread', priority: -1, create: () => createWasmBackend({ threads: 1 }) });
runBackendConformance({ backend: 'wasm-1-thread', reference: 'cpu', describe, it });
runBackendConformance({ backend: 'wasm-1-thread', fusedKernels: 'composed', reference: 'cpu', describe, it });

// With the matmul helper thread (threads: 2, shared memory).
registerBackend({
  name: 'wasm-2-threads',
  priority: -1,
  create: async () => {
    const backend = createWasmBackend({ threads: 2, Worker: await nodeWorker() });
    await backend.helper!.ready;
    return backend;
  },
});
runBackendConformance({ backend: 'wasm-2-threads', reference: 'cpu', describe, it });

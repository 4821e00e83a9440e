// The page of the wasm conformance test (bundled by ../wasm-conformance.test.ts with the
// `browser` condition): tensor-core's conformance suite against @tensorlm/backend-wasm's
// browser entry, on one thread (also with its fused kernels hidden: tensor-core's
// composed defaults) or with a Web Worker helper over shared memory, hosted by
// a small in-page runner (the suite takes any describe/it). Also the thread-death cases:
// a helper that throws as it starts, and one that stops answering mid-job.
import '@tensorlm/backend-cpu';
import {
  browserWorker,
  createWasmBackend,
  type HelperThreads,
  registerWasmBackend,
  type WasmBackend,
  WasmThreadError,
} from '@tensorlm/backend-wasm';
import { initBackend, type KernelTensor, type MatmulParams, registerBackend } from '@tensorlm/tensor-core';
import { runBackendConformance } from '@tensorlm/tensor-core/testing';
import type {
  ConformanceMode,
  ConformanceReport,
  PageFacts,
  ThreadDeathReport,
} from './conformance-protocol.js';

interface Test {
  name: string;
  body: () => Promise<void>;
}

/** Collects the suite's tests in order, with their describe path as a prefix. */
function collect(backend: string, fusedKernels: 'backend' | 'composed'): Test[] {
  const tests: Test[] = [];
  const path: string[] = [];
  runBackendConformance({
    backend,
    reference: 'cpu',
    fusedKernels,
    describe: (name, body) => {
      path.push(name);
      try {
        body();
      } finally {
        path.pop();
      }
    },
    it: (name, body) => tests.push({ name: [...path, name].join(' › '), body }),
  });
  return tests;
}

const backends = new Map<ConformanceMode, WasmBackend>();

async function startMode(mode: ConformanceMode): Promise<WasmBackend> {
  if (mode === 'wasm-1-thread') return createWasmBackend({ threads: 1 });
  const Worker = browserWorker();
  if (!Worker) throw new Error('this page cannot share memory with workers (not cross-origin isolated)');
  const backend = createWasmBackend({ threads: 2, Worker });
  await backend.helper!.ready;
  if (!backend.helper!.alive) throw new Error(`the helper did not start: ${backend.helper!.failure}`);
  return backend;
}

for (const mode of ['wasm-1-thread', 'wasm-2-threads'] as const) {
  registerBackend({
    name: mode,
    priority: -1,
    create: async () => {
      const backend = await startMode(mode);
      backends.set(mode, backend);
      return backend;
    },
  });
}

async function runConformance(
  mode: ConformanceMode,
  fusedKernels: 'backend' | 'composed' = 'backend',
): Promise<ConformanceReport> {
  const start = performance.now();
  const backend = (await initBackend(mode)) as WasmBackend;
  const jobsBefore = backends.get(mode)?.helper?.jobs ?? 0;
  const tests = collect(mode, fusedKernels);
  const failed: ConformanceReport['failed'] = [];
  for (const test of tests) {
    try {
      await test.body();
    } catch (error) {
      failed.push({ name: test.name, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return {
    mode,
    fusedKernels,
    passed: tests.length - failed.length,
    failed,
    device: backend.describe().device ?? '',
    helperJobs: (backends.get(mode)?.helper?.jobs ?? 0) - jobsBefore,
    ms: Math.round(performance.now() - start),
  };
}

async function pageFacts(): Promise<PageFacts> {
  const registered = await initBackend('wasm');
  const warnings: string[] = [];
  registerWasmBackend({ threads: 2, warn: (line) => warnings.push(line) });
  const two = await initBackend('wasm');
  registerWasmBackend();
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    registeredDevice: registered.describe().device ?? '',
    askedForTwo: { device: two.describe().device ?? '', warnings },
  };
}

function matrix(backend: WasmBackend, rows: number, cols: number, seed: number): KernelTensor {
  let s = seed;
  const values = Float32Array.from({ length: rows * cols }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  return { storage: backend.upload(values, 'f32'), shape: [rows, cols], dtype: 'f32' };
}

async function product(backend: WasmBackend, m: number, n: number, k: number): Promise<number[]> {
  const params: MatmulParams = {
    transA: false,
    transB: false,
    m,
    n,
    k,
    batchShape: [],
    aBatchStrides: [],
    bBatchStrides: [],
  };
  const c = backend.matmul(matrix(backend, m, k, 1), matrix(backend, k, n, 2), params);
  return Array.from(await backend.read(c, 'f32', m * n));
}

/** A module importing a non-shared memory: a LinkError where the helper instantiates it. */
function moduleImportingUnsharedMemory(): WebAssembly.Module {
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  const entry = [1, ...name('env'), ...name('memory'), 2, 0, 1];
  return new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 2, entry.length, ...entry]));
}

async function threadDeath(): Promise<ThreadDeathReport> {
  const threads = browserWorker();
  if (!threads) throw new Error('this page cannot share memory with workers (not cross-origin isolated)');
  // The browser's real helper, handed a module that cannot link: it throws as it starts.
  const failing: HelperThreads = {
    kind: threads.kind,
    spawn: (start, events) => threads.spawn({ ...start, module: moduleImportingUnsharedMemory() }, events),
  };
  const warnings: string[] = [];
  const broken = createWasmBackend({ threads: 2, Worker: failing, warn: (line) => warnings.push(line) });
  await broken.helper!.ready;
  const startFailure = { alive: broken.helper!.alive, failure: broken.helper!.failure, warnings };

  const two = createWasmBackend({ threads: 2, Worker: threads, warn: () => {} });
  await two.helper!.ready;
  two.helper!.stop();
  two.helper!.post([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  let error: unknown = null;
  try {
    two.helper!.wait(50);
  } catch (caught) {
    error = caught;
  }
  const one = createWasmBackend({ threads: 1, relaxedSimd: two.relaxedSimd });
  const after = await product(two, 130, 40, 70);
  const expected = await product(one, 130, 40, 70);
  return {
    startFailure,
    stalled: {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      code: error instanceof WasmThreadError ? error.code : null,
      aliveAfter: two.helper!.alive,
      productAfterMatches: after.every((v, i) => v === expected[i]),
    },
  };
}

Object.assign(globalThis, { runConformance, pageFacts, threadDeath });

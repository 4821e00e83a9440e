// What the wasm conformance test (../wasm-conformance.test.ts) asks its page
// (./conformance.ts) and what the page answers: plain data through page.evaluate.

/** 'wasm-1-thread': createWasmBackend({ threads: 1 }); 'wasm-2-threads': a Web Worker helper (needs isolation). */
export type ConformanceMode = 'wasm-1-thread' | 'wasm-2-threads';

export interface ConformanceReport {
  mode: ConformanceMode;
  /** 'composed': the backend's fused kernels hidden (tensor-core's defaults on its primitives). */
  fusedKernels: 'backend' | 'composed';
  passed: number;
  /** Each failed test's full name and message. */
  failed: { name: string; message: string }[];
  /** What the backend under test says of itself. */
  device: string;
  /** Jobs the helper thread ran during the suite (0 on one thread). */
  helperJobs: number;
  ms: number;
}

export interface PageFacts {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** `describe().device` of the registered 'wasm' backend (the platform's default threads). */
  registeredDevice: string;
  /** The same after `registerWasmBackend({ threads: 2 })`, with what it warned. */
  askedForTwo: { device: string; warnings: string[] };
}

export interface ThreadDeathReport {
  /** A helper whose module fails to link as it starts (its 'error' event). */
  startFailure: { alive: boolean; failure: string | null; warnings: string[] };
  /** A helper that left its loop: the next job's wait ends at its deadline. */
  stalled: { error: string; code: string | null; aliveAfter: boolean; productAfterMatches: boolean };
}

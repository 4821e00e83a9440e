// How many threads the registered 'wasm' backend starts with, and its registration, for
// either platform: the two entries (index.ts for Node, index.browser.ts for browsers)
// differ only in the ThreadPlatform they pass.
import { registerBackend } from '@tensorlm/tensor-core';
import { createWasmBackend, type WasmBackend } from '../wasm-backend.js';
import type { HelperThreads } from './helper-threads.js';

export interface ThreadPlatform {
  /** The platform's helper threads, or null where it has none (no shared memory). */
  helperThreads(): Promise<HelperThreads | null>;
  /** Cores this program may use. */
  cores(): Promise<number>;
  /** Threads the environment asks for ($TENSORLM_WASM_THREADS in Node), if any. */
  requested(): number | undefined;
  /** Why there may be no helper threads, for the warning when some were asked for. */
  readonly noThreadsReason: string;
}

export interface WasmThreadOptions {
  /**
   * 1 or 2 (the backend splits each matmul between the main thread and one helper).
   * Default: 2 where there are at least two cores and helper threads, else 1.
   */
  threads?: number;
  /** Where a helper thread's failure is reported (default console.warn). */
  warn?: (line: string) => void;
}

/**
 * A backend on `threads` threads (default: the platform's choice). Where the platform has
 * no helper threads it runs on one, whatever was asked: a page that is not cross-origin
 * isolated still gets a working backend.
 */
export async function startWasmBackend(
  platform: ThreadPlatform,
  options: WasmThreadOptions = {},
): Promise<WasmBackend> {
  const wanted = options.threads ?? platform.requested() ?? ((await platform.cores()) >= 2 ? 2 : 1);
  const Worker = wanted > 1 ? await platform.helperThreads() : null;
  if (options.threads !== undefined && options.threads > 1 && !Worker)
    (options.warn ?? ((line: string) => console.warn(line)))(
      `backend-wasm: ${options.threads} threads were asked for, but ${platform.noThreadsReason}; running on one thread`,
    );
  const backend = createWasmBackend({
    threads: Worker ? Math.min(wanted, 2) : 1,
    Worker,
    warn: options.warn,
  });
  await backend.helper?.ready;
  return backend;
}

// Priorities order backends of one kind (selectBackend puts backends with device memory
// first): among host-memory backends wasm ranks above webgpu on a software adapter (2)
// and cpu (1) — measured in one run on a 2-core machine, W2 training 14× and W4 decoding
// 2–3× webgpu on llvmpipe (README, Performance).
const WASM_PRIORITY = 3;

/** (Re-)registers 'wasm' with these options; it is created on first use. */
export function registerWasm(platform: ThreadPlatform, options: WasmThreadOptions = {}): void {
  registerBackend({
    name: 'wasm',
    priority: WASM_PRIORITY,
    create: () => startWasmBackend(platform, options),
  });
}

/**
 * Registers 'wasm-1t' and 'wasm-2t' (a helper thread for matmul; its factory fails where
 * there are no helper threads), for benches and tests that compare thread counts in one run.
 */
export function registerVariants(platform: ThreadPlatform): string[] {
  registerBackend({ name: 'wasm-1t', priority: -1, create: () => createWasmBackend({ threads: 1 }) });
  registerBackend({
    name: 'wasm-2t',
    priority: -1,
    create: async () => {
      const Worker = await platform.helperThreads();
      if (!Worker) throw new Error('no helper threads with shared memory here');
      const backend = createWasmBackend({ threads: 2, Worker });
      await backend.helper!.ready;
      return backend;
    },
  });
  return ['wasm-1t', 'wasm-2t'];
}

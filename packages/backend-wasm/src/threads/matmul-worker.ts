// One helper thread for matmul, on any platform (helper-threads.ts): it instantiates the
// kernel module on the backend's shared WebAssembly.Memory and runs the kernel it is
// handed (gemm blocks claimed from a shared counter, or a matrix-vector product on a
// share of the columns).
// Jobs go through a control block of i32 words in the shared memory (no messages, so a
// job costs a store and a notify): the main thread writes the arguments and bumps the
// job sequence; the helper runs and publishes the sequence as done. The main thread
// waits until then — in Atomics.wait where it may block (Node, a worker), spinning on
// Atomics.load where it may not (a browser page's main thread) — always with a deadline.
// A helper that died (its platform's 'error' or 'exit' event, seen between kernels) or
// threw in a kernel is reported once and its work done on the main thread from then on,
// so nothing hangs on a dead thread.

import { TensorlmError } from '@tensorlm/tensor-core';
import {
  CONTROL,
  CONTROL_BYTES,
  COUNTER,
  type HelperHandle,
  type HelperThreads,
  WORKER_KERNELS,
  type WorkerKernel,
} from './helper-threads.js';

export { CONTROL_BYTES, COUNTER, WORKER_KERNELS, type WorkerKernel };

/** A helper thread failed in the middle of a kernel (the kernel's output is unusable). */
export class WasmThreadError extends TensorlmError {
  constructor(message: string) {
    super('WASM_THREAD_FAILED', message);
    this.name = 'WasmThreadError';
  }
}

/** Generous: a loaded 2-core machine has taken seconds to start a worker. */
const START_TIMEOUT_MS = 30_000;

let blocking: boolean | undefined;

/** Whether this thread may block in Atomics.wait (a browser's main thread may not: it throws). */
function canBlock(): boolean {
  if (blocking === undefined) {
    try {
      // A value that differs returns 'not-equal' at once where blocking is allowed.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

export class MatmulWorker {
  #handle: HelperHandle;
  readonly #ctl: Int32Array;
  readonly #block: boolean;
  #sequence = 0;
  /** Why the helper can no longer be used (null while it is healthy). */
  #dead: string | null = null;
  #reported = false;
  /**
   * Resolves when the helper waits for jobs (or has failed). Until then matmuls run on
   * the main thread alone: a helper may need the main thread's event loop to start (it
   * always does in browsers), so blocking on one that has not started could never end.
   */
  readonly ready: Promise<void>;

  constructor(
    threads: HelperThreads,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    control: number,
    readonly warn: (line: string) => void,
    /** A helper not waiting for jobs by then is given up (a blocked or silently failed start). */
    startTimeoutMs = START_TIMEOUT_MS,
  ) {
    this.#ctl = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
    this.#block = canBlock();
    let settle: () => void = () => {};
    this.ready = new Promise((resolve) => {
      settle = resolve;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const resolveReady = () => {
      settled = true;
      clearTimeout(timer);
      settle();
    };
    const failed = (why: string) => {
      this.#dead ??= why;
      resolveReady();
    };
    try {
      this.#handle = threads.spawn(
        { module, memory, control },
        {
          ready: () => {
            resolveReady();
            // Referenced until it is ready (awaiting `ready` keeps the process alive);
            // then a helper parked in Atomics.wait must not (the process would never exit).
            // Deferred: a platform may call `ready` before `spawn` has returned its handle.
            queueMicrotask(() => this.#handle.unref());
          },
          failed,
        },
      );
    } catch (error) {
      // A browser may refuse the worker outright (a CSP without `worker-src blob:`).
      this.#handle = { unref: () => {}, terminate: async () => {} };
      failed(`it could not start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    // A platform may have answered (ready or failed) inside `spawn`: no deadline then.
    if (settled) return;
    timer = setTimeout(() => {
      failed(`it did not start within ${startTimeoutMs} ms`);
      void this.#handle.terminate();
    }, startTimeoutMs);
    // The timer must not keep a Node process alive on its own.
    (timer as { unref?: () => void }).unref?.();
  }

  /**
   * Test hook: the main thread claims no block of a dynamic split before the helper has
   * claimed one, so a test sees the helper's share whatever the machine's load.
   */
  helperFirst = false;

  /** Blocks of dynamic splits so far: all of them, and those the helper ran. */
  readonly blocks = { total: 0, main: 0, helper: 0 };

  /** Records a finished dynamic split (kernels/matmul.ts). */
  tally(total: number, main: number, helper: number): void {
    this.blocks.total += total;
    this.blocks.main += main;
    this.blocks.helper += helper;
  }

  /** For `helperFirst`: waits until the counter word at `index` has left 0 (deadline 10 s). */
  awaitClaim(words: Int32Array, index: number): void {
    const start = performance.now();
    while (Atomics.load(words, index) === 0) {
      if (performance.now() - start > 10_000) this.#fail('it claimed no block within 10000 ms');
      if (this.#block) Atomics.wait(words, index, 0, 1);
    }
  }

  /** Jobs posted so far. */
  get jobs(): number {
    return this.#sequence;
  }

  /** The helper's handle, for tests that stop it. */
  get worker(): HelperHandle {
    return this.#handle;
  }

  /** Why the helper stopped, or null while it runs. */
  get failure(): string | null {
    return this.#dead;
  }

  /** Whether jobs can be posted now: started, and not dead (a death is reported here, once). */
  get alive(): boolean {
    this.#report();
    return this.#dead === null && Atomics.load(this.#ctl, CONTROL.READY) === 1;
  }

  #report(): void {
    if (this.#dead !== null && !this.#reported) {
      this.#reported = true;
      this.warn(`backend-wasm: the matmul helper thread stopped (${this.#dead}); continuing on one thread`);
    }
  }

  /** Posts kernel(args) to the helper (gebp by default); returns at once. */
  post(args: readonly number[], kernel: WorkerKernel = 'gebp'): void {
    this.#ctl[CONTROL.KERNEL] = WORKER_KERNELS.indexOf(kernel);
    for (let i = 0; i < 9; i++) this.#ctl[CONTROL.ARGS + i] = (args[i] ?? 0) | 0;
    this.#sequence++;
    Atomics.store(this.#ctl, CONTROL.JOB, this.#sequence);
    Atomics.notify(this.#ctl, CONTROL.JOB);
  }

  /**
   * Waits for the posted job. Throws a WasmThreadError if the helper failed or did not
   * finish within `deadlineMs` (its part of C is then unknown); it is marked dead and
   * stopped, and later matmuls run on the main thread alone.
   */
  wait(deadlineMs: number): void {
    const start = performance.now();
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(this.#ctl, CONTROL.DONE);
      if (done === this.#sequence) break;
      // Spinning, the clock is read every 1024 loads only.
      if (this.#block || (spins & 1023) === 0) {
        const left = deadlineMs - (performance.now() - start);
        if (left <= 0) this.#fail(`it did not finish a matmul block within ${Math.round(deadlineMs)} ms`);
        if (this.#block) Atomics.wait(this.#ctl, CONTROL.DONE, done, Math.min(left, 250));
      }
    }
    if (Atomics.load(this.#ctl, CONTROL.FAILED) === 1) this.#fail('it threw inside the matmul kernel');
  }

  #fail(why: string): never {
    this.#dead ??= why;
    this.#reported = true;
    void this.#handle.terminate();
    throw new WasmThreadError(
      `matmul: the helper thread stopped (${this.#dead}); later matmuls run on one thread`,
    );
  }

  stop(): void {
    Atomics.store(this.#ctl, CONTROL.STOP, 1);
    this.post(new Array<number>(9).fill(0));
  }
}

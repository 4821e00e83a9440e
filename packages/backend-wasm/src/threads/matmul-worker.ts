// One helper thread for matmul: a Node worker that instantiates the kernel module on the
// backend's shared WebAssembly.Memory and runs the kernel it is handed (GEBP on row
// panels, or a matrix-vector product on a share of the columns) with its arguments.
// Jobs go through a control block of i32 words in the shared memory (no messages, so a
// job costs a store and a notify): the main thread writes the arguments and bumps the
// job sequence; the worker runs and publishes the sequence as done. The main thread
// blocks in Atomics.wait until then — with a deadline, and a worker that exited (its
// 'exit' event, seen between kernels) or threw is reported once and its work done on
// the main thread from then on, so nothing hangs on a dead thread.

import { TensorlmError } from '@tensorlm/tensor-core';

/** A helper thread failed in the middle of a kernel (the kernel's output is unusable). */
export class WasmThreadError extends TensorlmError {
  constructor(message: string) {
    super('WASM_THREAD_FAILED', message);
    this.name = 'WasmThreadError';
  }
}

/** Control block layout (i32 word indices from the block's start). */
const JOB = 0; // sequence of the last posted job
const DONE = 1; // sequence of the last finished job
const FAILED = 2; // 1 when the worker threw
const STOP = 3; // 1 asks the worker to exit
const READY = 4; // 1 once the worker waits for jobs
const KERNEL = 5; // index into WORKER_KERNELS
const ARGS = 6; // up to nine kernel arguments

/** The kernels a helper can run, by index (the order of the worker's table). */
export const WORKER_KERNELS = ['gebp', 'gemv_n', 'gemv_t'] as const;
export type WorkerKernel = (typeof WORKER_KERNELS)[number];
export const CONTROL_BYTES = 64;

// CommonJS, run with `eval: true` so no file has to be resolved next to the bundle.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const kernels = ${JSON.stringify(WORKER_KERNELS)}.map((name) => exports[name]);
const ctl = new Int32Array(memory.buffer, control, 16);
let seen = Atomics.load(ctl, ${JOB});
Atomics.store(ctl, ${READY}, 1);
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(ctl, ${JOB}, seen);
  const job = Atomics.load(ctl, ${JOB});
  if (job === seen) continue;
  seen = job;
  if (Atomics.load(ctl, ${STOP}) === 1) break;
  try {
    kernels[ctl[${KERNEL}]](${Array.from({ length: 9 }, (_, i) => `ctl[${ARGS + i}]`).join(', ')});
  } catch (error) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, job);
  Atomics.notify(ctl, ${DONE});
}
`;

interface NodeWorker {
  on(event: 'exit' | 'error' | 'message', listener: (value: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

export type WorkerConstructor = new (
  source: string,
  options: { eval: true; workerData: unknown; execArgv?: string[] },
) => NodeWorker;

export class MatmulWorker {
  readonly #worker: NodeWorker;
  readonly #ctl: Int32Array;
  #sequence = 0;
  /** Why the worker can no longer be used (null while it is healthy). */
  #dead: string | null = null;
  #reported = false;
  /**
   * Resolves when the worker waits for jobs (or has exited). Until then matmuls run on
   * the main thread alone: a worker may need the main thread's event loop to start, so
   * blocking on one that has not started could never end.
   */
  readonly ready: Promise<void>;

  constructor(
    Worker: WorkerConstructor,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    control: number,
    readonly warn: (line: string) => void,
  ) {
    this.#ctl = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, control },
      // The source is plain CommonJS: flags such as --input-type=module must not reach it.
      execArgv: [],
    });
    let resolveReady: () => void = () => {};
    this.ready = new Promise((resolve) => {
      resolveReady = resolve;
    });
    this.#worker.on('message', () => {
      resolveReady();
      // Referenced until it is ready (awaiting `ready` keeps the process alive); then a
      // helper parked in Atomics.wait must not (the process would never exit).
      this.#worker.unref();
    });
    this.#worker.on('error', (error) => {
      this.#dead ??= `it threw: ${error instanceof Error ? error.message : String(error)}`;
    });
    this.#worker.on('exit', (code) => {
      this.#dead ??= `it exited with code ${String(code)}`;
      resolveReady();
    });
  }

  /** Jobs posted so far. */
  get jobs(): number {
    return this.#sequence;
  }

  /** The worker, for tests that kill it. */
  get worker(): NodeWorker {
    return this.#worker;
  }

  /** Whether jobs can be posted now: started, and not dead (a death is reported here, once). */
  get alive(): boolean {
    this.#report();
    return this.#dead === null && Atomics.load(this.#ctl, READY) === 1;
  }

  #report(): void {
    if (this.#dead !== null && !this.#reported) {
      this.#reported = true;
      this.warn(`backend-wasm: the matmul helper thread stopped (${this.#dead}); continuing on one thread`);
    }
  }

  /** Posts kernel(args) to the worker (gebp by default); returns at once. */
  post(args: readonly number[], kernel: WorkerKernel = 'gebp'): void {
    this.#ctl[KERNEL] = WORKER_KERNELS.indexOf(kernel);
    for (let i = 0; i < 9; i++) this.#ctl[ARGS + i] = (args[i] ?? 0) | 0;
    this.#sequence++;
    Atomics.store(this.#ctl, JOB, this.#sequence);
    Atomics.notify(this.#ctl, JOB);
  }

  /**
   * Waits for the posted job. Throws a WasmThreadError if the worker failed or did not
   * finish within `deadlineMs` (its part of C is then unknown); it is marked dead, and
   * later matmuls run on the main thread alone.
   */
  wait(deadlineMs: number): void {
    const start = performance.now();
    for (;;) {
      const done = Atomics.load(this.#ctl, DONE);
      if (done === this.#sequence) break;
      const left = deadlineMs - (performance.now() - start);
      if (left <= 0) {
        this.#dead ??= `it did not finish a matmul block within ${Math.round(deadlineMs)} ms`;
        void this.#worker.terminate();
        this.#reported = true;
        throw new WasmThreadError(
          `matmul: the helper thread stopped (${this.#dead}); later matmuls run on one thread`,
        );
      }
      Atomics.wait(this.#ctl, DONE, done, Math.min(left, 250));
    }
    if (Atomics.load(this.#ctl, FAILED) === 1) {
      this.#dead ??= 'it threw inside the matmul kernel';
      this.#reported = true;
      throw new WasmThreadError(
        `matmul: the helper thread stopped (${this.#dead}); later matmuls run on one thread`,
      );
    }
  }

  stop(): void {
    Atomics.store(this.#ctl, STOP, 1);
    this.post(new Array<number>(9).fill(0));
  }
}

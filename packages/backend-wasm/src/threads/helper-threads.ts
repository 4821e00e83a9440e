// The one interface between the matmul helper thread (matmul-worker.ts) and the platform
// that runs it: Node's worker_threads (node.ts) or a browser's Web Workers (browser.ts).
// Both run the same loop, from one source text (HELPER_LOOP below): it instantiates the
// kernel module on the backend's shared memory and serves jobs from a control block of
// i32 words in that memory. A platform only says how the loop starts, how it signals
// that it waits for jobs, and how it reports a failure.

import { GEMM } from '../wasm/gemm.js';

/** Control block layout (i32 word indices from the block's start). */
export const CONTROL = {
  /** Sequence of the last posted job. */
  JOB: 0,
  /** Sequence of the last finished job. */
  DONE: 1,
  /** 1 when the kernel threw. */
  FAILED: 2,
  /** 1 asks the loop to return. */
  STOP: 3,
  /** 1 once the loop waits for jobs. */
  READY: 4,
  /** Index into WORKER_KERNELS. */
  KERNEL: 5,
  /** Up to nine kernel arguments. */
  ARGS: 6,
} as const;
export const CONTROL_BYTES = 64;

/** gemm's parameter words that the claim loop rewrites (wasm/gemm.ts's GEMM). */
const GEMM_WORDS = { A: GEMM.A, B: GEMM.B, C: GEMM.C } as const;

/**
 * The kernels a helper can run, by index (the order of the loop's table). All but the
 * last are wasm exports; 'gemm_blocks' is the loop's own claim loop (GEMM_BLOCKS below).
 */
export const WORKER_KERNELS = ['gebp', 'gemv_n', 'gemv_t', 'gemm', 'gemm_blocks'] as const;
export type WorkerKernel = (typeof WORKER_KERNELS)[number];

/** What a helper is started with (structured-cloneable: a shared memory and a compiled module). */
export interface HelperStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block in `memory`. */
  control: number;
}

/** What a platform tells the backend about its helper. */
export interface HelperEvents {
  /** The loop waits for jobs. */
  ready(): void;
  /** The helper cannot run jobs any more: it threw outside a kernel, exited or was terminated. */
  failed(why: string): void;
}

export interface HelperHandle {
  /** Stop holding the process open while the helper idles (Node; nothing in browsers). */
  unref(): void;
  /** Stops the helper now (reported through `failed`). */
  terminate(): Promise<void>;
}

/** A platform's way to start helper threads. */
export interface HelperThreads {
  /** Named in `describe()`: 'worker_threads', 'Web Workers'. */
  readonly kind: string;
  spawn(start: HelperStart, events: HelperEvents): HelperHandle;
}

/** Words of a block counter (i32s in shared memory, 16-byte aligned): the next block to claim, and the helper's tally. */
export const COUNTER = { NEXT: 0, HELPER_BLOCKS: 1, WORDS: 4 } as const;

/**
 * The dynamic split's claim loop, as script text for the helper (kernels/matmul.ts runs
 * the same loop on the main thread): `gemmBlocks(gemm, memory, params, counter, total,
 * per, extent, da, db, dc)` claims blocks of `per` units (of `total`) from the counter
 * at byte address `counter` until none are left, and runs each as one `gemm` call on its
 * own parameter block at `params`: A, B and C advance by da, db, dc bytes per unit from
 * the block's base pointers, and word `extent` (BATCHES, N or M) gets the block's units.
 * Whichever thread runs faster claims more blocks.
 */
export const GEMM_BLOCKS = `
function gemmBlocks(gemm, memory, params, counter, total, per, extent, da, db, dc) {
  // A fresh view: a grown memory's earlier views do not reach the new pages.
  const words = new Int32Array(memory.buffer);
  const w = params >> 2;
  const a = words[w + ${GEMM_WORDS.A}], b = words[w + ${GEMM_WORDS.B}], c = words[w + ${GEMM_WORDS.C}];
  let mine = 0;
  for (;;) {
    const start = Atomics.add(words, (counter >> 2) + ${COUNTER.NEXT}, 1) * per;
    if (start >= total) break;
    words[w + ${GEMM_WORDS.A}] = a + start * da;
    words[w + ${GEMM_WORDS.B}] = b + start * db;
    words[w + ${GEMM_WORDS.C}] = c + start * dc;
    words[w + extent] = Math.min(per, total - start);
    gemm(params);
    mine++;
  }
  return mine;
}
`;

/**
 * The loop, as plain script text (no imports, so a platform can start it from a string:
 * `eval` in Node, a Blob URL in browsers): `serve(module, memory, control, ready)` returns
 * when asked to stop. A kernel that throws sets FAILED (the job still completes, so the
 * main thread never waits on it); anything else that throws ends the thread, which the
 * platform reports.
 */
export const HELPER_LOOP = `
${GEMM_BLOCKS}
function serve(module, memory, control, ready) {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const kernels = ${JSON.stringify(WORKER_KERNELS.slice(0, -1))}.map((name) => exports[name]);
  kernels.push((params, counter, total, per, extent, da, db, dc) => {
    const mine = gemmBlocks(exports.gemm, memory, params, counter, total, per, extent, da, db, dc);
    Atomics.store(new Int32Array(memory.buffer), (counter >> 2) + ${COUNTER.HELPER_BLOCKS}, mine);
  });
  const ctl = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  let seen = Atomics.load(ctl, ${CONTROL.JOB});
  Atomics.store(ctl, ${CONTROL.READY}, 1);
  ready();
  for (;;) {
    Atomics.wait(ctl, ${CONTROL.JOB}, seen);
    const job = Atomics.load(ctl, ${CONTROL.JOB});
    if (job === seen) continue;
    seen = job;
    if (Atomics.load(ctl, ${CONTROL.STOP}) === 1) return;
    try {
      kernels[ctl[${CONTROL.KERNEL}]](${Array.from({ length: 9 }, (_, i) => `ctl[${CONTROL.ARGS + i}]`).join(', ')});
    } catch (error) {
      Atomics.store(ctl, ${CONTROL.FAILED}, 1);
    }
    Atomics.store(ctl, ${CONTROL.DONE}, job);
    Atomics.notify(ctl, ${CONTROL.DONE});
  }
}
`;

// The matmul helper thread: results equal the one-thread backend's bit for bit (each
// thread computes whole rows with the same kernel), and a helper that dies is reported
// once while the backend carries on, on one thread.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KernelTensor, MatmulParams } from '@tensorlm/tensor-core';
import { initBackend } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import {
  createWasmBackend,
  nodeWorker,
  registerWasmBackend,
  type WasmBackend,
  WasmThreadError,
} from './index.js';
import type { HelperThreads } from './threads/helper-threads.js';
import { MatmulWorker } from './threads/matmul-worker.js';

/**
 * A module that imports a non-shared memory: instantiating it on the backend's shared
 * memory is a LinkError, so a helper handed it throws as it starts (its 'error' event).
 */
function moduleImportingUnsharedMemory(): WebAssembly.Module {
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  const entry = [1, ...name('env'), ...name('memory'), 2, 0, 1]; // one import: memory, min 1 page, not shared
  return new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 2, entry.length, ...entry]));
}

function randomMatrix(backend: WasmBackend, rows: number, cols: number, seed: number): KernelTensor {
  let s = seed;
  const values = Float32Array.from({ length: rows * cols }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  return { storage: backend.upload(values, 'f32'), shape: [rows, cols], dtype: 'f32' };
}

async function product(
  backend: WasmBackend,
  m: number,
  n: number,
  k: number,
  transB = false,
): Promise<Float32Array> {
  const a = randomMatrix(backend, m, k, 1);
  const b = transB ? randomMatrix(backend, n, k, 2) : randomMatrix(backend, k, n, 2);
  const params: MatmulParams = {
    transA: false,
    transB,
    m,
    n,
    k,
    batchShape: [],
    aBatchStrides: [],
    bBatchStrides: [],
  };
  return (await backend.read(backend.matmul(a, b, params), 'f32', m * n)) as Float32Array;
}

describe('threads: 2', () => {
  it('gives the same product as one thread, for blocks split unevenly (m = 259, k = 300)', async () => {
    const two = createWasmBackend({ threads: 2, Worker: await nodeWorker() });
    await two.helper!.ready;
    expect(two.helper!.alive).toBe(true);
    const one = createWasmBackend({ relaxedSimd: two.relaxedSimd });
    expect(two.describe().device).toMatch(/2 threads/);
    expect(Array.from(await product(two, 259, 37, 300))).toEqual(
      Array.from(await product(one, 259, 37, 300)),
    );
    // One hand-off per matmul (kernels/matmul.ts): m = 259 > n = 37, so the rows are cut
    // into blocks of whole panels, which both threads claim within that one job.
    expect(two.helper!.jobs).toBe(1);
    two.dispose();
  });

  it('splits a one-row product (decoding) between the threads at a multiple of 4 columns, bit for bit', async () => {
    const two = createWasmBackend({ threads: 2, Worker: await nodeWorker() });
    await two.helper!.ready;
    const one = createWasmBackend({ relaxedSimd: two.relaxedSimd });
    for (const transB of [false, true]) {
      const before = two.helper!.jobs;
      // k·n = 212,000 multiply-adds: over the split threshold; n = 53 splits at 24.
      expect(Array.from(await product(two, 1, 53, 4000, transB))).toEqual(
        Array.from(await product(one, 1, 53, 4000, transB)),
      );
      expect(two.helper!.jobs).toBe(before + 1);
    }
    two.dispose();
  });

  it('reports a helper that exited, once, and keeps computing on one thread', async () => {
    const warnings: string[] = [];
    const two = createWasmBackend({
      threads: 2,
      Worker: await nodeWorker(),
      warn: (line) => warnings.push(line),
    });
    const one = createWasmBackend({ relaxedSimd: two.relaxedSimd });
    await two.helper!.ready;
    await product(two, 64, 64, 64); // the helper has answered a job
    await two.helper!.worker.terminate();
    const expected = Array.from(await product(one, 130, 40, 70));
    expect(Array.from(await product(two, 130, 40, 70))).toEqual(expected);
    expect(Array.from(await product(two, 130, 40, 70))).toEqual(expected);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/helper thread stopped \(it exited with code 1\); continuing on one thread/);
  });

  it("reports a helper that threw as it started (its 'error' event) without waiting on it", async () => {
    const warnings: string[] = [];
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const helper = new MatmulWorker(
      (await nodeWorker())!,
      moduleImportingUnsharedMemory(),
      memory,
      64,
      (line) => warnings.push(line),
    );
    await helper.ready; // resolves on the failure too
    expect(helper.alive).toBe(false);
    expect(helper.failure).toMatch(/^it threw: /);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^backend-wasm: the matmul helper thread stopped \(it threw: .+\); continuing on one thread$/,
    );
  });

  it('gives up a helper that never starts (no event at all) at its start deadline, and one the platform refuses', async () => {
    const warnings: string[] = [];
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    let terminated = 0;
    const silent: HelperThreads = {
      kind: 'silent',
      spawn: () => ({ unref: () => {}, terminate: async () => void terminated++ }),
    };
    const helper = new MatmulWorker(
      silent,
      moduleImportingUnsharedMemory(),
      memory,
      64,
      (l) => warnings.push(l),
      20,
    );
    await helper.ready;
    expect(helper.alive).toBe(false);
    expect(helper.failure).toBe('it did not start within 20 ms');
    expect(terminated).toBe(1);
    const refused: HelperThreads = {
      kind: 'refused',
      spawn: () => {
        throw new Error("Refused to create a worker from 'blob:…' (Content-Security-Policy)");
      },
    };
    const other = new MatmulWorker(refused, moduleImportingUnsharedMemory(), memory, 64, (l) =>
      warnings.push(l),
    );
    await other.ready;
    expect(other.alive).toBe(false);
    expect(other.failure).toMatch(/^it could not start: Refused to create a worker/);
    expect(warnings).toHaveLength(2);
  });

  it('a helper that stops answering mid-job is a WasmThreadError at the deadline, not a hang', async () => {
    const two = createWasmBackend({ threads: 2, Worker: await nodeWorker(), warn: () => {} });
    await two.helper!.ready;
    // The helper leaves its loop; the job posted next is never done.
    two.helper!.stop();
    two.helper!.post([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let error: unknown;
    try {
      two.helper!.wait(50);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WasmThreadError);
    expect((error as WasmThreadError).code).toBe('WASM_THREAD_FAILED');
    expect((error as Error).message).toMatch(/did not finish a matmul block within 50 ms/);
    expect(two.helper!.alive).toBe(false);
    // The backend goes on, on one thread.
    const one = createWasmBackend({ relaxedSimd: two.relaxedSimd });
    expect(Array.from(await product(two, 130, 40, 70))).toEqual(Array.from(await product(one, 130, 40, 70)));
  });

  it('a process that used a 2-thread backend exits by itself (the idle helper holds no reference)', () => {
    const index = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = [
      `const { createWasmBackend, nodeWorker } = await import(${JSON.stringify(index)});`,
      'const b = createWasmBackend({ threads: 2, Worker: await nodeWorker() });',
      'await b.helper.ready;',
      "console.log('helper ready', b.helper.alive);",
    ].join('\n');
    // A real child process: before the fix it never exited (the helper waits in
    // Atomics.wait); the generous kill deadline only turns such a hang into a failure.
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.stdout.trim(), child.stderr).toBe('helper ready true');
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
  });

  it("registerWasmBackend sets the registered 'wasm' backend's threads", async () => {
    registerWasmBackend({ threads: 1 });
    expect((await initBackend('wasm')).describe().device).toMatch(/one thread\)$/);
    registerWasmBackend({ threads: 2 });
    expect((await initBackend('wasm')).describe().device).toMatch(
      /2 threads for matmul on worker_threads\)$/,
    );
    registerWasmBackend();
  });

  it('refuses threads other than 1 and 2, and 2 without a Worker class', () => {
    expect(() => createWasmBackend({ threads: 3 })).toThrow(/threads must be 1 or 2, got 3/);
    expect(() => createWasmBackend({ threads: 2 })).toThrow(/threads: 2 needs helper threads/);
  });
});

// The matmul helper thread: results equal the one-thread backend's bit for bit (each
// thread computes whole rows with the same kernel), and a helper that dies is reported
// once while the backend carries on, on one thread.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KernelTensor, MatmulParams } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { createWasmBackend, nodeWorker, type WasmBackend } from './index.js';

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
    // 3 row blocks (128, 128, 3 rows) × 2 k blocks; the 3-row block is one panel pair too small to split.
    expect(two.helper!.jobs).toBe(4);
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

  it('refuses threads other than 1 and 2, and 2 without a Worker class', () => {
    expect(() => createWasmBackend({ threads: 3 })).toThrow(/threads must be 1 or 2, got 3/);
    expect(() => createWasmBackend({ threads: 2 })).toThrow(/needs a Worker class/);
  });
});

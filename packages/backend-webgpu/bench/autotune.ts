// The matmul autotuner's effect: W1 (C = A·B, square N) on webgpu with the default tiles
// and with autotuned ones, side by side in one run, headed by the adapter's name, limits
// and features and followed by each tuned class's candidate timings. Two backends on two
// devices of the same adapter; tuning results go to a scratch cache file, not the user's.
//   npx tsx --conditions=source bench/autotune.ts      (W1_SIZES=256,512,1024 by default)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable, measure } from '@tensorlm/bench-harness';
import { matmul, randn, type Tensor } from '@tensorlm/tensor-core';
import { formatAdapterReport } from '../src/adapter.js';
import { createWebGPUBackend, type WebGPUBackend } from '../src/index.js';

const sizes = (process.env.W1_SIZES ?? '256,512,1024').split(',').map(Number);
const scratch = mkdtempSync(join(tmpdir(), 'tensorlm-autotune-bench-'));
process.env.TENSORLM_WEBGPU_AUTOTUNE_FILE = join(scratch, 'webgpu-autotune.json');

async function gflops(backend: WebGPUBackend, n: number): Promise<number> {
  const a = randn([n, n], { seed: 1, backend });
  const b = randn([n, n], { seed: 2, backend });
  const run = async () => {
    (matmul(a, b) as Tensor).dispose();
    await backend.sync();
  };
  await run(); // compiles, and queues the class for tuning (run at this sync)
  const result = await measure(run, { warmup: 1, repetitions: 5 });
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / (result.medianMs * 1e6);
}

const plain = await createWebGPUBackend({ autotune: false });
const tuned = await createWebGPUBackend({ autotune: true });
const report = plain.describe().adapter as Parameters<typeof formatAdapterReport>[0] | undefined;
console.log(`adapter: ${report ? formatAdapterReport(report) : plain.describe().device}`);
const rows: (string | number)[][] = [
  ['W1 matmul N', 'default tiles GFLOP/s', 'autotuned GFLOP/s', 'tuned / default'],
];
for (const n of sizes) {
  const base = await gflops(plain, n);
  const best = await gflops(tuned, n);
  rows.push([n, base.toFixed(1), best.toFixed(1), `${(best / base).toFixed(2)}×`]);
}
console.log(formatTable(rows));
for (const r of tuned.runtime.matmulTuner.results) {
  const timings = Object.entries(r.timings)
    .map(([tile, ms]) => `${tile} ${ms === null ? 'failed' : `${ms.toFixed(2)} ms`}`)
    .join(', ');
  console.log(`${r.shapeClass}: ${r.tile} (${timings})`);
}
rmSync(scratch, { recursive: true, force: true });
process.exit(0);

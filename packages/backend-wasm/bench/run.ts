// `pnpm bench` for the wasm backend: W1 of ../shared/bench/WORKLOADS.md — C = A·B for
// square N in {256, 512, 1024}, GFLOP/s = 2·N³ / seconds, medians of ≥ 5 repetitions
// after a warm-up — on backend-wasm (one thread, and two: a helper thread for matmul)
// and the JS CPU backend side by side in one run (the machine's noise moves all of
// them; compare the ratios).
import '@tensorlm/backend-cpu';
import { formatTable, measure } from '@tensorlm/bench-harness';
import { getBackend, matmul, randn, registerBackend, setBackend } from '@tensorlm/tensor-core';
import { createWasmBackend, nodeWorker } from '../src/index.js';

registerBackend({
  name: 'wasm-2-threads',
  create: async () => {
    const backend = createWasmBackend({ threads: 2, Worker: await nodeWorker() });
    await backend.helper!.ready;
    return backend;
  },
});

const sizes = (process.env.BENCH_SIZES ?? '256,512,1024').split(',').map(Number);

async function gflops(backend: string, n: number): Promise<number> {
  await setBackend(backend);
  const a = randn([n, n], { seed: 1 });
  const b = randn([n, n], { seed: 2 });
  const result = await measure(
    async () => {
      const c = matmul(a, b);
      await c.data(); // includes the read-back, as a user sees it
      c.dispose();
    },
    { warmup: 1, repetitions: 5 },
  );
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / (result.medianMs * 1e6);
}

await setBackend('wasm');
const device = String(getBackend().describe().device);
const rows: (string | number)[][] = [
  ['W1 matmul', 'N', 'wasm 1 thread', 'wasm 2 threads', 'cpu', 'wasm 2t / cpu'],
];
for (const n of sizes) {
  const wasm = await gflops('wasm', n);
  const wasm2 = await gflops('wasm-2-threads', n);
  const cpu = await gflops('cpu', n);
  rows.push(['', n, wasm.toFixed(2), wasm2.toFixed(2), cpu.toFixed(2), `${(wasm2 / cpu).toFixed(1)}×`]);
}
console.log(`backend-wasm: ${device}; GFLOP/s, medians of 5`);
console.log(formatTable(rows));

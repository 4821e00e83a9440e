// `pnpm bench` for the WebGPU backend: W1 of ../shared/bench/WORKLOADS.md (C = A·B,
// square N, GFLOP/s = 2·N³ / seconds, medians of ≥ 5 after a warm-up) on webgpu and cpu
// side by side in one run, and the per-dispatch overhead of a chain of 1000 tiny
// element-wise ops. GPU timings include waiting for the queue to finish. Then the fused
// attention kernel against the composed paths, alone and in W2 / W5 (bench/attention.ts).
// BENCH_ONLY=attention runs only that part; BENCH_ONLY=w1 skips it.
import '@tensorlm/backend-cpu';
import { formatTable, measure } from '@tensorlm/bench-harness';
import { add, getBackend, matmul, randn, setBackend, type Tensor, tidy } from '@tensorlm/tensor-core';
import '../src/index.js';
import { runAttentionBench } from './attention.js';

const only = process.env.BENCH_ONLY;

const sizes = (process.env.W1_SIZES ?? '256,512,1024').split(',').map(Number);
const rows: (string | number)[][] = [['W1 matmul N', 'webgpu GFLOP/s', 'cpu GFLOP/s', 'webgpu / cpu']];

async function gflops(backend: string, n: number): Promise<number> {
  await setBackend(backend);
  const a = randn([n, n], { seed: 1 });
  const b = randn([n, n], { seed: 2 });
  const result = await measure(
    async () => {
      matmul(a, b).dispose();
      await getBackend().sync();
    },
    { warmup: 1, repetitions: 5 },
  );
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / (result.medianMs * 1e6);
}

if (only !== 'attention') await matmulAndDispatch();
if (only !== 'w1') await runAttentionBench();
process.exit(0);

async function matmulAndDispatch(): Promise<void> {
  await setBackend('webgpu');
  const info = getBackend().describe();
  console.log(`webgpu adapter: ${info.device} (dawn backend: ${String(info.dawnBackend)})`);
  for (const n of sizes) {
    const gpu = await gflops('webgpu', n);
    const cpu = await gflops('cpu', n);
    rows.push([n, gpu.toFixed(2), cpu.toFixed(2), `${(gpu / cpu).toFixed(2)}×`]);
  }
  console.log(formatTable(rows));

  const overhead: (string | number)[][] = [['backend', 'ms per tiny op (chain of 1000, one readback)']];
  for (const backend of ['webgpu', 'cpu']) {
    await setBackend(backend);
    const x = randn([4], { seed: 3 });
    const result = await measure(
      async () => {
        const y = tidy(() => {
          let t: Tensor = x;
          for (let i = 0; i < 1000; i++) t = add(t, 1);
          return t;
        });
        await y.data();
        y.dispose();
      },
      { warmup: 1, repetitions: 5 },
    );
    overhead.push([backend, (result.medianMs / 1000).toFixed(4)]);
  }
  console.log(formatTable(overhead));
}

// `pnpm bench` for the CPU backend: W1 of ../shared/bench/WORKLOADS.md — C = A·B for
// square N in {256, 512, 1024}, GFLOP/s = 2·N³ / seconds, medians of ≥ 5 repetitions
// after a warm-up. A naive i-k-j loop on the same arrays runs beside it for the ratio.
import { formatTable, measure } from '@tensorlm/bench-harness';
import { matmul, randn, setBackend } from '@tensorlm/tensor-core';
import '../src/index.js';

function naiveIkj(a: Float32Array, b: Float32Array, c: Float32Array, n: number): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      const row = k * n;
      const out = i * n;
      for (let j = 0; j < n; j++) c[out + j]! += aik * b[row + j]!;
    }
  }
}

await setBackend('cpu');
const rows: (string | number)[][] = [
  ['W1 matmul', 'N', 'tensorlm cpu GFLOP/s', 'naive i-k-j GFLOP/s', 'ratio', 'median ms'],
];
for (const n of [256, 512, 1024]) {
  const a = randn([n, n], { seed: 1 });
  const b = randn([n, n], { seed: 2 });
  const flops = 2 * n ** 3;
  const ours = await measure(
    () => {
      matmul(a, b).dispose();
    },
    { warmup: 1, repetitions: 5 },
  );
  const ah = (await a.data()) as Float32Array;
  const bh = (await b.data()) as Float32Array;
  const ch = new Float32Array(n * n);
  const naive = await measure(() => naiveIkj(ah, bh, ch, n), { warmup: 1, repetitions: 5 });
  const gflops = flops / (ours.medianMs * 1e6);
  const naiveGflops = flops / (naive.medianMs * 1e6);
  rows.push([
    '',
    n,
    gflops.toFixed(2),
    naiveGflops.toFixed(2),
    `${(gflops / naiveGflops).toFixed(1)}×`,
    ours.medianMs.toFixed(1),
  ]);
}
console.log(formatTable(rows));

// `pnpm bench` for nn: a GPT-2-124M-shaped forward pass (12 layers, 12 heads, 768 wide,
// vocab 50257) of 1 × 256 tokens, eval mode, logits included, on webgpu, wasm (1 and 2
// threads) and cpu side by side (TENSORLM_BENCH_BACKENDS=cpu to pick). The same seed gives both backends the same
// weights, so the last position's logits are compared too. Median of ≥ 5 timed runs
// after a warm-up when one run takes under 20 s, else the mean of 2.
import { formatTable, measure } from '@tensorlm/bench-harness';
import { manualSeed, setBackend, slice, tensor, tidy } from '@tensorlm/tensor-core';
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { registerWasmVariants } from '@tensorlm/backend-wasm';
import { GPT2LMHeadModel, gptConfig } from '../src/index.js';

const T = 256;
registerWasmVariants();
const backends = (process.env.TENSORLM_BENCH_BACKENDS ?? 'webgpu,wasm-1t,wasm-2t,cpu').split(',');

const ids = new Int32Array(T);
for (let i = 0, s = 12345; i < T; i++) ids[i] = (s = (s * 1103515245 + 12345) % 2147483648) % 50257;

// Matmul FLOPs: 2·T per weight of every projection and the LM head, plus q·kᵀ and att·v.
const c = 768;
const matmulWeights = 12 * (c * 3 * c + c * c + 2 * c * 4 * c) + 50257 * c;
const flops = 2 * T * matmulWeights + 12 * 2 * 2 * T * T * c;

const rows: (string | number)[][] = [['workload', 'backend', 'forward ms', 'GFLOP/s', 'runs', 'init ms']];
const lastLogits = new Map<string, Float32Array>();

for (const backend of backends) {
  await setBackend(backend);
  manualSeed(0);
  let t0 = performance.now();
  const model = new GPT2LMHeadModel(gptConfig('gpt2')).eval();
  const input = tensor(ids, [1, T], { dtype: 'i32' });
  const initMs = performance.now() - t0;

  /** One forward pass; reading back the last logits makes asynchronous backends finish. */
  async function forward(): Promise<Float32Array> {
    const probe = tidy(() => slice(model.forward(input).logits, [0, -1]));
    const values = (await probe.data()) as Float32Array;
    probe.dispose();
    return values;
  }

  t0 = performance.now();
  lastLogits.set(backend, await forward()); // warm-up, and a probe of how long one pass takes
  const probeMs = performance.now() - t0;

  let medianMs: number;
  let runs: string;
  if (probeMs < 20_000) {
    const m = await measure(forward, { warmup: 0, repetitions: 5 });
    medianMs = m.medianMs;
    runs = `median of ${m.samplesMs.length} after 1 warm-up (min ${m.minMs.toFixed(0)}, max ${m.maxMs.toFixed(0)})`;
  } else {
    const samples: number[] = [];
    for (let i = 0; i < 2; i++) {
      t0 = performance.now();
      await forward();
      samples.push(performance.now() - t0);
    }
    medianMs = (samples[0]! + samples[1]!) / 2;
    runs = 'mean of 2 after 1 warm-up (one pass ≥ 20 s, so fewer repetitions)';
  }
  rows.push([
    `GPT-2 124M forward, 1 × ${T} tokens`,
    backend,
    medianMs.toFixed(0),
    (flops / (medianMs * 1e6)).toFixed(2),
    runs,
    initMs.toFixed(0),
  ]);
  input.dispose();
  model.dispose();
}

console.log(formatTable(rows));
const [first, second] = [...lastLogits.values()];
if (first && second) {
  let worst = 0;
  for (let i = 0; i < first.length; i++) worst = Math.max(worst, Math.abs(first[i]! - second[i]!));
  console.log(`last-position logits, max |${backends[0]} − ${backends[1]}| = ${worst.toExponential(2)}`);
}
process.exit(0);

// `pnpm bench` for the trainer: W2 of ../shared/bench/WORKLOADS.md — one training step
// (forward, backward, AdamW) of the toy-grammar "mini GPT" (vocab 39, 128 positions,
// n_embd 64, 3 layers, 8 heads, GELU tanh, pre-LN, tied head) on a batch of 512 grammar
// sentences padded to 20 tokens — on webgpu, wasm (1 and 2 threads) and cpu side by side
// in one run. Figures are
// tokens/s = 512·20 / median step time (≥ 5 timed steps after a warm-up), GPU time
// including the wait for the queue. The step feeds all 20 positions through the model and
// takes Hugging Face's shifted loss (labels = input_ids), as the seed did.
//
// Env: W2_BACKENDS=webgpu,wasm-1t,wasm-2t,cpu (the default), W2_REPS (default 5), W2_BATCH (default 512).
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { registerWasmVariants } from '@tensorlm/backend-wasm';
import { formatTable, measure } from '@tensorlm/bench-harness';
import { GrammarSampler } from '@tensorlm/datasets';
import { GPT2LMHeadModel } from '@tensorlm/nn';
import {
  crossEntropy,
  getBackend,
  manualSeed,
  memory,
  setBackend,
  type Tensor,
  tidy,
} from '@tensorlm/tensor-core';
import { AdamW, padBatch } from '../src/index.js';
import { GRAMMAR_GPT_CONFIG } from '../test/grammar-gpt.js';

registerWasmVariants();
const backends = (process.env.W2_BACKENDS ?? 'webgpu,wasm-1t,wasm-2t,cpu').split(',');
const repetitions = Number(process.env.W2_REPS ?? 5);
const batchSize = Number(process.env.W2_BATCH ?? 512);
const length = 20;
const tokensPerStep = batchSize * length;

interface Row {
  backend: string;
  device: string;
  medianMs: number;
  minMs: number;
  warmupMs: number;
  loss: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

async function w2(backend: string): Promise<Row> {
  await setBackend(backend);
  const info = getBackend().describe();
  manualSeed(0);
  const model = new GPT2LMHeadModel(GRAMMAR_GPT_CONFIG);
  model.train();
  // torch.optim.AdamW defaults (as the seed), every parameter decayed.
  const optimizer = new AdamW(model.namedParameters(), { lr: 5e-4, betas: [0.9, 0.999], weightDecay: 0.01 });
  const ids = padBatch(new GrammarSampler({ seed: 0 }).batch(batchSize), length, 0);
  let lastLoss: Tensor | null = null;
  const step = async () => {
    lastLoss?.dispose();
    lastLoss = tidy(() => {
      const logits = model.forward(ids).logits; // (B, 20, 39)
      // HF's shift: logits of positions 0…18 against ids 1…19, pad positions included.
      const loss = crossEntropy(logits.slice([null, [0, length - 1]]), ids.slice([null, [1, length]]));
      loss.backward();
      return loss.detach();
    });
    optimizer.step();
    optimizer.zeroGrad();
    await getBackend().sync();
  };
  const t0 = performance.now();
  await step(); // warm-up: pipelines compile, pools fill
  const warmupMs = performance.now() - t0;
  const tensorsBefore = memory().numTensors;
  const result = await measure(step, { warmup: 0, repetitions });
  const tensorsAfter = memory().numTensors;
  const loss = await (lastLoss as Tensor | null)!.item();
  (lastLoss as Tensor | null)?.dispose();
  ids.dispose();
  optimizer.dispose();
  model.dispose();
  return {
    backend,
    device: String(info.device),
    medianMs: result.medianMs,
    minMs: result.minMs,
    warmupMs,
    loss,
    tensorsBefore,
    tensorsAfter,
  };
}

const rows: Row[] = [];
for (const backend of backends) {
  try {
    rows.push(await w2(backend));
  } catch (error) {
    console.log(`${backend}: unavailable (${(error as Error).message})`);
  }
}
console.log(
  `W2: one training step (forward, backward, AdamW) of the mini GPT, batch ${batchSize} × ${length} tokens; median of ${repetitions} after 1 warm-up`,
);
for (const r of rows) console.log(`  ${r.backend}: ${r.device}`);
const table: (string | number)[][] = [
  ['backend', 'tokens/s', 'median ms/step', 'min ms', 'warm-up ms', 'live tensors (before → after)', 'loss'],
];
for (const r of rows) {
  table.push([
    r.backend,
    Math.round((tokensPerStep * 1000) / r.medianMs),
    r.medianMs.toFixed(0),
    r.minMs.toFixed(0),
    r.warmupMs.toFixed(0),
    `${r.tensorsBefore} → ${r.tensorsAfter}`,
    r.loss.toFixed(4),
  ]);
}
console.log(formatTable(table));
const gpu = rows.find((r) => r.backend === 'webgpu');
const cpu = rows.find((r) => r.backend === 'cpu');
if (gpu && cpu) console.log(`webgpu / cpu: ${(cpu.medianMs / gpu.medianMs).toFixed(2)}×`);
const wasm = rows.find((r) => r.backend === 'wasm-1t');
if (gpu && wasm) console.log(`wasm (1 thread) / webgpu: ${(gpu.medianMs / wasm.medianMs).toFixed(2)}×`);
console.log(
  'peers (WORKLOADS.md, same kind of machine): tfjs-cpu 464, tfjs-webgpu 1,975, tfjs-wasm 2 threads 8,218 tokens/s',
);
process.exit(0);

// `pnpm bench` for decoding: W4 of ../shared/bench/WORKLOADS.md — greedy generation with
// a GPT-2-124M-shaped model (random weights from a fixed seed), a 4-token prompt, 50 new
// tokens, batch 1 — as new tokens/s with and without the KV cache, on cpu, wasm (1 and 2
// threads) and webgpu,
// plus a gpt-mini-shaped model (6 layers × 192, GPT-2's vocabulary) on both. A backend
// that cannot hold a model (llvmpipe's 128 MiB storage-binding limit refuses GPT-2's
// token embedding) is reported as such instead of ending the run. Each figure is the
// median of ≥ 5 timed runs after a warm-up when one run takes under 20 s, else the mean
// of 2 after the warm-up (said in the row). Env: W4_BACKENDS=cpu,wasm-1t,wasm-2t,webgpu
// W4_MODELS=gpt2,gpt-mini W4_CACHE=yes,no (the defaults).
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { registerWasmVariants } from '@tensorlm/backend-wasm';
import { formatTable, measure } from '@tensorlm/bench-harness';
import { GPT2LMHeadModel, type GPTPresetName, gptConfig } from '@tensorlm/nn';
import { getBackend, manualSeed, memory, setBackend } from '@tensorlm/tensor-core';
import { generate } from '../src/index.js';

const NEW_TOKENS = 50;
const PROMPT = [464, 2068, 7586, 21831]; // 4 GPT-2 ids ("The quick brown fox")
registerWasmVariants();
const backends = (process.env.W4_BACKENDS ?? 'cpu,wasm-1t,wasm-2t,webgpu').split(',');
const cacheModes = (process.env.W4_CACHE ?? 'yes,no').split(',').map((v) => v === 'yes');
const models: Record<string, { preset: GPTPresetName; label: string }> = {
  gpt2: { preset: 'gpt2', label: 'GPT-2 124M (12×768, vocab 50257)' },
  'gpt-mini': { preset: 'gpt-mini', label: 'gpt-mini (6×192, vocab 50257)' },
};
const chosen = (process.env.W4_MODELS ?? 'gpt2,gpt-mini').split(',');

const rows: (string | number)[][] = [
  ['W4 model', 'backend', 'KV cache', 'new tokens/s', 'ms/token', 'runs', 'init ms'],
];

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 160);
}

/** One timed figure: a probe run (also the warm-up), then ≥ 5 runs, or 2 when a run is long. */
async function timeGeneration(run: () => Promise<void>): Promise<{ ms: number; runs: string }> {
  const t0 = performance.now();
  await run();
  const probeMs = performance.now() - t0;
  if (probeMs < 20_000) {
    const m = await measure(run, { warmup: 0, repetitions: 5 });
    return {
      ms: m.medianMs,
      runs: `median of ${m.samplesMs.length} (min ${m.minMs.toFixed(0)}, max ${m.maxMs.toFixed(0)} ms)`,
    };
  }
  const samples: number[] = [];
  for (let i = 0; i < 2; i++) {
    const t1 = performance.now();
    await run();
    samples.push(performance.now() - t1);
  }
  return { ms: (samples[0]! + samples[1]!) / 2, runs: 'mean of 2 (one run ≥ 20 s)' };
}

for (const name of chosen) {
  const spec = models[name];
  if (!spec) throw new Error(`unknown model '${name}' (known: ${Object.keys(models).join(', ')})`);
  for (const backend of backends) {
    let model: GPT2LMHeadModel | null = null;
    try {
      await setBackend(backend);
      manualSeed(0);
      const t0 = performance.now();
      model = new GPT2LMHeadModel(gptConfig(spec.preset, { vocabSize: 50257, blockSize: 1024 })).eval();
      const initMs = performance.now() - t0;
      for (const useCache of cacheModes) {
        let produced = 0;
        const { ms, runs } = await timeGeneration(async () => {
          const out = await generate(model!, PROMPT, { maxNewTokens: NEW_TOKENS, useCache });
          produced = out.newTokens[0]!.length;
        });
        if (produced !== NEW_TOKENS) throw new Error(`generated ${produced} tokens, expected ${NEW_TOKENS}`);
        rows.push([
          spec.label,
          backend === 'webgpu' ? `webgpu (${String(getBackend().describe().device).split(' ')[0]})` : backend,
          useCache ? 'yes' : 'no',
          ((NEW_TOKENS * 1000) / ms).toFixed(2),
          (ms / NEW_TOKENS).toFixed(1),
          runs,
          initMs.toFixed(0),
        ]);
        console.log(
          formatTable([rows[0]!, rows.at(-1)!])
            .split('\n')
            .at(-1),
        ); // progress
      }
    } catch (error) {
      rows.push([spec.label, backend, '-', 'failed', '-', reason(error), '-']);
      console.log(`${spec.label} on ${backend}: ${reason(error)}`);
    } finally {
      model?.dispose();
    }
  }
}

console.log(
  `\nW4: greedy, prompt ${PROMPT.length} tokens, ${NEW_TOKENS} new tokens, batch 1; live tensors at end: ${memory().numTensors}`,
);
console.log(formatTable(rows));
process.exit(0);

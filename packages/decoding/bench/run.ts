// `pnpm bench` for decoding: W4 of ../shared/bench/WORKLOADS.md — greedy generation with
// a GPT-2-124M-shaped model (random weights from a fixed seed), a 4-token prompt, 50 new
// tokens, batch 1 — as new tokens/s with and without the KV cache, on cpu, wasm (1 and 2
// threads) and webgpu,
// plus a gpt-mini-shaped model (6 layers × 192, GPT-2's vocabulary) on both. A backend
// that cannot hold a model (llvmpipe's 128 MiB storage-binding limit refuses GPT-2's
// token embedding) is reported as such instead of ending the run. The backends' models
// live side by side and their timed runs alternate (round-robin, after one warm-up run
// each), so a machine whose load drifts slows every backend alike; each figure is the
// median of 5 runs when the slowest warm-up took under 20 s, else of 2 (said in the row),
// with the process CPU time per token beside it (every thread: llvmpipe's and wasm's
// workers too), and the ratio of each backend to cpu at the end. Env:
// W4_BACKENDS=cpu,wasm-1t,wasm-2t,webgpu W4_MODELS=gpt2,gpt-mini W4_CACHE=yes,no (the defaults).
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { registerWasmVariants } from '@tensorlm/backend-wasm';
import { formatTable, median } from '@tensorlm/bench-harness';
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
  ['W4 model', 'backend', 'KV cache', 'new tokens/s', 'ms/token', 'CPU ms/token', 'runs', 'init ms'],
];
const ratios: string[] = [];

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 160);
}

interface Entry {
  backend: string;
  model: GPT2LMHeadModel | null;
  initMs: number;
  error?: string;
  wallMs: number[];
  cpuMs: number[];
}

/** One generation on `entry`'s backend: wall and process CPU time (every thread, llvmpipe's too). */
async function timeOne(entry: Entry, useCache: boolean): Promise<{ wall: number; cpu: number }> {
  await setBackend(entry.backend);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await generate(entry.model!, PROMPT, { maxNewTokens: NEW_TOKENS, useCache });
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const produced = out.newTokens[0]!.length;
  if (produced !== NEW_TOKENS) throw new Error(`generated ${produced} tokens, expected ${NEW_TOKENS}`);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

for (const name of chosen) {
  const spec = models[name];
  if (!spec) throw new Error(`unknown model '${name}' (known: ${Object.keys(models).join(', ')})`);
  // Every backend's model lives at once, so the timed runs can alternate between them.
  const entries: Entry[] = [];
  for (const backend of backends) {
    const entry: Entry = { backend, model: null, initMs: 0, wallMs: [], cpuMs: [] };
    entries.push(entry);
    try {
      await setBackend(backend);
      manualSeed(0);
      const t0 = performance.now();
      entry.model = new GPT2LMHeadModel(gptConfig(spec.preset, { vocabSize: 50257, blockSize: 1024 })).eval();
      entry.initMs = performance.now() - t0;
    } catch (error) {
      entry.error = reason(error);
      console.log(`${spec.label} on ${backend}: ${entry.error}`);
    }
  }
  for (const useCache of cacheModes) {
    const live = () => entries.filter((e) => e.error === undefined);
    for (const entry of entries) {
      entry.wallMs = [];
      entry.cpuMs = [];
    }
    // Warm-up (pipelines, pools), which also decides the repetitions.
    let longest = 0;
    for (const entry of live()) {
      try {
        longest = Math.max(longest, (await timeOne(entry, useCache)).wall);
      } catch (error) {
        entry.error = reason(error);
        console.log(`${spec.label} on ${entry.backend}: ${entry.error}`);
      }
    }
    const repetitions = longest < 20_000 ? 5 : 2;
    for (let round = 0; round < repetitions; round++) {
      // Round-robin, starting one later each round: drifting load falls on every backend alike.
      const order = live();
      for (let i = 0; i < order.length; i++) {
        const entry = order[(i + round) % order.length]!;
        try {
          const { wall, cpu } = await timeOne(entry, useCache);
          entry.wallMs.push(wall);
          entry.cpuMs.push(cpu);
        } catch (error) {
          entry.error = reason(error);
        }
      }
    }
    for (const entry of entries) {
      if (entry.error !== undefined || entry.wallMs.length === 0) {
        rows.push([
          spec.label,
          entry.backend,
          useCache ? 'yes' : 'no',
          'failed',
          '-',
          '-',
          entry.error ?? '-',
          '-',
        ]);
        continue;
      }
      await setBackend(entry.backend);
      const ms = median(entry.wallMs);
      const label =
        entry.backend === 'webgpu'
          ? `webgpu (${String(getBackend().describe().device).split(' ')[0]})`
          : entry.backend;
      rows.push([
        spec.label,
        label,
        useCache ? 'yes' : 'no',
        ((NEW_TOKENS * 1000) / ms).toFixed(2),
        (ms / NEW_TOKENS).toFixed(1),
        (median(entry.cpuMs) / NEW_TOKENS).toFixed(1),
        `median of ${entry.wallMs.length} (min ${Math.min(...entry.wallMs).toFixed(0)}, max ${Math.max(...entry.wallMs).toFixed(0)} ms)`,
        entry.initMs.toFixed(0),
      ]);
      console.log(
        formatTable([rows[0]!, rows.at(-1)!])
          .split('\n')
          .at(-1),
      ); // progress
    }
    const cpu = entries.find((e) => e.backend === 'cpu' && e.wallMs.length > 0);
    for (const entry of entries) {
      if (!cpu || entry === cpu || entry.wallMs.length === 0) continue;
      ratios.push(
        `${spec.label}, KV cache ${useCache ? 'yes' : 'no'}: ${entry.backend} / cpu new tokens/s = ${(median(cpu.wallMs) / median(entry.wallMs)).toFixed(2)}×`,
      );
    }
  }
  for (const entry of entries) entry.model?.dispose();
}

console.log(
  `\nW4: greedy, prompt ${PROMPT.length} tokens, ${NEW_TOKENS} new tokens, batch 1; live tensors at end: ${memory().numTensors}`,
);
console.log(formatTable(rows));
if (ratios.length > 0) console.log(`\n${ratios.join('\n')}`);
process.exit(0);

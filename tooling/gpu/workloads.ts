// The GPU run's benchmarks: W1–W5 of ../shared/bench/WORKLOADS.md and the fixed cost of a
// dispatch, each short (a warm-up, then a few timed runs inside a time cap), printed as
// one markdown table headed by the adapter's name, limits and features, the autotuned
// matmul tiles and the load average. Run by tooling/gpu/run.sh; alone:
//   node_modules/.bin/tsx --conditions=source tooling/gpu/workloads.ts [--small]
//     [--backends webgpu,cpu] [--only dispatch,w1,w2,w3,w4,w5] [--w4-model gpt2|gpt-mini] [--out FILE]
// --small shrinks every workload (a dry run on llvmpipe); cpu rows run only the
// workloads that finish on a CPU in the cap (dispatch, W4, and W1 up to N = 1024).
// Imports the packages' sources by path: tooling/ is no workspace package.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import '../../packages/backend-cpu/src/index.js';
import { formatAdapterReport } from '../../packages/backend-webgpu/src/adapter.js';
import '../../packages/backend-webgpu/src/index.js';
import type { WebGPUBackend } from '../../packages/backend-webgpu/src/webgpu-backend.js';
import { GrammarSampler } from '../../packages/datasets/src/index.js';
import { generate } from '../../packages/decoding/src/index.js';
import { BertModel, bertConfig, GPT2LMHeadModel, gptConfig } from '../../packages/nn/src/index.js';
import {
  add,
  crossEntropy,
  getBackend,
  manualSeed,
  matmul,
  randn,
  setBackend,
  slice,
  type Tensor,
  tensor,
  tidy,
} from '../../packages/tensor-core/src/index.js';
import { AdamW, padBatch } from '../../packages/trainer/src/index.js';

const { values: args } = parseArgs({
  options: {
    small: { type: 'boolean', default: false },
    backends: { type: 'string', default: 'webgpu' },
    only: { type: 'string', default: 'dispatch,w1,w2,w3,w4,w5' },
    'w4-model': { type: 'string' },
    out: { type: 'string' },
  },
});
const small = args.small!;
const backends = args.backends!.split(',');
const only = new Set(args.only!.split(','));
const w4Model = args['w4-model'] ?? (small ? 'gpt-mini' : 'gpt2');
if (!['gpt2', 'gpt-mini'].includes(w4Model))
  throw new Error(`--w4-model: '${w4Model}' is not gpt2 or gpt-mini`);

interface Row {
  workload: string;
  backend: string;
  figure: string;
  detail: string;
}
const rows: Row[] = [];
const started = performance.now();
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadBefore = load();

/** Median ms of `run` after `warmup` runs: at most `reps` timed runs, fewer once `capMs` has passed. */
async function timed(
  run: () => Promise<void>,
  { warmup = 1, reps = 5, capMs = 30_000 } = {},
): Promise<{ ms: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  const t0 = performance.now();
  do {
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
  } while (samples.length < reps && performance.now() - t0 < capMs);
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, runs: samples.length };
}

async function attempt(
  workload: string,
  backend: string,
  body: () => Promise<Omit<Row, 'workload' | 'backend'>>,
) {
  try {
    await setBackend(backend);
    manualSeed(0);
    const row = { workload, backend, ...(await body()) };
    rows.push(row);
    console.log(`${row.workload} on ${row.backend}: ${row.figure} (${row.detail})`);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
    rows.push({ workload, backend, figure: 'failed', detail: reason });
    console.log(`${workload} on ${backend}: failed: ${reason}`);
  }
}

async function dispatchCost(): Promise<Omit<Row, 'workload' | 'backend'>> {
  const x = randn([4], { seed: 3 });
  const chain = 1000;
  const { ms, runs } = await timed(async () => {
    const y = tidy(() => {
      let t: Tensor = x;
      for (let i = 0; i < chain; i++) t = add(t, 1);
      return t;
    });
    await y.data();
    y.dispose();
  });
  x.dispose();
  return {
    figure: `${((ms / chain) * 1000).toFixed(1)} µs/op`,
    detail: `chain of ${chain} adds, one readback; median of ${runs}`,
  };
}

async function w1(n: number): Promise<Omit<Row, 'workload' | 'backend'>> {
  const a = randn([n, n], { seed: 1 });
  const b = randn([n, n], { seed: 2 });
  const reps = n >= 4096 ? 10 : 5;
  const { ms, runs } = await timed(
    async () => {
      matmul(a, b).dispose();
      await getBackend().sync();
    },
    // Two warm-ups: the first compiles (and queues the shape class for autotuning, run at its sync).
    { warmup: 2, reps, capMs: 20_000 },
  );
  a.dispose();
  b.dispose();
  const gflops = (2 * n ** 3) / (ms * 1e6);
  const figure = gflops >= 1000 ? `${(gflops / 1000).toFixed(2)} TFLOP/s` : `${gflops.toFixed(1)} GFLOP/s`;
  return { figure, detail: `${ms.toFixed(2)} ms per product; median of ${runs}` };
}

async function w2(): Promise<Omit<Row, 'workload' | 'backend'>> {
  const batch = small ? 64 : 512;
  const length = 20;
  const model = new GPT2LMHeadModel({
    vocabSize: 39,
    blockSize: 128,
    nEmbd: 64,
    nLayer: 3,
    nHead: 8,
  }).train();
  const ids = padBatch(new GrammarSampler({ seed: 0 }).batch(batch), length, 0);
  const { ms, runs } = await timedTrainStep(model, ids, 5e-4, { warmup: 1, reps: 5, capMs: 30_000 });
  return {
    figure: `${Math.round((batch * length * 1000) / ms)} tokens/s`,
    detail: `mini GPT, batch ${batch} × ${length}; ${ms.toFixed(1)} ms/step, median of ${runs}`,
  };
}

/**
 * A train step (next-token loss over every position, backward, AdamW, sync) timed by
 * `timed`; the model, its ids and the optimizer are disposed afterwards.
 */
async function timedTrainStep(
  model: GPT2LMHeadModel,
  ids: Tensor,
  lr: number,
  timing: Parameters<typeof timed>[1],
): Promise<Awaited<ReturnType<typeof timed>>> {
  const length = ids.shape[1]!;
  const optimizer = new AdamW(model.namedParameters(), { lr, weightDecay: 0.01 });
  try {
    return await timed(async () => {
      tidy(() => {
        const logits = model.forward(ids).logits;
        crossEntropy(logits.slice([null, [0, length - 1]]), ids.slice([null, [1, length]])).backward();
      });
      optimizer.step();
      optimizer.zeroGrad();
      await getBackend().sync();
    }, timing);
  } finally {
    ids.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

async function w3(): Promise<Omit<Row, 'workload' | 'backend'>> {
  const [batch, length] = small ? [2, 64] : [2, 256];
  const config = small
    ? gptConfig('gpt-nano', { vocabSize: 512, blockSize: length, qkvBias: false })
    : gptConfig('gpt2', { blockSize: length, qkvBias: false });
  const model = new GPT2LMHeadModel(config).train();
  const data = new Int32Array(batch * length);
  for (let i = 0, s = 7; i < data.length; i++)
    data[i] = (s = (s * 1103515245 + 12345) % 2147483648) % config.vocabSize;
  const ids = tensor(data, [batch, length], { dtype: 'i32' });
  const { ms, runs } = await timedTrainStep(model, ids, 1e-4, { warmup: 1, reps: 3, capMs: 60_000 });
  return {
    figure: `${((batch * length * 1000) / ms).toFixed(1)} tokens/s`,
    detail: `${small ? 'gpt-nano' : 'GPT-2 124M'}, batch ${batch} × ${length}, qkv bias off; ${ms.toFixed(0)} ms/step, median of ${runs}`,
  };
}

async function w4(): Promise<Omit<Row, 'workload' | 'backend'>> {
  const prompt = [464, 2068, 7586, 21831];
  const newTokens = 50;
  const model = new GPT2LMHeadModel(
    gptConfig(w4Model as 'gpt2', { vocabSize: 50257, blockSize: 1024 }),
  ).eval();
  const { ms, runs } = await timed(
    async () => {
      const out = await generate(model, prompt, { maxNewTokens: newTokens, useCache: true });
      if (out.newTokens[0]!.length !== newTokens)
        throw new Error(`generated ${out.newTokens[0]!.length} tokens`);
    },
    { warmup: 1, reps: 5, capMs: 60_000 },
  );
  model.dispose();
  return {
    figure: `${((newTokens * 1000) / ms).toFixed(2)} new tokens/s`,
    detail: `${w4Model}, greedy, KV cache, prompt 4, ${newTokens} new; ${(ms / newTokens).toFixed(1)} ms/token, median of ${runs}`,
  };
}

async function w5(): Promise<Omit<Row, 'workload' | 'backend'>> {
  const length = 128;
  const model = new BertModel(bertConfig(small ? 'bert-tiny' : 'bert-base-uncased')).eval();
  const data = new Int32Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 7919) % 30522;
  const ids = tensor(data, [1, length], { dtype: 'i32' });
  const { ms, runs } = await timed(
    async () => {
      const probe = tidy(() => slice(model.forward(ids).lastHiddenState, [0, -1]));
      await probe.data();
      probe.dispose();
    },
    { warmup: 1, reps: 5, capMs: 30_000 },
  );
  ids.dispose();
  model.dispose();
  return {
    figure: `${(1000 / ms).toFixed(2)} sequences/s`,
    detail: `${small ? 'bert-tiny' : 'BERT-base'}, 1 × ${length}; ${ms.toFixed(1)} ms/forward, median of ${runs}`,
  };
}

const w1Sizes = small ? [256, 512] : [1024, 4096];
for (const backend of backends) {
  const cpu = backend !== 'webgpu';
  if (only.has('dispatch')) await attempt('per-dispatch cost', backend, dispatchCost);
  if (only.has('w1'))
    for (const n of w1Sizes) if (!cpu || n <= 1024) await attempt(`W1 matmul N=${n}`, backend, () => w1(n));
  if (only.has('w2') && !cpu) await attempt('W2 mini-GPT train step', backend, w2);
  if (only.has('w3') && !cpu)
    await attempt(`W3 ${small ? 'gpt-nano' : 'GPT-2 124M'} train step`, backend, w3);
  if (only.has('w4')) await attempt(`W4 ${w4Model} greedy generation`, backend, w4);
  if (only.has('w5') && !cpu) await attempt(`W5 ${small ? 'bert-tiny' : 'BERT-base'} forward`, backend, w5);
}

// The header: the adapter as the device got it, and what the autotuner chose.
const lines: string[] = [];
try {
  await setBackend('webgpu');
  const backend = getBackend() as unknown as WebGPUBackend;
  const info = backend.describe();
  const report = info.adapter as Parameters<typeof formatAdapterReport>[0] | undefined;
  lines.push(`**Adapter:** ${report ? formatAdapterReport(report) : String(info.device)}`);
  const tuned = backend.runtime.matmulTuner.results;
  const describe = (r: (typeof tuned)[number]) =>
    `${r.shapeClass} → ${r.tile} (${Object.entries(r.timings)
      .map(([t, ms]) => `${t} ${ms === null ? 'failed' : ms.toFixed(2)}`)
      .join(', ')} ms)`;
  // Every tuned class goes to the log; the header names the largest products' (W1's among them).
  for (const r of tuned) console.log(`autotune: ${describe(r)}`);
  const size = (c: string) => [...c.matchAll(/[mnk](\d+)/g)].reduce((acc, m) => acc + Number(m[1]), 0);
  const largest = [...tuned].sort((x, y) => size(y.shapeClass) - size(x.shapeClass)).slice(0, 4);
  lines.push(
    `**Matmul autotune:** ${backend.runtime.matmulTuner.enabled ? 'on' : 'off'}${
      tuned.length > 0
        ? `, ${tuned.length} shape classes tuned; the largest: ${largest.map(describe).join('; ')}`
        : ''
    }`,
  );
} catch (error) {
  lines.push(`**Adapter:** none (${(error as Error).message})`);
}
lines.push(
  `**Run:** ${new Date().toISOString()}, node ${process.version}, ${small ? 'small sizes (dry run)' : 'full sizes'}, ${((performance.now() - started) / 1000).toFixed(0)} s; load average before ${loadBefore}, after ${load()}`,
);
lines.push('', '| workload | backend | figure | detail |', '|---|---|---|---|');
for (const r of rows)
  lines.push(`| ${r.workload} | ${r.backend} | ${r.figure} | ${r.detail.replace(/\|/g, '/')} |`);
const markdown = `${lines.join('\n')}\n`;
console.log(`\n${markdown}`);
if (args.out) writeFileSync(args.out, markdown);
process.exit(0);

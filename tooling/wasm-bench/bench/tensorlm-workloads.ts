// The tensorlm side of the bench: W1, W2, W3 and W5 of ../shared/bench/WORKLOADS.md on
// one backend (wasm-1t, wasm-2t or cpu), run as a child of bench/run.ts.
//
// Usage: tsx --conditions=source bench/tensorlm-workloads.ts <backend> <W1,W2,W5[,W3]>
//
// The models are nn's own (GPT2LMHeadModel, BertModel) and the optimizer the trainer's
// AdamW, from their public entries: the bench is its own package because backend-wasm
// cannot depend on them (they depend on it), and the bench must measure what users run.
// - W2: mini GPT train step (dropout 0.1, tied head), loss over all 20 positions with
//   the labels shifted by one, backward, AdamW (lr 5e-4, weight decay 0.01).
// - W3: the same step at the GPT-2 124M shape (qkv bias off), batch 2 × 256, as two
//   micro-batches of one sequence with their gradients summed (4 GiB wasm32 memory).
// - W5: BERT-base forward in eval mode, with the pooler.
import '@tensorlm/backend-cpu';
import { registerWasmVariants, WasmMemoryError } from '@tensorlm/backend-wasm';
import { median } from '@tensorlm/bench-harness';
import { BertModel, GPT2LMHeadModel } from '@tensorlm/nn';
import {
  crossEntropy,
  getBackend,
  manualSeed,
  matmul,
  mul,
  randn,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '@tensorlm/tensor-core';
import { AdamW } from '@tensorlm/trainer';
import { measureCpu, REPETITIONS, report, tokenIds, W2, W3, W5, type WorkloadId } from './shapes.js';

registerWasmVariants();
const backend = process.argv[2] ?? 'wasm-2t';
const workloads = (process.argv[3] ?? 'W1,W2,W5').split(',') as WorkloadId[];
const system = backend === 'cpu' ? 'tensorlm cpu' : `tensorlm ${backend}`;

async function w1(): Promise<void> {
  for (const n of (process.env.BENCH_SIZES ?? '1024').split(',').map(Number)) {
    const a = randn([n, n], { seed: 1 });
    const b = randn([n, n], { seed: 2 });
    const m = await measureCpu(
      async () => {
        const c = matmul(a, b);
        await c.data(); // includes the read-back, as a user sees it
        c.dispose();
      },
      { warmup: 1, repetitions: REPETITIONS },
    );
    a.dispose();
    b.dispose();
    report({
      system,
      workload: 'W1',
      value: (2 * n ** 3) / (m.medianMs * 1e6),
      unit: 'GFLOP/s',
      medianMs: m.medianMs,
      samplesMs: m.samplesMs,
      cpuMs: m.cpuMs,
      detail: `N=${n}`,
    });
  }
}

async function trainStep(id: 'W2' | 'W3'): Promise<void> {
  const s = id === 'W2' ? W2 : W3;
  manualSeed(0);
  const model = new GPT2LMHeadModel({
    vocabSize: s.vocab,
    blockSize: s.positions,
    nEmbd: s.embd,
    nLayer: s.layers,
    nHead: s.heads,
    qkvBias: id === 'W2',
  });
  model.train();
  const optimizer = new AdamW(model.namedParameters(), { lr: 5e-4, weightDecay: 0.01 });
  // W3's batch of 2 × 256 does not fit wasm32's 4 GiB with its activations (GPT-2's
  // weights, gradients and AdamW moments take 2 GiB): it runs as micro-batches of one
  // sequence whose gradients add up (each loss scaled by 1/2), then one AdamW step: the
  // same update and the same work as one batch of two.
  const micro = id === 'W3' ? s.batch : 1;
  const rows = s.batch / micro;
  const ids = Array.from({ length: micro }, (_, i) =>
    tensor(tokenIds(rows * s.length, s.vocab, i + 1), [rows, s.length]),
  );
  let loss = 0;
  const step = async () => {
    let total = 0;
    for (const x of ids) {
      const value = tidy(() => {
        const logits = model.forward(x).logits;
        const l = crossEntropy(logits.slice([null, [0, s.length - 1]]), x.slice([null, [1, s.length]]));
        mul(l, 1 / micro).backward();
        return l.detach();
      });
      total += (await value.item()) / micro;
      value.dispose();
    }
    optimizer.step();
    optimizer.zeroGrad();
    loss = total;
  };
  if (id === 'W3') {
    // W3 fills wasm32's 4 GiB (weights, AdamW moments and gradients take 2 GiB, one
    // sequence's activations 0.6 GiB, plus size-class rounding and pooled blocks): time
    // the steps that fit, the first included (no warm-up), up to WORKLOADS' five.
    const samplesMs: number[] = [];
    let stopped = '';
    for (let i = 0; i < 5 && !stopped; i++) {
      const t0 = performance.now();
      try {
        await step();
        samplesMs.push(performance.now() - t0);
      } catch (error) {
        if (!(error instanceof WasmMemoryError)) throw error;
        stopped = `; step ${i + 1} ran out of wasm32 memory`;
      }
    }
    if (samplesMs.length === 0) throw new Error(`W3: no step fit${stopped}`);
    const medianMs = median(samplesMs);
    report({
      system,
      workload: id,
      value: (s.batch * s.length * 1000) / medianMs,
      unit: 'tokens/s',
      medianMs,
      samplesMs,
      detail: `loss ${loss.toFixed(3)}, ${micro} micro-batches of ${rows}, ${samplesMs.length} step(s) timed, first included${stopped}`,
    });
    return;
  }
  const m = await measureCpu(step, { warmup: 1, repetitions: REPETITIONS });
  report({
    system,
    workload: id,
    value: (s.batch * s.length * 1000) / m.medianMs,
    unit: 'tokens/s',
    medianMs: m.medianMs,
    samplesMs: m.samplesMs,
    cpuMs: m.cpuMs,
    detail: `loss ${loss.toFixed(3)}`,
  });
  for (const x of ids) x.dispose();
  optimizer.dispose();
  model.dispose();
}

async function w5(): Promise<void> {
  manualSeed(0);
  const model = new BertModel({
    vocabSize: W5.vocab,
    hiddenSize: W5.hidden,
    numHiddenLayers: W5.layers,
    numAttentionHeads: W5.heads,
    intermediateSize: W5.intermediate,
    maxPositionEmbeddings: W5.positions,
  });
  model.eval();
  const ids = tensor(tokenIds(W5.batch * W5.length, W5.vocab), [W5.batch, W5.length]);
  const m = await measureCpu(
    async () => {
      const out = tidy(() => {
        const o = model.forward(ids);
        return [o.lastHiddenState, o.poolerOutput!] as Tensor[];
      });
      for (const t of out) {
        await t.data();
        t.dispose();
      }
    },
    { warmup: 1, repetitions: REPETITIONS },
  );
  report({
    system,
    workload: 'W5',
    value: (W5.batch * 1000) / m.medianMs,
    unit: 'seq/s',
    medianMs: m.medianMs,
    samplesMs: m.samplesMs,
    cpuMs: m.cpuMs,
  });
  ids.dispose();
  model.dispose();
}

await setBackend(backend);
console.log(`${system}: ${String(getBackend().describe().device)}`);
for (const w of workloads) {
  if (w === 'W1') await w1();
  else if (w === 'W2' || w === 'W3') await trainStep(w);
  else if (w === 'W5') await w5();
}
process.exit(0);

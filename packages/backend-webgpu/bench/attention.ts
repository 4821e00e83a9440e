// The fused attention kernel measured on this machine's adapter, in one run:
// - the op alone: fused kernels, tensor-core's composed default, and nn's composition
//   that also returns weights (matmul, mask, softmax, matmul: the path before the op);
// - W2 (mini-GPT train step, batch 512 × 20) and W5 (BERT-base forward, 1 × 128) of
//   ../shared/bench/WORKLOADS.md with the fused kernels hidden ("before") and shown
//   ("after"), alternating so load drifts hit both alike. W2 as specified trains with
//   attention dropout 0.1, which the fused kernels apply in place (a hashed mask); a W2
//   row with attention dropout 0 shows the kernels without it.
// - W5 once more, side by side in one run: the cpu backend, webgpu without the fused
//   kernels, and the fused kernels with 1 and with the plan's rows per thread.
// ATTENTION_PARTS=op,w2,w5 picks parts (default all). The nn, trainer and tensor-core
// sources are imported by path (no extra dependency).
import { loadavg } from 'node:os';
import { formatTable } from '@tensorlm/bench-harness';
import {
  type Backend,
  crossEntropy,
  fusedKernelsOf,
  initBackend,
  listBackends,
  manualSeed,
  maskedFill,
  matmul,
  randn,
  registerBackend,
  scaledDotProductAttention,
  setBackend,
  slice,
  softmax,
  sum,
  type Tensor,
  tensor,
  tidy,
  withoutFusedKernels,
} from '@tensorlm/tensor-core';
import { BertModel, bertConfig, GPT2LMHeadModel, MASKED_SCORE } from '../../nn/src/index.js';
import { AdamW } from '../../trainer/src/index.js';
import type { WebGPUBackend } from '../src/index.js';
import { attentionScheduleOverride } from '../src/kernels/attention/index.js';

const parts = new Set((process.env.ATTENTION_PARTS ?? 'op,w2,w5').split(','));

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/**
 * Median ms of `run` after a warm-up: `reps` timed runs, fewer once `capMs` has passed.
 * `lastCpuMs` keeps the median CPU time of this process (llvmpipe's threads included)
 * over the same runs: on a machine others load, wall time grows with their load, CPU
 * time much less.
 */
let lastCpuMs = 0;
async function timed(run: () => Promise<void>, reps = 5, capMs = 30_000): Promise<number> {
  await run();
  const samples: number[] = [];
  const cpu: number[] = [];
  const t0 = performance.now();
  do {
    const t = performance.now();
    const c = process.cpuUsage();
    await run();
    const used = process.cpuUsage(c);
    samples.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  } while (samples.length < reps && performance.now() - t0 < capMs);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  lastCpuMs = median(cpu);
  return median(samples);
}

/** Registers (once) the same device without the fused attention kernels: the "before" backend. */
async function withoutAttention(gpu: WebGPUBackend): Promise<string> {
  const name = 'webgpu-without-attention';
  if (!listBackends().includes(name)) {
    // A separate object (rather than toggling methods on the backend, which changes its
    // hidden class and slows every call on it): the primitives and the other fused kernels.
    const plain = withoutFusedKernels(gpu, name) as Backend;
    const methods = plain as unknown as Record<string, unknown>;
    for (const kernel of fusedKernelsOf(gpu)) {
      if (!kernel.startsWith('attention'))
        methods[kernel] = (gpu[kernel] as (...a: unknown[]) => unknown).bind(gpu);
    }
    registerBackend(plain, { priority: -1 });
  }
  return name;
}

export async function runAttentionBench(): Promise<void> {
  const gpu = (await initBackend('webgpu')) as WebGPUBackend;
  const before = await withoutAttention(gpu);
  const use = (fused: boolean) => setBackend(fused ? 'webgpu' : before);
  console.log(`\nfused attention on ${gpu.describe().device}; load average at start ${load()}`);

  // The op alone ---------------------------------------------------------------------
  if (parts.has('op')) await opBench(use);
  if (parts.has('w2')) await w2Bench(gpu, use);
  if (parts.has('w5')) await w5SideBySide(before);
  console.log(`load average at end ${load()}`);
}

async function opBench(use: (fused: boolean) => Promise<unknown>): Promise<void> {
  const shapes = [
    {
      name: 'GPT-2 train 2×12×256², D64, causal',
      b: 2,
      h: 12,
      t: 256,
      s: 256,
      d: 64,
      causal: true,
      grad: true,
    },
    { name: 'W2 512×8×20², D8, causal', b: 512, h: 8, t: 20, s: 20, d: 8, causal: true, grad: true },
    { name: 'W5 1×12×128², D64, no mask', b: 1, h: 12, t: 128, s: 128, d: 64, causal: false, grad: false },
    { name: 'decode 1×12×1×128, D64', b: 1, h: 12, t: 1, s: 128, d: 64, causal: false, grad: false },
  ];
  const opRows: (string | number)[][] = [
    [
      'attention op (ms, median)',
      'pass',
      'fused kernel',
      'composed default',
      'nn composition (weights)',
      'fused speed-up',
    ],
  ];
  for (const sh of shapes) {
    /** The problem's tensors on the fused backend or on the one without attention. */
    const inputsOn = async (fused: boolean) => {
      await use(fused);
      manualSeed(1);
      const q = randn([sh.b, sh.h, sh.t, sh.d]).requireGrad();
      const k = randn([sh.b, sh.h, sh.s, sh.d]).requireGrad();
      const v = randn([sh.b, sh.h, sh.s, sh.d]).requireGrad();
      const causalMask = tensor(
        Array.from({ length: sh.t * sh.s }, (_, i) =>
          i % sh.s > Math.floor(i / sh.s) + sh.s - sh.t ? 1 : 0,
        ),
        [1, 1, sh.t, sh.s],
        { dtype: 'bool' },
      );
      return { q, k, v, causalMask };
    };
    const sides = { fused: await inputsOn(true), plain: await inputsOn(false) };
    type Side = (typeof sides)['fused'];
    const viaOp = ({ q, k, v }: Side) => scaledDotProductAttention(q, k, v, { causal: sh.causal });
    const viaNn = ({ q, k, v, causalMask }: Side) => {
      let att = matmul(q, k, { transposeB: true }).mul(1 / Math.sqrt(sh.d));
      if (sh.causal) att = maskedFill(att, causalMask, MASKED_SCORE);
      return matmul(softmax(att, -1), v);
    };
    for (const withGrad of sh.grad ? [false, true] : [false]) {
      const step = (f: (side: Side) => Tensor, side: Side) => async () => {
        const { q, k, v } = side;
        const probe = tidy(() => {
          const out = f(side);
          if (withGrad) {
            sum(out).backward();
            return sum(q.grad!).add(sum(k.grad!)).add(sum(v.grad!));
          }
          return sum(out);
        });
        await probe.data();
        probe.dispose();
        for (const x of [q, k, v]) {
          x.grad?.dispose();
          x.grad = null;
        }
      };
      await use(true);
      const fused = await timed(step(viaOp, sides.fused), 5, 20_000);
      await use(false);
      const composed = await timed(step(viaOp, sides.plain), 5, 20_000);
      const nn = await timed(step(viaNn, sides.plain), 5, 20_000);
      opRows.push([
        sh.name,
        withGrad ? 'forward + backward' : 'forward',
        fused.toFixed(2),
        composed.toFixed(2),
        nn.toFixed(2),
        `${(nn / fused).toFixed(2)}× vs nn, ${(composed / fused).toFixed(2)}× vs composed`,
      ]);
      console.log(opRows.at(-1)!.join(' | '));
    }
    for (const side of [sides.fused, sides.plain]) for (const x of Object.values(side)) x.dispose();
  }
  console.log(formatTable(opRows));
}

/** W2 before / after the fused kernels, with and without attention dropout. */
async function w2Bench(gpu: WebGPUBackend, use: (fused: boolean) => Promise<unknown>): Promise<void> {
  const modelRows: (string | number)[][] = [
    ['workload', 'before (composed)', 'after (fused)', 'after / before', 'load'],
  ];
  /** Tokens (or sequences) per second on each side, alternating before / after twice; best of each. */
  const alternate = async (
    build: () => { run: () => Promise<void>; dispose: () => void },
    units: number,
    reps: number,
  ): Promise<[number, number]> => {
    await use(false);
    const plain = build();
    await use(true);
    const fused = build();
    const perSecond: number[] = [];
    for (const on of [false, true, false, true]) {
      await use(on);
      perSecond.push((units * 1000) / (await timed((on ? fused : plain).run, reps, 20_000)));
    }
    plain.dispose();
    fused.dispose();
    return [Math.max(perSecond[0]!, perSecond[2]!), Math.max(perSecond[1]!, perSecond[3]!)];
  };
  const w2 = async (attnPdrop: number) => {
    const [batch, length] = [512, 20];
    const [before, after] = await alternate(
      () => {
        manualSeed(0);
        const model = new GPT2LMHeadModel({
          vocabSize: 39,
          blockSize: 128,
          nEmbd: 64,
          nLayer: 3,
          nHead: 8,
          attnPdrop,
        }).train();
        const optimizer = new AdamW(model.namedParameters(), { lr: 5e-4, weightDecay: 0.01 });
        const data = Int32Array.from({ length: batch * length }, (_, i) => (i * 7919 + 13) % 39);
        const ids = tensor(data, [batch, length], { dtype: 'i32' });
        return {
          run: async () => {
            tidy(() => {
              const logits = model.forward(ids).logits;
              crossEntropy(logits.slice([null, [0, length - 1]]), ids.slice([null, [1, length]])).backward();
            });
            optimizer.step();
            optimizer.zeroGrad();
            await gpu.sync();
          },
          dispose: () => {
            ids.dispose();
            optimizer.dispose();
            model.dispose();
          },
        };
      },
      batch * length,
      3,
    );
    modelRows.push([
      `W2 train step, tokens/s (attention dropout ${attnPdrop})`,
      before.toFixed(0),
      after.toFixed(0),
      `${(after / before).toFixed(2)}×`,
      load(),
    ]);
    console.log(modelRows.at(-1)!.join(' | '));
  };
  await w2(0.1);
  await w2(0);
  console.log(formatTable(modelRows));
}

/** A BERT-base forward (W5) on the current backend: build, run, dispose. */
function bertForward(): { run: () => Promise<void>; dispose: () => void } {
  const length = 128;
  manualSeed(0);
  const model = new BertModel(bertConfig('bert-base-uncased')).eval();
  const ids = tensor(
    Int32Array.from({ length }, (_, i) => (i * 7919) % 30522),
    [1, length],
    { dtype: 'i32' },
  );
  return {
    run: async () => {
      const probe = tidy(() => slice(model.forward(ids).lastHiddenState, [0, -1]));
      await probe.data();
      probe.dispose();
    },
    dispose: () => {
      ids.dispose();
      model.dispose();
    },
  };
}

/**
 * W5 in sequences/s on cpu and on webgpu three ways, in one run: the webgpu variants
 * alternate twice (best of each), the cpu backend (seconds a forward) runs once between.
 */
async function w5SideBySide(withoutAttention: string): Promise<void> {
  const variants: { name: string; backend: string; rows: number | null }[] = [
    { name: 'webgpu, composed attention', backend: withoutAttention, rows: null },
    { name: 'webgpu, fused, 1 query row per thread', backend: 'webgpu', rows: 1 },
    { name: "webgpu, fused, the plan's rows per thread", backend: 'webgpu', rows: null },
  ];
  const best = new Map<string, number>();
  const cpuSeconds = new Map<string, number>();
  const measureOn = async (name: string, backend: string, rows: number | null, reps: number) => {
    await setBackend(backend);
    attentionScheduleOverride.rowsPerThread = rows;
    const forward = bertForward();
    const perSecond = 1000 / (await timed(forward.run, reps, 60_000));
    forward.dispose();
    attentionScheduleOverride.rowsPerThread = null;
    if (perSecond > (best.get(name) ?? 0)) cpuSeconds.set(name, lastCpuMs / 1000);
    best.set(name, Math.max(best.get(name) ?? 0, perSecond));
  };
  for (const round of [0, 1]) {
    for (const v of variants) await measureOn(v.name, v.backend, v.rows, 3);
    if (round === 0) await measureOn('cpu', 'cpu', null, 2);
  }
  const cpu = best.get('cpu')!;
  const rows: (string | number)[][] = [
    ['W5 BERT-base forward 1 × 128', 'sequences/s', '× cpu', 'CPU s a forward (all threads)'],
  ];
  for (const name of ['cpu', ...variants.map((v) => v.name)]) {
    rows.push([
      name,
      best.get(name)!.toFixed(3),
      `${(best.get(name)! / cpu).toFixed(2)}×`,
      cpuSeconds.get(name)!.toFixed(2),
    ]);
  }
  console.log(formatTable(rows));
  console.log(`load average after W5 ${load()}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await import('@tensorlm/backend-cpu');
  await import('../src/index.js');
  await runAttentionBench();
  process.exit(0);
}

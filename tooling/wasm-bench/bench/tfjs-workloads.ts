// The TensorFlow.js side of the bench: W1, W2 and W5 of ../shared/bench/WORKLOADS.md on
// @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK), run as a child of bench/run.ts (one
// tfjs-wasm instance per process: its thread count is fixed when the backend starts).
//
// Usage: tsx bench/tfjs-workloads.ts <threads: 1 | 2> <W1,W2,W5>
//
// Threads under Node: tfjs-backend-wasm turns its threaded build off in Node
// (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE; tfjs issue 3830) and, when it is
// on, hands Emscripten's pthread workers blob: URLs that Node's worker_threads cannot
// load. With 2 threads this script sets the flag and, while the backend starts, maps
// those blob: URLs to files: the pthread worker becomes the worker source that wasm-out/…threaded-simd.worker.js
// exports, behind a prelude that maps the worker's own blob: URL (the main script) to
// wasm-out/…threaded-simd.js, the same Emscripten factory the tfjs bundle inlines.
// With 1 thread it runs the default Node build (SIMD, no threads), as a Node user gets.
//
// The models are written in tfjs ops with random weights, the same shapes and the same
// work as tensorlm's nn models (bench/tensorlm-workloads.ts):
// - W2: mini GPT train step — embeddings + dropout, 3 pre-LN blocks (fused qkv linear,
//   causal softmax attention, attention and residual dropout 0.1, GELU-tanh MLP 4×),
//   final LN, tied head, softmax cross-entropy over all 20 positions (labels shifted by
//   one), gradients of every weight, then one Adam step (tfjs has no AdamW; the decay
//   term is one more multiply-add per weight).
// - W5: BERT-base forward, eval mode — word + position + type embeddings, LN, 12 post-LN
//   layers (q, k, v linears, softmax attention, output dense, FFN 3072 with erf GELU),
//   the pooler; LN through tf.moments.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { measureCpu, REPETITIONS, report, tokenIds, W2, W5, type WorkloadId } from './shapes.js';

const threads = Number(process.argv[2] ?? 1);
const workloads = (process.argv[3] ?? 'W1,W2,W5').split(',') as WorkloadId[];
const system = `tfjs-wasm ${threads}t`;

const require = createRequire(import.meta.url);

/**
 * tfjs-core's Node bundle registers no gradients (the `@tensorflow/tfjs` package imports
 * dist/register_all_gradients, an ESM file with extension-less imports that Node cannot
 * load): bundle it with esbuild (tsx's own copy) and run it. Its copy of the ops shares
 * tfjs's global engine and registries, so the gradients reach the wasm backend.
 */
function registerTfjsGradients(): void {
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as {
    buildSync(options: object): { outputFiles: { text: string }[] };
  };
  const entry = join(
    dirname(require.resolve('@tensorflow/tfjs-core/package.json')),
    'dist/register_all_gradients.js',
  );
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    write: false,
  });
  new Function('require', outputFiles[0]!.text)(createRequire(entry));
}

async function startTfjsWasm(): Promise<void> {
  const wasmOut = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const wasm = (await import(
    '@tensorflow/tfjs-backend-wasm'
  )) as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(threads);
  if (threads === 1) {
    await tf.setBackend('wasm');
    return;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const factory = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const dir = mkdtempSync(join(tmpdir(), 'tfjs-wasm-'));
  const workerFile = join(dir, 'pthread-worker.cjs');
  writeFileSync(
    workerFile,
    `URL.createObjectURL = () => ${JSON.stringify(factory)};\n` +
      (
        require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }
      ).wasmWorkerContents.replace(/\n/g, '\\n'), // as tfjs does: "\n" inside its string literals
  );
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = () => workerFile;
  // tfjs caps its pool at emscripten_num_logical_cores() / 2 (it assumes two hardware
  // threads per core), which is os.cpus().length / 2 in Node: 1 on this 2-core machine.
  const cpus = os.cpus;
  os.cpus = () => [...cpus(), ...cpus()];
  try {
    await tf.setBackend('wasm');
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    rmSync(dir, { recursive: true, force: true });
  }
  const actual = wasm.getThreadsCount();
  if (actual !== threads) throw new Error(`tfjs-wasm started with ${actual} threads, not ${threads}`);
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
  const [rows, inF] = [x.size / x.shape[x.rank - 1]!, x.shape[x.rank - 1]!];
  const y = tf.matMul(tf.reshape(x, [rows, inF]), w as tf.Tensor2D);
  const out = b ? tf.add(y, b) : y;
  return tf.reshape(out, [...x.shape.slice(0, -1), w.shape[1]!]);
}

const geluTanh = (x: tf.Tensor) =>
  tf.mul(
    tf.mul(x, 0.5),
    tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))),
  );
const geluErf = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));

/** (B, T, C) → (B, nh, T, hs). */
const splitHeads = (x: tf.Tensor, heads: number) => {
  const [b, t, c] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, t, heads, c / heads]), [0, 2, 1, 3]);
};
const mergeHeads = (x: tf.Tensor) => {
  const [b, h, t, hs] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * hs]);
};

async function w1(): Promise<void> {
  for (const n of (process.env.BENCH_SIZES ?? '1024').split(',').map(Number)) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    const m = await measureCpu(
      async () => {
        const c = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
        await c.data(); // the read-back included, as on the tensorlm side
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

async function w2(): Promise<void> {
  const { vocab, positions, embd: c, layers, heads, batch, length } = W2;
  const std = 0.02;
  const v = (shape: number[], init: 'randn' | 'zeros' | 'ones' = 'randn') =>
    tf.variable(
      init === 'zeros' ? tf.zeros(shape) : init === 'ones' ? tf.ones(shape) : tf.randomNormal(shape, 0, std),
    );
  const wte = v([vocab, c]);
  const wpe = v([positions, c]);
  const blocks = Array.from({ length: layers }, () => ({
    ln1g: v([c], 'ones'),
    ln1b: v([c], 'zeros'),
    attnW: v([c, 3 * c]),
    attnB: v([3 * c], 'zeros'),
    projW: v([c, c]),
    projB: v([c], 'zeros'),
    ln2g: v([c], 'ones'),
    ln2b: v([c], 'zeros'),
    fcW: v([c, 4 * c]),
    fcB: v([4 * c], 'zeros'),
    fc2W: v([4 * c, c]),
    fc2B: v([c], 'zeros'),
  }));
  const lnfg = v([c], 'ones');
  const lnfb = v([c], 'zeros');
  const ids = tf.tensor2d(tokenIds(batch * length, vocab), [batch, length], 'int32');
  const inputs = tf.slice(ids, [0, 0], [batch, length - 1]);
  const targets = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [batch, length - 1]), [-1]), vocab);
  const t = length - 1;
  const hs = c / heads;
  const causal = tf.linalg.bandPart(tf.ones([t, t]), -1, 0); // 1 on and below the diagonal
  const maskAdd = tf.mul(tf.sub(1, causal), -1e9);
  const inputsOneHot = tf.oneHot(tf.reshape(inputs, [-1]), vocab) as tf.Tensor2D;
  const drop = (x: tf.Tensor) => tf.dropout(x, 0.1);
  const optimizer = tf.train.adam(5e-4, 0.9, 0.999, 1e-8);
  const loss = () => {
    // tfjs-wasm has no UnsortedSegmentSum (gather's gradient): the token embedding is a
    // one-hot matmul (10,240 × 39 × 64, small), positions a slice of wpe.
    const tok = tf.reshape(tf.matMul(inputsOneHot, wte), [batch, t, c]);
    let x = drop(tf.add(tok, tf.slice(wpe, [0, 0], [t, c]))); // (B, T, C)
    for (const p of blocks) {
      const h = layerNorm(x, p.ln1g, p.ln1b, 1e-5);
      const qkv = linear(h, p.attnW, p.attnB);
      const [q, k, vv] = tf.split(qkv, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const att = tf.add(
        tf.mul(tf.matMul(splitHeads(q, heads), splitHeads(k, heads), false, true), 1 / Math.sqrt(hs)),
        maskAdd,
      );
      const y = mergeHeads(tf.matMul(drop(tf.softmax(att)), splitHeads(vv, heads)));
      x = tf.add(x, drop(linear(y, p.projW, p.projB)));
      const h2 = layerNorm(x, p.ln2g, p.ln2b, 1e-5);
      x = tf.add(x, drop(linear(geluTanh(linear(h2, p.fcW, p.fcB)), p.fc2W, p.fc2B)));
    }
    const hf = tf.reshape(layerNorm(x, lnfg, lnfb, 1e-5), [batch * t, c]);
    const logits = tf.matMul(hf, wte, false, true); // tied head
    return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  };
  let last = 0;
  const step = async () => {
    const value = optimizer.minimize(loss, true);
    last = (await value!.data())[0]!;
    value!.dispose();
  };
  const m = await measureCpu(step, { warmup: 1, repetitions: REPETITIONS });
  report({
    system,
    workload: 'W2',
    value: (batch * length * 1000) / m.medianMs,
    unit: 'tokens/s',
    medianMs: m.medianMs,
    samplesMs: m.samplesMs,
    cpuMs: m.cpuMs,
    detail: `loss ${last.toFixed(3)}, ${tf.memory().numTensors} tensors`,
  });
}

async function w5(): Promise<void> {
  const { vocab, positions, hidden: c, layers, heads, intermediate, batch, length } = W5;
  const r = (shape: number[]) => tf.randomNormal(shape, 0, 0.02);
  const z = (n: number) => tf.zeros([n]);
  const o = (n: number) => tf.ones([n]);
  const word = r([vocab, c]);
  const posE = r([positions, c]);
  const typeE = r([2, c]);
  const embLn = [o(c), z(c)] as const;
  const ls = Array.from({ length: layers }, () => ({
    q: [r([c, c]), z(c)] as const,
    k: [r([c, c]), z(c)] as const,
    v: [r([c, c]), z(c)] as const,
    ao: [r([c, c]), z(c)] as const,
    ln1: [o(c), z(c)] as const,
    fi: [r([c, intermediate]), z(intermediate)] as const,
    fo: [r([intermediate, c]), z(c)] as const,
    ln2: [o(c), z(c)] as const,
  }));
  const pooler = [r([c, c]), z(c)] as const;
  const ids = tf.tensor2d(tokenIds(batch * length, vocab), [batch, length], 'int32');
  const pos = tf.range(0, length, 1, 'int32');
  const types = tf.zeros([batch, length], 'int32');
  const hs = c / heads;
  const forward = () =>
    tf.tidy(() => {
      let x = tf.add(tf.add(tf.gather(word, ids), tf.gather(posE, pos)), tf.gather(typeE, types));
      x = layerNorm(x, embLn[0], embLn[1], 1e-12);
      for (const p of ls) {
        const q = splitHeads(linear(x, ...p.q), heads);
        const k = splitHeads(linear(x, ...p.k), heads);
        const v = splitHeads(linear(x, ...p.v), heads);
        const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)));
        const ctx = mergeHeads(tf.matMul(att, v));
        x = layerNorm(tf.add(linear(ctx, ...p.ao), x), p.ln1[0], p.ln1[1], 1e-12);
        const f = linear(geluErf(linear(x, ...p.fi)), ...p.fo);
        x = layerNorm(tf.add(f, x), p.ln2[0], p.ln2[1], 1e-12);
      }
      const cls = tf.reshape(tf.slice(x, [0, 0, 0], [batch, 1, c]), [batch, c]);
      const pooled = tf.tanh(tf.add(tf.matMul(cls, pooler[0] as tf.Tensor2D), pooler[1]));
      return [x, pooled];
    });
  const m = await measureCpu(
    async () => {
      const [x, pooled] = forward();
      await x!.data();
      await pooled!.data();
      x!.dispose();
      pooled!.dispose();
    },
    { warmup: 1, repetitions: REPETITIONS },
  );
  report({
    system,
    workload: 'W5',
    value: (batch * 1000) / m.medianMs,
    unit: 'seq/s',
    medianMs: m.medianMs,
    samplesMs: m.samplesMs,
    cpuMs: m.cpuMs,
  });
}

registerTfjsGradients();
await startTfjsWasm();
console.log(`${system}: tfjs-core ${tf.version_core}, backend ${tf.getBackend()}`);
for (const w of workloads) {
  if (w === 'W1') await w1();
  else if (w === 'W2') await w2();
  else if (w === 'W5') await w5();
}
process.exit(0);

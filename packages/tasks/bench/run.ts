// `pnpm bench` for @tensorlm/tasks: semantic search, in one table.
// Quality — STS-B dev (1,500 pairs; ../shared/data/stsb/dev.tsv): Spearman ρ of BM25, of
//   the sentence-embedding model trained here (`tensorlm train embeddings`), and of their
//   hybrids (RRF and relative-score fusion at the untuned α = ½, and α cross-validated),
//   each for the model's raw vectors, centered, whitened, SIF-weighted and SIF-weighted +
//   whitened (fitted on the dev sentences without their scores); see stsb.ts for how each
//   scores a pair.
// Speed — exact top-10 query latency (median, p99) over 10k and 100k random unit vectors
//   (the model's width) per backend; index build (embedding included) in documents/s over
//   2,000 review sentences; the approximate HNSW index (usearch) at 1M vectors grown from
//   the real embeddings of every sentence in ../shared/data (ann.ts): build time,
//   recall@10 against exact search and latency, per HNSW configuration.
// The model: the run folder TENSORLM_EMBEDDINGS_MODEL (default <repo>/runs/embeddings). If
// it does not exist, the bench makes it first with the default
// `tensorlm train embeddings --file <SST-2 train + validation, rt-polarity> --out <it>`
// (a few minutes on 2 cores). Env: SEARCH_BENCH_BACKENDS (default cpu,wasm,webgpu),
// SEARCH_BENCH_ANN_N (default 1000000; 0 skips), SEARCH_BENCH_HNSW (HNSW builds, default
// 16x128: M 16, efConstruction 128; each is searched with ef 64, 128 and 256),
// TENSORLM_DATA (default <repo>/../shared/data).
// The sentence vectors of the approximate-index figures are cached in <repo>/runs/bench-cache.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-wasm';
import '@tensorlm/backend-webgpu';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '@tensorlm/bench-harness';
import { locateModel } from '@tensorlm/hub-loader';
import { getBackend, memory, setBackend } from '@tensorlm/tensor-core';
import { modelIdentity, pipeline, pipelineEmbedder } from '../src/index.js';
import { approximateFigures, growAround, medianNearestDistance, realVectors } from './ann.js';
import { buildThroughput, exactLatency } from './speed.js';
import {
  bm25PairScores,
  crossValidateAlpha,
  densePairScores,
  hybridPairScores,
  memoizedEmbedder,
  partialSpearman,
  readStsb,
  stsSpearman,
} from './stsb.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const data = resolve(process.env.TENSORLM_DATA ?? join(repo, '../shared/data'));
const modelDir = resolve(process.env.TENSORLM_EMBEDDINGS_MODEL ?? join(repo, 'runs/embeddings'));
const backends = (process.env.SEARCH_BENCH_BACKENDS ?? 'cpu,wasm,webgpu').split(',').filter(Boolean);
const annN = Number(process.env.SEARCH_BENCH_ANN_N ?? 1_000_000);
// HNSW builds as MxEFC (graph degree × candidate list while inserting), comma-separated.
const annBuilds = (process.env.SEARCH_BENCH_HNSW ?? '16x128')
  .split(',')
  .filter(Boolean)
  .map((b) => {
    const [connectivity, expansionAdd] = b.split('x').map(Number);
    if (!Number.isInteger(connectivity) || !Number.isInteger(expansionAdd))
      throw new Error(`SEARCH_BENCH_HNSW: '${b}' is not MxEFC, e.g. 16x128`);
    return { connectivity: connectivity!, expansionAdd: expansionAdd! };
  });
const TRAIN_FILES = [
  'sst2/train.tsv',
  'sst2/validation.tsv',
  'rt-polarity/rt-polarity.pos',
  'rt-polarity/rt-polarity.neg',
];

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 140);
}

if (!existsSync(modelDir)) {
  const args = [
    'train',
    'embeddings',
    '--file',
    TRAIN_FILES.map((f) => join(data, f)).join(','),
    '--out',
    modelDir,
  ];
  console.log(`no embedding model at ${modelDir}: training it with 'tensorlm ${args.join(' ')}'`);
  const run = spawnSync('npx', ['tsx', '--conditions=source', join(repo, 'apps/cli/src/bin.ts'), ...args], {
    cwd: repo,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`training the embedding model failed (exit ${run.status})`);
}

const located = await locateModel(modelDir);
const identity = await modelIdentity(located.folder, modelDir);
const pairs = await readStsb(join(data, 'stsb/dev.tsv'));
const reviews = (await readFile(join(data, 'rt-polarity/rt-polarity.pos'), 'utf8'))
  .split('\n')
  .filter((l) => l.trim() !== '')
  .slice(0, 2000);

const rows: (string | number)[][] = [['figure', 'backend', 'value', 'note']];
const show = (row: (string | number)[]) => {
  rows.push(row);
  console.log(row.join(' | '));
};

// Quality: scores do not depend on the backend (every backend matches the CPU's to 1e-4).
await setBackend('cpu');
const bm25 = bm25PairScores(pairs);
const extractor = await pipeline('feature-extraction', modelDir, { onNote: () => {} });
const embedder = memoizedEmbedder(pipelineEmbedder(extractor, identity));
const width = extractor.dimension;
const note = `${pairs.length} pairs; model ${modelDir} (width ${width})`;
const bm25Rho = stsSpearman(pairs, bm25);
show(['STS-B dev Spearman: BM25', '-', bm25Rho.toFixed(4), 'orientation: TF-IDF cosine ≈ 0.76']);
// Token weights and post-processing are fitted on the 3,000 dev sentences (no labels), as
// an index built over them would be; 'raw' is the model's mean-pooled vectors as they are.
const variants = [
  { tag: 'raw', post: 'none', weighting: 'none' },
  { tag: 'centered', post: 'center', weighting: 'none' },
  { tag: 'whitened', post: 'whiten', weighting: 'none' },
  { tag: 'SIF-weighted', post: 'none', weighting: 'sif' },
  { tag: 'SIF-weighted + whitened', post: 'whiten', weighting: 'sif' },
] as const;
for (const { tag, post, weighting } of variants) {
  const dense = await densePairScores(pairs, embedder, post, weighting);
  const cosines = dense.reduce((a, b) => a + b, 0) / dense.length;
  show([
    `STS-B dev Spearman: embedding model, ${tag}`,
    '-',
    stsSpearman(pairs, dense).toFixed(4),
    `target ≥ 0.60; mean pair cosine ${cosines.toFixed(3)}; ${note}`,
  ]);
  for (const fusion of ['rrf', 'relative-score'] as const) {
    const name = fusion === 'rrf' ? 'RRF k 60' : 'relative score';
    const rho = stsSpearman(pairs, hybridPairScores(dense, bm25, fusion));
    show([
      `STS-B dev Spearman: hybrid (${tag}), ${name}, α ½`,
      '-',
      rho.toFixed(4),
      `the untuned default; target: > BM25 (${rho > bm25Rho ? 'met' : 'not met'})`,
    ]);
    const cv = crossValidateAlpha(pairs, dense, bm25, fusion);
    show([
      `STS-B dev Spearman: hybrid (${tag}), ${name}, α cross-validated`,
      '-',
      `${cv.heldOut.map((r) => r.toFixed(4)).join(' / ')}`,
      `halves (odd / even pairs), α ${cv.alphas.join(' / ')} picked on the other half; BM25 on them ${cv.bm25HeldOut.map((r) => r.toFixed(4)).join(' / ')}`,
    ]);
  }
  show([
    `STS-B dev: partial Spearman, embedding (${tag}) | BM25`,
    '-',
    partialSpearman(pairs, dense, bm25).toFixed(4),
    'what the embedder adds to BM25 (≤ 0: nothing for a fusion to use)',
  ]);
}

extractor.dispose();

// The approximate index's vectors: the same model over every sentence in the data (cached;
// embedded on wasm when it is benched, the fastest backend on a CPU).
let annSource: Awaited<ReturnType<typeof realVectors>> | null = null;
if (annN > 0) {
  await setBackend(backends.includes('wasm') ? 'wasm' : 'cpu');
  const fe = await pipeline('feature-extraction', modelDir, { onNote: () => {} });
  try {
    annSource = await realVectors(data, pipelineEmbedder(fe, identity), join(repo, 'runs/bench-cache'));
  } finally {
    fe.dispose();
  }
}

for (const name of backends) {
  try {
    await setBackend(name);
    const label =
      name === 'webgpu' ? `webgpu (${String(getBackend().describe().device).split(' ')[0]})` : name;
    const fe = await pipeline('feature-extraction', modelDir, { onNote: () => {} });
    try {
      const rate = await buildThroughput(pipelineEmbedder(fe, identity), reviews);
      show([
        `index build, ${reviews.length} reviews`,
        label,
        `${rate.toFixed(0)} docs/s`,
        'embedding + BM25 + vectors',
      ]);
    } finally {
      fe.dispose();
    }
    for (const n of [10_000, 100_000]) {
      const latency = await exactLatency(n, width);
      show([
        `exact top-10 query, ${n.toLocaleString('en-US')} docs`,
        label,
        `median ${latency.medianMs.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms`,
        `${latency.queries} random unit queries, width ${width}; vector search only`,
      ]);
    }
  } catch (error) {
    show(['search speed', name, 'failed', reason(error)]);
  }
}

if (annSource) {
  await setBackend(backends.includes('wasm') ? 'wasm' : 'cpu');
  try {
    const { base, queries, d, sentences } = annSource;
    const spread = await medianNearestDistance(base, d);
    const vectors = growAround(base, d, annN, spread / Math.sqrt(d));
    const ann = await approximateFigures(vectors, queries, d, annBuilds, [64, 128, 256]);
    const what = `${sentences.toLocaleString('en-US')} sentence vectors + noisy copies (σ√d = ${spread.toFixed(3)}, their median nearest-neighbour distance), width ${d}; ${queries.length / d} GLUE SST-2 dev queries`;
    for (const h of ann.hnsw)
      for (const s of h.searches)
        show([
          `HNSW (usearch) ${annN.toLocaleString('en-US')} vectors, M ${h.connectivity}, efC ${h.expansionAdd}, ef ${s.ef}`,
          'native',
          `recall@10 ${s.recallAt10.toFixed(3)}; median ${s.latency.medianMs.toFixed(2)} ms, p99 ${s.latency.p99Ms.toFixed(2)} ms`,
          `built in ${h.buildSeconds.toFixed(0)} s; ${what}`,
        ]);
    show([
      `exact top-10 query, ${annN.toLocaleString('en-US')} docs`,
      getBackend().name,
      `median ${ann.exact.medianMs.toFixed(1)} ms, p99 ${ann.exact.p99Ms.toFixed(1)} ms`,
      `${ann.exact.queries} queries (the recall reference)`,
    ]);
  } catch (error) {
    show([`HNSW ${annN} vectors`, 'native', 'failed', reason(error)]);
  }
}

console.log(`\nsemantic search (live tensors at end: ${memory().numTensors})`);
console.log(formatTable(rows));
process.exit(0);

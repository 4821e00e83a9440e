// `tensorlm train reviews --arch transformer|lstm|both`: a next-word model of movie
// reviews, the notebook's LSTM-versus-transformer comparison made fair. Both
// architectures get the same reviews (SST-2 train + rt-polarity; never the GLUE dev
// sentences), the same word tokenizer (lowercased, punctuation split, words seen fewer
// than --min-count times → [UNK]; [PAD], [EOS]), the same chunks (datasets' makeChunks,
// measured in tokens), the same windows in the same order, the same token budget and the
// same AdamW. Each run is an ordinary run folder (train-folder.ts): best checkpoint kept,
// early stopping on the validation loss. `--arch both` adds one SVG with both learning
// curves by tokens seen and a table (validation perplexity, parameters, tokens/s, wall time).
import { resolve } from 'node:path';
import { makeChunks, SlidingWindowDataset, type TextWindow } from '@tensorlm/datasets';
import {
  GPT2LMHeadModel,
  type GPTConfig,
  gptConfig,
  LSTMLanguageModel,
  type LSTMLMConfig,
  lstmLmConfig,
  type Module,
  writeFileAtomic,
} from '@tensorlm/nn';
import { manualSeed, tensor } from '@tensorlm/tensor-core';
import { WordTokenizer } from '@tensorlm/tokenizers';
import {
  causalLmLoss,
  datasetSource,
  type LmBatch,
  lossCurveSvg,
  lossCurvesSvg,
  NonFiniteLossError,
  stopOnSignals,
  Trainer,
  type TrainResult,
} from '@tensorlm/trainer';
import { z } from 'zod';
import type { CommandIO } from '../command.js';
import { CommandFailure, UsageError } from '../errors.js';
import { DEFAULT_DATA_DIR, readReviewCorpus, resolveDataSource } from './reviews-data.js';
import {
  checkResumeMatches,
  openTrainingFolder,
  type RunPlan,
  resumeCommandLine,
  TrainingInterrupted,
  writeRunFiles,
} from './train-folder.js';

export type ReviewArch = 'transformer' | 'lstm';

export interface ReviewOptions {
  arch: string;
  data?: string | undefined;
  out?: string | undefined;
  tokens?: number | undefined;
  context?: number | undefined;
  'batch-size'?: number | undefined;
  lr?: number | undefined;
  'min-count'?: number | undefined;
  'eval-interval'?: number | undefined;
  'eval-iters': number;
  patience?: number | undefined;
  seed: number;
  resume: boolean;
  overwrite: boolean;
}

/**
 * The defaults: sized so `--arch both` finishes inside 15 minutes on 2 CPU cores with the
 * wasm backend (about 1.2 s per step of 1,024 tokens; measured at 32 × 32).
 */
export const REVIEW_DEFAULTS = {
  tokens: 200_000,
  // 64 positions: a GLUE dev sentence is up to ~60 tokens, and the sentiment classifier
  // built on this model sees no more positions than it was trained with.
  context: 64,
  batchSize: 16,
  lr: 2e-3,
  minCount: 5,
  patience: 4,
  /** Reviews held out for validation. */
  valShare: 0.05,
  /** Longest chunk in tokens (makeChunks' maxSeqLen). */
  maxChunk: 64,
  // Both 128 wide with the head tied to the embedding: about the same parameters.
  transformer: { nEmbd: 128, nLayer: 2, nHead: 4 },
  lstm: { embeddingSize: 128, hiddenSize: 128, numLayers: 1, tieWordEmbeddings: true },
} as const;

export interface ReviewRunSummary {
  arch: ReviewArch;
  runDir: string;
  parameters: number;
  result: TrainResult;
  /** exp(best validation loss). */
  bestValPerplexity: number | null;
  wallSeconds: number;
}

export interface ReviewData {
  tokenizer: WordTokenizer;
  train: SlidingWindowDataset;
  val: SlidingWindowDataset;
  documents: number;
  trainTokens: number;
  valTokens: number;
  files: string[];
  droppedDevSnippets: number;
}

/** A seeded shuffle of 0…n−1 (mulberry32), so the split is the same for every architecture. */
function shuffled(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Reads, splits (by review, seeded), tokenizes (vocabulary from the training reviews only)
 * and chunks the corpus; each chunk ends with [EOS] and the chunks are packed into windows
 * of `context` next-word pairs (Hugging Face's group_texts), so no step is spent on padding.
 */
export async function prepareReviewData(
  source: string,
  options: { minCount: number; context: number; seed: number },
): Promise<ReviewData> {
  const corpus = await readReviewCorpus(source);
  const order = shuffled(corpus.documents.length, options.seed + 1);
  const nVal = Math.max(1, Math.round(corpus.documents.length * REVIEW_DEFAULTS.valShare));
  const valDocs = order.slice(0, nVal).map((i) => corpus.documents[i]!);
  const trainDocs = order.slice(nVal).map((i) => corpus.documents[i]!);
  const tokenizer = WordTokenizer.train(trainDocs, {
    specialTokens: { pad: '[PAD]', unk: '[UNK]', eos: '[EOS]' },
    standardize: { lowercase: true },
    split: 'punctuation',
    minFreq: options.minCount,
    appendEos: true,
  });
  const encoder = { encode: (s: string) => tokenizer.encode(s, { addSpecialTokens: false }) };
  const stream = (docs: string[]): number[] => {
    const ids: number[] = [];
    for (const doc of docs)
      for (const chunk of makeChunks(doc, { maxSeqLen: REVIEW_DEFAULTS.maxChunk, minSeqLen: 1, encoder }))
        ids.push(...tokenizer.encode(chunk));
    return ids;
  };
  const trainIds = stream(trainDocs);
  const valIds = stream(valDocs);
  const windows = (ids: number[], what: string) => {
    if (ids.length <= options.context)
      throw new CommandFailure(
        'CLI_DATA_TOO_SMALL',
        `${corpus.files.join(', ')}: the ${what} split has ${ids.length} tokens, too few for one window of ${options.context + 1}; use a smaller --context or more reviews`,
      );
    return new SlidingWindowDataset(ids, { maxLength: options.context, stride: options.context });
  };
  return {
    tokenizer,
    train: windows(trainIds, 'training'),
    val: windows(valIds, 'validation'),
    documents: corpus.documents.length,
    trainTokens: trainIds.length,
    valTokens: valIds.length,
    files: corpus.files,
    droppedDevSnippets: corpus.droppedDevSnippets ?? 0,
  };
}

function collate(context: number) {
  return (items: TextWindow[]): LmBatch => {
    const stack = (pick: (w: TextWindow) => Int32Array) => {
      const data = new Int32Array(items.length * context);
      for (const [i, w] of items.entries()) data.set(pick(w), i * context);
      return tensor(data, [items.length, context], { dtype: 'i32' });
    };
    return { input: stack((w) => w.input), target: stack((w) => w.target) };
  };
}

export function transformerConfig(vocabSize: number, context: number): GPTConfig {
  return gptConfig({
    ...REVIEW_DEFAULTS.transformer,
    vocabSize,
    blockSize: context,
    embdPdrop: 0.1,
    residPdrop: 0.1,
    attnPdrop: 0.1,
  });
}

export function lstmConfig(vocabSize: number): LSTMLMConfig {
  return lstmLmConfig({ ...REVIEW_DEFAULTS.lstm, vocabSize, dropout: 0.1 });
}

function buildModel(
  arch: ReviewArch,
  vocabSize: number,
  context: number,
): Module & { forward: (ids: never) => unknown } {
  return arch === 'transformer'
    ? new GPT2LMHeadModel(transformerConfig(vocabSize, context))
    : new LSTMLanguageModel(lstmConfig(vocabSize));
}

/** The LSTM's config.json fields a resumed checkpoint must match (its names are not GPT-2's). */
function lstmConfigFields(vocabSize: number): Record<string, number> {
  const c = lstmConfig(vocabSize);
  return {
    vocab_size: vocabSize,
    embedding_size: c.embeddingSize,
    hidden_size: c.hiddenSize,
    num_layers: c.numLayers,
    max_length: c.maxLength,
  };
}

/** Option values the resume hint leaves out (they are the defaults). */
const RESUME_DEFAULTS = { seed: 0, 'eval-iters': 4, backend: 'auto', verbose: false, help: false };

function modelShape(arch: ReviewArch, vocabSize: number, context: number): RunPlan['model'] {
  if (arch === 'transformer') {
    const c = transformerConfig(vocabSize, context);
    return { vocabSize, blockSize: c.blockSize, nEmbd: c.nEmbd, nLayer: c.nLayer, nHead: c.nHead };
  }
  const c = lstmConfig(vocabSize);
  return { vocabSize, blockSize: c.maxLength, nEmbd: c.hiddenSize, nLayer: c.numLayers, nHead: 1 };
}

function runDirOf(arch: ReviewArch, opts: ReviewOptions, both: boolean): string {
  if (!both) return resolve(opts.out ?? `runs/reviews-${arch}`);
  return resolve(`${opts.out ?? 'runs/reviews'}-${arch}`);
}

async function trainOne(
  arch: ReviewArch,
  data: ReviewData,
  opts: ReviewOptions,
  runDir: string,
  io: CommandIO,
  progress: { write: (text: string) => void; isTTY: boolean },
): Promise<ReviewRunSummary> {
  const context = opts.context ?? REVIEW_DEFAULTS.context;
  const batchSize = Math.min(opts['batch-size'] ?? REVIEW_DEFAULTS.batchSize, data.train.length);
  const tokens = opts.tokens ?? REVIEW_DEFAULTS.tokens;
  const steps = Math.max(1, Math.ceil(tokens / (batchSize * context)));
  const vocabSize = data.tokenizer.vocabSize;
  const plan: RunPlan = {
    runDir,
    task: { task: 'reviews', tokenizer: 'word' },
    tokenizer: data.tokenizer,
    model: modelShape(arch, vocabSize, context),
    ...(arch === 'lstm' ? { configFields: lstmConfigFields(vocabSize) } : {}),
  };
  const folder = await openTrainingFolder(runDir, opts, io);
  let model: Module | null = null;
  try {
    // A resumed run must be this architecture, tokenizer and shape: checked before any write.
    await checkResumeMatches(folder, plan);
    await folder.begin();
    await writeRunFiles(plan);
    manualSeed(opts.seed);
    model = buildModel(arch, vocabSize, context);
    const parameters = model.numParameters();
    const what = arch === 'transformer' ? 'a small GPT (GPT2LMHeadModel)' : 'an LSTM LM (LSTMLanguageModel)';
    io.out(`${arch}: ${what}, ${parameters.toLocaleString('en-US')} parameters; run folder ${runDir}`);
    const source = (windows: SlidingWindowDataset, seed: number) =>
      datasetSource<TextWindow, LmBatch>(windows, {
        batchSize: Math.min(batchSize, windows.length),
        seed,
        collate: collate(context),
      });
    const evalInterval = opts['eval-interval'] ?? Math.max(1, Math.floor(steps / 12));
    const trainer = new Trainer<Module, LmBatch>(
      {
        model,
        // The same seeds for both architectures: the same windows in the same order.
        train: source(data.train, opts.seed),
        val: source(data.val, opts.seed + 1),
        loss: causalLmLoss() as never,
        progress,
        runFolder: folder,
        tokenizer: data.tokenizer,
      },
      {
        maxSteps: steps,
        lr: opts.lr ?? REVIEW_DEFAULTS.lr,
        optimizer: { betas: [0.9, 0.999], weightDecay: 0.01, decay: 'all' },
        evalInterval,
        evalIters: Math.min(opts['eval-iters'], Math.max(1, Math.floor(data.val.length / batchSize))),
        earlyStopping: { patience: opts.patience ?? REVIEW_DEFAULTS.patience },
        checkpointDir: runDir,
        resume: opts.resume ? 'latest' : false,
        seed: opts.seed,
        gradClip: 1,
        logInterval: Math.max(1, Math.floor(steps / 20)),
      },
    );
    const watch = stopOnSignals(trainer, { log: (line) => io.out(line) });
    const started = performance.now();
    let result: TrainResult;
    try {
      result = await trainer.run();
    } catch (error) {
      if (error instanceof NonFiniteLossError)
        throw new CommandFailure('CLI_TRAINING_DIVERGED', error.message, { cause: error });
      throw error;
    } finally {
      watch.dispose();
    }
    const wallSeconds = (performance.now() - started) / 1000;
    if (watch.signal) {
      // With --arch both, the hint resumes both (a finished one is left as it is).
      const given = { ...opts } as Record<string, unknown>;
      const again =
        opts.arch === 'both'
          ? resumeCommandLine('reviews', resolve(opts.out ?? 'runs/reviews'), given, RESUME_DEFAULTS)
          : resumeCommandLine('reviews', runDir, given, RESUME_DEFAULTS);
      io.out(`to continue: ${again}`);
      throw new TrainingInterrupted(
        watch.signal,
        `stopped by ${watch.signal} at step ${result.step}; ${result.lastCheckpoint ? `saved ${result.lastCheckpoint}` : 'no checkpoint was saved'}. Continue with: ${again}`,
      );
    }
    await writeFileAtomic(
      resolve(runDir, 'loss.svg'),
      lossCurveSvg(curves(result), { title: `${arch}: training and validation loss` }),
    );
    const bestValPerplexity = result.bestValLoss === null ? null : Math.exp(result.bestValLoss);
    io.out(
      `${arch}: ${result.step} steps, ${result.tokensSeen.toLocaleString('en-US')} tokens in ${wallSeconds.toFixed(0)} s ` +
        `(${Math.round(result.tokensPerSecond).toLocaleString('en-US')} tokens/s); stopped: ${result.stopReason}; ` +
        `best validation perplexity ${bestValPerplexity?.toFixed(1) ?? '—'}`,
    );
    return { arch, runDir, parameters, result, bestValPerplexity, wallSeconds };
  } finally {
    model?.dispose();
    await folder.close();
  }
}

function curves(result: TrainResult) {
  return {
    train: result.history.train.map((r) => ({ step: r.step, loss: r.loss, tokens: r.tokens })),
    val: result.history.val.map((r) => ({ step: r.step, loss: r.loss, tokens: r.tokens })),
  };
}

/** The comparison table, one row per architecture. */
export function reviewTable(runs: readonly ReviewRunSummary[]): string[] {
  const rows = [
    ['model', 'parameters', 'tokens', 'tokens/s', 'best val ppl', 'wall s'],
    ...runs.map((r) => [
      r.arch,
      r.parameters.toLocaleString('en-US'),
      r.result.tokensSeen.toLocaleString('en-US'),
      Math.round(r.result.tokensPerSecond).toLocaleString('en-US'),
      r.bestValPerplexity?.toFixed(1) ?? '—',
      r.wallSeconds.toFixed(0),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map(
    (r) =>
      `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`,
  );
  // A Markdown table: the rule under the header, numbers right-aligned.
  const rule = `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [lines[0]!, rule, ...lines.slice(1)];
}

export async function trainReviews(
  opts: ReviewOptions,
  io: CommandIO,
  progress: { write: (text: string) => void; isTTY: boolean },
): Promise<{ runs: ReviewRunSummary[]; comparison: string | null }> {
  if (!['transformer', 'lstm', 'both'].includes(opts.arch))
    throw new UsageError(`--arch must be transformer, lstm or both, got '${opts.arch}'`);
  const source = resolveDataSource(opts.data);
  const context = opts.context ?? REVIEW_DEFAULTS.context;
  const data = await prepareReviewData(source, {
    minCount: opts['min-count'] ?? REVIEW_DEFAULTS.minCount,
    context,
    seed: opts.seed,
  });
  io.out(
    `reviews: ${data.documents.toLocaleString('en-US')} from ${data.files.join(', ')}; vocabulary ${data.tokenizer.vocabSize.toLocaleString('en-US')} words ` +
      `(seen ≥ ${opts['min-count'] ?? REVIEW_DEFAULTS.minCount} times); ${data.trainTokens.toLocaleString('en-US')} training and ${data.valTokens.toLocaleString('en-US')} validation tokens` +
      (data.droppedDevSnippets
        ? `; ${data.droppedDevSnippets.toLocaleString('en-US')} rt-polarity snippets left out (they hold GLUE dev sentences)`
        : ''),
  );
  const archs: ReviewArch[] = opts.arch === 'both' ? ['lstm', 'transformer'] : [opts.arch as ReviewArch];
  const both = archs.length > 1;
  const runs: ReviewRunSummary[] = [];
  for (const arch of archs)
    runs.push(await trainOne(arch, data, opts, runDirOf(arch, opts, both), io, progress));
  let comparison: string | null = null;
  if (both) {
    comparison = resolve(`${opts.out ?? 'runs/reviews'}-comparison.svg`);
    const series = runs.flatMap((r) => {
      const c = curves(r.result);
      return [
        { name: `${r.arch} training`, points: c.train, group: r.arch },
        { name: `${r.arch} validation`, points: c.val, group: r.arch, dashed: true },
      ];
    });
    await writeFileAtomic(
      comparison,
      lossCurvesSvg(series, { title: 'LSTM vs transformer on reviews: loss by tokens seen' }),
    );
    io.out(`learning curves: ${comparison}`);
  }
  for (const line of reviewTable(runs)) io.out(line);
  io.out(
    `next: tensorlm generate --model ${runs[0]!.runDir} --prompt "this movie" --top-p 0.9 --temperature 0.8`,
  );
  return { runs, comparison };
}

/** The options only `train reviews` takes (spread into train.ts's option schema). */
export const reviewsOptionShape = {
  arch: z.string().min(1).default('both'),
  data: z.string().min(1).optional(),
  tokens: z.coerce.number().int().positive().optional(),
  'min-count': z.coerce.number().int().positive().optional(),
  patience: z.coerce.number().int().positive().optional(),
};
export const REVIEWS_ONLY_OPTIONS = ['arch', 'data', 'tokens', 'min-count', 'patience'] as const;

export const REVIEWS_HELP = `reviews (tensorlm train reviews [--arch transformer|lstm|both]):
  a next-word model of movie reviews (SST-2 train + rt-polarity; never the GLUE dev set).
  transformer = a small GPT (GPT2LMHeadModel: ${REVIEW_DEFAULTS.transformer.nLayer} layers, ${REVIEW_DEFAULTS.transformer.nHead} heads, width ${REVIEW_DEFAULTS.transformer.nEmbd});
  lstm = an LSTM LM (embedding ${REVIEW_DEFAULTS.lstm.embeddingSize} → LSTM ${REVIEW_DEFAULTS.lstm.hiddenSize} → linear head).
  Both get the same tokenizer, windows, token budget and AdamW; both = each, then one SVG
  of both learning curves (<out>-comparison.svg) and a table.
  --arch A             transformer, lstm or both (default both)
  --data DIR|FILE      a folder with sst2/train.tsv and rt-polarity/, or one file of reviews
                       (default ${DEFAULT_DATA_DIR} when present)
  --tokens N           training tokens per model (default ${REVIEW_DEFAULTS.tokens.toLocaleString('en-US')})
  --context N          tokens per window (default ${REVIEW_DEFAULTS.context})
  --min-count N        words seen fewer times become [UNK] (default ${REVIEW_DEFAULTS.minCount})
  --patience N         stop after N evaluations without a better validation loss (default ${REVIEW_DEFAULTS.patience})
  --out P              run folder (default runs/reviews-<arch>; with both: P-lstm, P-transformer)`;

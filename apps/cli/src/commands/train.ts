// `tensorlm train grammar | text`: the seeds' two training notebooks as commands.
// grammar — the mini GPT (vocab 39, embd 64, 3 layers, 8 heads) on the toy grammar with
//   AdamW at 5e-4, batches of 512 sentences padded to 20 tokens; then it samples from
//   "the dog" and says how many samples the grammar accepts, and clusters the learned
//   token embeddings (k-means, k = 7).
// text — a GPT preset (gpt-nano … gpt2) on a text file with the GPT-2 or a character
//   tokenizer, windows of `context + 1` tokens (Raschka's / Karpathy's setups).
// Both write a run folder: checkpoints (best and latest, resumable; each a Hugging Face
// folder with the tokenizer), the tokenizer, the task and loss.svg; `tensorlm generate
// --model <run>` continues from it. Every check
// (options, corpus, memory, the run folder, a resumed run's task, tokenizer and shape)
// comes before the first write (see train-folder.ts). Ctrl-C saves a checkpoint, prints
// how to resume and exits 130 (SIGTERM: 143).
import { resolve } from 'node:path';
import {
  Grammar,
  GrammarSampler,
  SEED_GRAMMAR,
  SlidingWindowDataset,
  type TextWindow,
} from '@tensorlm/datasets';
import { generate } from '@tensorlm/decoding';
import { GPT_PRESETS, GPT2LMHeadModel, type GPTPresetName, gptConfig, type Module } from '@tensorlm/nn';
import { manualSeed, noGrad, tensor } from '@tensorlm/tensor-core';
import { CharTokenizer, type Tokenizer, WordTokenizer } from '@tensorlm/tokenizers';
import {
  type BatchSource,
  causalLmLoss,
  causalLmTrainer,
  datasetSource,
  kmeans,
  type LmBatch,
  NonFiniteLossError,
  type RunFolder,
  stopOnSignals,
  Trainer,
  type TrainResult,
  tokenBatchSource,
  writeLossCurveSvg,
} from '@tensorlm/trainer';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
import { backendOption, chooseBackend } from '../backend.js';
import { readTextCorpus } from '../checks/corpus.js';
import { checkMemoryBeforeTraining } from '../checks/memory.js';
import { type CommandIO, defineCommand } from '../command.js';
import { CommandFailure } from '../errors.js';
import { describeGrammarLosses, GRAMMAR_GPT_CONFIG, GRAMMAR_LOSS, grammarLosses } from '../grammar-setup.js';
import { resolveTokenizer } from './tokenize.js';
import {
  EMBEDDINGS_HELP,
  EMBEDDINGS_ONLY_OPTIONS,
  embeddingsOptionShape,
  trainEmbeddings,
} from './train-embeddings.js';
import {
  checkResumeMatches,
  openTrainingFolder,
  type RunPlan,
  resumeCommandLine,
  TrainingInterrupted,
  writeRunFiles,
} from './train-folder.js';
import { MLM_HELP, MLM_OPTIONS, trainMlm } from './train-mlm.js';
import { REVIEWS_HELP, REVIEWS_ONLY_OPTIONS, reviewsOptionShape, trainReviews } from './train-reviews.js';
import {
  SENTIMENT_HELP,
  SENTIMENT_ONLY_OPTIONS,
  SENTIMENT_SWITCHES,
  sentimentOptionShape,
  trainSentiment,
} from './train-sentiment.js';

const options = z.object({
  steps: z.coerce.number().int().positive().max(10_000_000).optional(),
  'batch-size': z.coerce.number().int().positive().max(65_536).optional(),
  lr: z.coerce.number().positive().optional(),
  seed: z.coerce.number().int().nonnegative().default(0),
  out: z.string().min(1).optional(),
  backend: backendOption,
  'eval-interval': z.coerce.number().int().nonnegative().optional(),
  'eval-iters': z.coerce.number().int().positive().default(4),
  resume: switchOption.default(false),
  overwrite: switchOption.default(false),
  'save-every': z.coerce.number().int().positive().optional(),
  samples: z.coerce.number().int().nonnegative().max(10_000).default(200),
  // text only
  file: z.string().min(1).optional(),
  // text: gpt2 and gpt-mini; mlm: its own (see train-mlm.ts), hence no default here.
  tokenizer: z.string().min(1).optional(),
  config: z.string().min(1).optional(),
  context: z.coerce.number().int().min(2).optional(),
  dropout: z.coerce.number().min(0).lt(1).optional(),
  ...embeddingsOptionShape,
  ...reviewsOptionShape,
  ...sentimentOptionShape,
});

type TrainOptions = z.infer<typeof options>;

export interface TrainCommandResult {
  result: TrainResult;
  runDir: string;
  /** grammar: the held-out losses both ways, the samples and how many parse. */
  losses?: { padIncluded: number; padIgnored: number };
  samples?: string[];
  accepted?: number;
  clusters?: string[][];
}

/** The trainer's progress output: a redrawn bar with ETA on a terminal, plain lines elsewhere. */
function progressWriter(io: CommandIO) {
  const columns = typeof process !== 'undefined' ? process.stdout.columns : undefined;
  return {
    write: (text: string) => (io.write ? io.write(text) : io.out(text.replace(/\n$/, ''))),
    isTTY: io.isTTY === true && io.write !== undefined,
    ...(columns ? { columns } : {}),
  };
}

async function plot(runDir: string, result: TrainResult, io: CommandIO): Promise<void> {
  const train = result.history.train.map((r) => ({ step: r.step, loss: r.loss, tokens: r.tokens }));
  if (train.length === 0) return;
  const val = result.history.val.map((r) => ({ step: r.step, loss: r.loss, tokens: r.tokens }));
  const path = resolve(runDir, 'loss.svg');
  await writeLossCurveSvg(path, { train, val }, { title: 'training and validation loss' });
  io.out(`loss curve: ${path}`);
}

function summary(result: TrainResult, io: CommandIO): void {
  const minutes = result.elapsedMs / 60_000;
  io.out(
    `${result.step} steps, ${result.tokensSeen.toLocaleString('en-US')} tokens in ${minutes.toFixed(1)} min ` +
      `(${Math.round(result.tokensPerSecond).toLocaleString('en-US')} tokens/s); stopped: ${result.stopReason}`,
  );
}

/**
 * The part both trainings share once everything is checked: the run folder opened, the
 * resume compared, the files written; then training with Ctrl-C handled. `build` makes the
 * model and its trainer (after the checks, so nothing is allocated for a refused run).
 * A signal stops training with a checkpoint, the plot and the resume hint, then throws
 * TrainingInterrupted (exit 130 / 143).
 */
async function trainInRunFolder<M extends Module, B = LmBatch>(
  what: string,
  opts: TrainOptions,
  plan: RunPlan,
  io: CommandIO,
  build: (folder: RunFolder) => { model: M; trainer: Trainer<M, B> },
): Promise<{ model: M; result: TrainResult }> {
  const folder = await openTrainingFolder(plan.runDir, opts, io);
  let model: M | null = null;
  try {
    await checkResumeMatches(folder, plan);
    await folder.begin();
    await writeRunFiles(plan);
    const built = build(folder);
    model = built.model;
    const watch = stopOnSignals(built.trainer, { log: (line) => io.out(io.isTTY ? `\n${line}` : line) });
    let result: TrainResult;
    try {
      result = await built.trainer.run();
    } catch (error) {
      if (error instanceof NonFiniteLossError)
        throw new CommandFailure('CLI_TRAINING_DIVERGED', error.message, { cause: error });
      throw error;
    } finally {
      watch.dispose();
    }
    if (watch.signal) {
      summary(result, io);
      await plot(plan.runDir, result, io);
      const saved = result.lastCheckpoint ? `saved ${result.lastCheckpoint}` : 'no checkpoint was saved';
      const again = resumeCommandLine(what, plan.runDir, opts, options.parse({}));
      io.out(`to continue: ${again}`);
      model.dispose();
      model = null;
      throw new TrainingInterrupted(
        watch.signal,
        `stopped by ${watch.signal} at step ${result.step}; ${saved}. Continue with: ${again}`,
      );
    }
    return { model, result };
  } catch (error) {
    model?.dispose();
    throw error;
  } finally {
    await folder.close();
  }
}

async function trainGrammar(opts: TrainOptions, io: CommandIO): Promise<TrainCommandResult> {
  const runDir = resolve(opts.out ?? 'runs/grammar');
  const steps = opts.steps ?? 150;
  const batchSize = opts['batch-size'] ?? 512;
  const grammar = new Grammar(SEED_GRAMMAR);
  const tokenizer = WordTokenizer.fromVocab(grammar.vocab, { specialTokens: { pad: '[Pad]', eos: '[End]' } });
  checkMemoryBeforeTraining('the mini GPT', GRAMMAR_GPT_CONFIG, batchSize, 20, io);
  const plan: RunPlan = {
    runDir,
    task: { task: 'grammar', tokenizer: 'grammar' },
    tokenizer,
    model: GRAMMAR_GPT_CONFIG,
  };
  const batches = (seed: number): BatchSource<LmBatch> =>
    tokenBatchSource({
      sample: (n, s) => new GrammarSampler({ seed: s }).batch(n),
      batchSize,
      length: 20,
      seed,
    });
  const trained = await trainInRunFolder('grammar', opts, plan, io, (folder) => {
    manualSeed(opts.seed);
    const model = new GPT2LMHeadModel(GRAMMAR_GPT_CONFIG);
    io.out(
      `model: mini GPT, ${model.numParameters().toLocaleString('en-US')} parameters; run folder ${runDir}`,
    );
    const trainer = causalLmTrainer(
      {
        model,
        train: batches(opts.seed),
        val: batches(opts.seed + 1_000_003),
        progress: progressWriter(io),
        runFolder: folder,
        tokenizer,
        ...GRAMMAR_LOSS,
      },
      {
        maxSteps: steps,
        lr: opts.lr ?? 5e-4,
        // The seed's optimizer: torch.optim.AdamW defaults, on every parameter.
        optimizer: { betas: [0.9, 0.999], weightDecay: 0.01, decay: 'all' },
        evalInterval: opts['eval-interval'] ?? Math.max(1, Math.floor(steps / 5)),
        evalIters: opts['eval-iters'],
        checkpointDir: runDir,
        checkpointInterval: opts['save-every'] ?? 0,
        resume: folder.resuming ? 'latest' : false,
        seed: opts.seed,
        logInterval: Math.max(1, Math.floor(steps / 15)),
      },
    );
    return { model, trainer };
  });
  const { model, result } = trained;
  try {
    summary(result, io);
    const last = result.history.val.at(-1);
    const losses = last ? grammarLosses(last.metrics) : undefined;
    if (losses) io.out(describeGrammarLosses(losses));
    await plot(runDir, result, io);

    const out: TrainCommandResult = { result, runDir, ...(losses ? { losses } : {}) };
    if (opts.samples > 0) {
      model.eval();
      const prompt = grammar.encode('the dog', false);
      const { sequences } = await generate(model, [prompt], {
        maxNewTokens: 18,
        doSample: true,
        temperature: 0.7,
        topP: 0.9,
        numReturnSequences: opts.samples,
        seed: opts.seed,
        eosTokenId: grammar.endId,
      });
      const samples = sequences.map((s) => tokenizer.decode(s, { skipSpecialTokens: true }));
      const accepted = sequences.filter((s) => grammar.acceptsIds(s)).length;
      io.out(`samples from "the dog" (top-p 0.9, temperature 0.7):`);
      for (const sample of samples.slice(0, 5)) io.out(`  ${sample}`);
      io.out(
        `grammatical: ${accepted} of ${samples.length} (${((100 * accepted) / samples.length).toFixed(1)}%)`,
      );
      Object.assign(out, { samples, accepted });
    }
    out.clusters = await embeddingClusters(model, grammar, opts.seed);
    io.out('token embeddings in 7 clusters (k-means):');
    for (const cluster of out.clusters) io.out(`  ${cluster.join(' ')}`);
    io.out(
      `next: tensorlm generate --checkpoint ${runDir} --prompt "the dog" --temperature 0.7 --top-p 0.9 --n 5`,
    );
    return out;
  } finally {
    model.dispose();
  }
}

/** k-means (k = 7, seeded) over the learned embeddings of the grammar's words. */
async function embeddingClusters(
  model: GPT2LMHeadModel,
  grammar: Grammar,
  seed: number,
): Promise<string[][]> {
  const weight = model.transformer.wte.weight;
  const values = (await noGrad(() => weight.detach()).data()) as Float32Array;
  const dim = weight.shape[1]!;
  // Only the words: [Pad] and [End] are not parts of speech.
  const words = grammar.vocab.map((word, id) => ({ word, id })).filter(({ id }) => id >= 2);
  const points = words.map(({ id }) => values.subarray(id * dim, (id + 1) * dim));
  const { labels } = kmeans(points, { k: 7, seed });
  const clusters: string[][] = Array.from({ length: 7 }, () => []);
  for (const [i, label] of labels.entries()) clusters[label]!.push(words[i]!.word);
  return clusters.filter((c) => c.length > 0);
}

async function textTokenizer(name: string, text: string): Promise<Tokenizer> {
  if (name === 'char') return CharTokenizer.fromCorpus(text);
  return resolveTokenizer(name);
}

/** Non-overlapping next-token windows (stride = context) of a token span; null when it holds none. */
function textWindows(ids: readonly number[], context: number): SlidingWindowDataset | null {
  return ids.length > context ? new SlidingWindowDataset(ids, { maxLength: context, stride: context }) : null;
}

async function trainText(given: TrainOptions, io: CommandIO): Promise<TrainCommandResult> {
  const opts = { ...given, tokenizer: given.tokenizer ?? 'gpt2', config: given.config ?? 'gpt-mini' };
  if (!opts.file) throw new UsageError('give the corpus: --file the-verdict.txt');
  if (!(opts.config in GPT_PRESETS))
    throw new UsageError(`--config must be one of ${Object.keys(GPT_PRESETS).join(', ')}`);
  const text = await readTextCorpus(opts.file);
  const tokenizer = await textTokenizer(opts.tokenizer, text);
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  const preset = opts.config as GPTPresetName;
  // minGPT's presets (gpt-nano … gpt-mini) leave the block size to the data; GPT-2's have 1024.
  const presetBlock = (GPT_PRESETS[preset] as { blockSize?: number }).blockSize ?? Number.POSITIVE_INFINITY;
  const context = Math.min(opts.context ?? 256, presetBlock);
  // 90 % of the tokens train, the rest validate (as Raschka's train_ratio = 0.90).
  const split = Math.floor(ids.length * 0.9);
  const trainWindows = textWindows(ids.slice(0, split), context);
  const valWindows = textWindows(ids.slice(split), context);
  if (!trainWindows || !valWindows) {
    throw new UsageError(
      `${opts.file} has ${ids.length} tokens, too few for windows of ${context + 1} in a 90/10 split; use a smaller --context`,
    );
  }
  const batchSize = Math.min(opts['batch-size'] ?? 8, trainWindows.length);
  const config = gptConfig(preset, {
    vocabSize: tokenizer.vocabSize,
    blockSize: context,
    ...(opts.dropout === undefined
      ? {}
      : { embdPdrop: opts.dropout, residPdrop: opts.dropout, attnPdrop: opts.dropout }),
  });
  checkMemoryBeforeTraining(preset, config, batchSize, context, io);
  const runDir = resolve(opts.out ?? 'runs/text');
  const plan: RunPlan = {
    runDir,
    task: { task: 'text', tokenizer: opts.tokenizer, file: resolve(opts.file) },
    tokenizer,
    model: config,
  };
  const source = (windows: SlidingWindowDataset, seed: number) =>
    datasetSource<TextWindow, LmBatch>(windows, {
      batchSize: Math.min(batchSize, windows.length),
      seed,
      collate: (items) => {
        const stack = (pick: (w: TextWindow) => Int32Array) => {
          const data = new Int32Array(items.length * context);
          for (const [i, w] of items.entries()) data.set(pick(w), i * context);
          return tensor(data, [items.length, context], { dtype: 'i32' });
        };
        return { input: stack((w) => w.input), target: stack((w) => w.target) };
      },
    });
  const steps = opts.steps ?? 200;
  const trained = await trainInRunFolder('text', opts, plan, io, (folder) => {
    manualSeed(opts.seed);
    const model = new GPT2LMHeadModel(config);
    io.out(
      `model: ${preset}, ${model.numParameters().toLocaleString('en-US')} parameters; ${ids.length.toLocaleString('en-US')} tokens ` +
        `(${trainWindows.length} training and ${valWindows.length} validation windows of ${context}); run folder ${runDir}`,
    );
    // Text has no padding: one loss, no pad-included / pad-ignored pair to report.
    const trainer = new Trainer<GPT2LMHeadModel, LmBatch>(
      {
        model,
        train: source(trainWindows, opts.seed),
        val: source(valWindows, opts.seed + 1),
        loss: causalLmLoss(),
        progress: progressWriter(io),
        runFolder: folder,
        tokenizer,
      },
      {
        maxSteps: steps,
        lr: opts.lr ?? 4e-4,
        optimizer: { betas: [0.9, 0.999], weightDecay: 0.1, decay: 'module' },
        evalInterval: opts['eval-interval'] ?? Math.max(1, Math.floor(steps / 10)),
        evalIters: Math.min(opts['eval-iters'], Math.max(1, Math.floor(valWindows.length / batchSize))),
        checkpointDir: runDir,
        checkpointInterval: opts['save-every'] ?? 0,
        resume: folder.resuming ? 'latest' : false,
        seed: opts.seed,
        gradClip: 1,
        logInterval: Math.max(1, Math.floor(steps / 20)),
      },
    );
    return { model, trainer };
  });
  const { model, result } = trained;
  try {
    summary(result, io);
    if (result.valLoss !== null) io.out(`validation loss: ${result.valLoss.toFixed(3)}`);
    await plot(runDir, result, io);
    io.out(
      `next: tensorlm generate --checkpoint ${runDir} --prompt "Every effort moves you" --top-k 25 --temperature 1.4`,
    );
    return { result, runDir };
  } finally {
    model.dispose();
  }
}

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a GPT: `train grammar` (the toy grammar) or `train text --file F`',
  help: `tensorlm train grammar [options]     the seed's mini GPT on the toy grammar
tensorlm train text --file F [options]  a GPT preset on a text file
tensorlm train mlm [options]             a small BERT masked LM on the toy grammar (or --file F)
tensorlm train embeddings --file F [options]  a sentence-embedding BERT (SimCSE) on sentences

Common options:
  --steps N            optimizer steps (grammar: 150, the seed's; text: 200)
  --batch-size N       sequences per step (grammar: 512; text: 8)
  --lr X               AdamW learning rate (grammar: 5e-4; text: 4e-4)
  --seed N             seed of the weights, the data and the samples (default 0)
  --out DIR            run folder: checkpoints, tokenizer, loss.svg (runs/grammar, runs/text)
  --resume             continue the run in --out from its latest intact checkpoint
  --overwrite          start again in --out, moving the run there aside to <out>.old-<time>
  --save-every N       also save a checkpoint every N steps (default: at evaluations and the end)
  --eval-interval N    evaluate every N steps (default: 5 to 10 times per run)
  --eval-iters N       validation batches per evaluation (default 4)
  --backend B          auto (default), webgpu, wasm or cpu
grammar only:
  --samples N          sentences sampled from "the dog" after training and checked by the
                       grammar's parser (default 200; 0 to skip)
text only:
  --file F             the corpus, e.g. the-verdict.txt
  --tokenizer T        gpt2 (default), char, or a tokenizer file
  --config C           GPT preset: gpt-nano, gpt-micro, gpt-mini (default), gpt2, …
  --context N          tokens per window (default: the preset's block size, at most 256)
  --dropout P          dropout rate (default: the preset's)
${EMBEDDINGS_HELP}
${REVIEWS_HELP}
${SENTIMENT_HELP}
${MLM_HELP}`,
  options,
  switches: ['resume', 'overwrite', ...SENTIMENT_SWITCHES],
  // Options of one subcommand only; `train grammar --file F` is refused by name.
  subcommands: {
    grammar: { summary: "the seed's mini GPT on the toy grammar", options: ['samples'] },
    text: {
      summary: 'a GPT preset on a text file --file F',
      options: ['file', 'tokenizer', 'config', 'context', 'dropout'],
    },
    mlm: {
      summary: 'a small BERT masked LM on the toy grammar, or on a text file --file F',
      options: [...MLM_OPTIONS],
    },
    embeddings: {
      summary: 'a sentence-embedding BERT (SimCSE) on sentences --file F',
      options: ['file', 'dropout', ...EMBEDDINGS_ONLY_OPTIONS],
    },
    reviews: {
      summary: 'a next-word LSTM or small GPT on movie reviews --arch transformer|lstm|both',
      options: [...REVIEWS_ONLY_OPTIONS, 'context'],
    },
    sentiment: {
      summary: 'a sentiment classifier on a review LM --base runs/reviews-transformer [--finetune]',
      options: [...SENTIMENT_ONLY_OPTIONS, 'data', 'patience'],
    },
  },
  async run(opts, positional, io) {
    const [what, ...extra] = positional;
    if (extra.length > 0) throw new UsageError(`unexpected '${extra.join(' ')}'`);
    if (
      what !== 'grammar' &&
      what !== 'text' &&
      what !== 'embeddings' &&
      what !== 'reviews' &&
      what !== 'sentiment' &&
      what !== 'mlm'
    )
      throw new UsageError(
        `say what to train on: 'tensorlm train grammar' or 'tensorlm train text --file F'`,
      );
    await chooseBackend(opts.backend, io);
    if (what === 'embeddings')
      return trainEmbeddings(opts, io, {
        runInFolder: (name, plan, build) => trainInRunFolder(name, opts, plan, io, build),
        summary: (result) => summary(result, io),
        plot: (runDir, result) => plot(runDir, result, io),
        progress: progressWriter(io),
      });
    if (what === 'reviews') return trainReviews(opts, io, progressWriter(io));
    if (what === 'sentiment')
      return trainSentiment(opts, io, {
        runInFolder: (name, plan, build) => trainInRunFolder(name, opts, plan, io, build),
        summary: (result) => summary(result, io),
        plot: (runDir, result) => plot(runDir, result, io),
        progress: progressWriter(io),
      });
    if (what === 'mlm')
      return trainMlm(opts, io, {
        runInFolder: (name, plan, build) => trainInRunFolder(name, opts, plan, io, build),
        summary: (result) => summary(result, io),
        plot: (runDir, result) => plot(runDir, result, io),
        progress: progressWriter(io),
      });
    return what === 'grammar' ? trainGrammar(opts, io) : trainText(opts, io);
  },
});

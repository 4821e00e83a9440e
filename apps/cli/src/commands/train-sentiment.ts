// `tensorlm train sentiment --base runs/reviews-transformer [--finetune]`: the notebook's
// last step, a sentiment classifier on the review language model. Without --finetune the
// base is frozen (its weights are copied and never change) and only the head trains: the
// base reads every review once, its pooled hidden states are kept, and a linear head (no
// bias, as transformers' `score`) is fitted on them — with last-token and mean pooling, the
// pooling and the epoch picked on SST-2's own validation split (sst2/validation.tsv, held
// out of GLUE train: its rows that no training row contains, see validationSentences),
// never on the GLUE dev set. With --finetune the whole model trains (the base at a lower
// learning rate: an AdamW parameter group with lrScale), through the Trainer, with early
// stopping on the loss of those validation rows and the best checkpoint kept.
// Labels: SST-2 train (+ rt-polarity with --with-rt-polarity, minus its snippets holding a
// GLUE dev sentence); the score: accuracy on the official GLUE SST-2 dev set. The run
// folder is an ordinary run (train-folder.ts) whose checkpoints are Hugging Face
// GPT2ForSequenceClassification folders with id2label, so `tensorlm classify` reads it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromPretrained, ModelFolderError } from '@tensorlm/hub-loader';
import { GPT2ForSequenceClassification, GPT2LMHeadModel, type GPTPooling } from '@tensorlm/nn';
import { manualSeed, noGrad, tensor, tidy } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import {
  AdamW,
  checkpointName,
  indexedSource,
  saveCheckpoint,
  Trainer,
  writePointer,
} from '@tensorlm/trainer';
import { z } from 'zod';
import { switchOption } from '../args.js';
import type { CommandIO } from '../command.js';
import { CommandFailure, UsageError } from '../errors.js';
import { type LabeledText, resolveDataSource } from './reviews-data.js';
import {
  checkResumeMatches,
  openTrainingFolder,
  type RunPlan,
  type TrainHelpers,
  writeRunFiles,
} from './train-folder.js';
import {
  disposeBatch,
  encodeTexts,
  type LabeledBatch,
  labelCounts,
  lengthBatches,
  MIN_VALIDATION_SENTENCES,
  makeBatch,
  readSentimentData,
  type SentimentData,
  shuffledOrder,
} from './train-sentiment-data.js';
import { fitHead, type HeadFit, pooledFeatures } from './train-sentiment-head.js';

export const SENTIMENT_LABELS = ['negative', 'positive'] as const;

export const SENTIMENT_DEFAULTS = {
  base: 'runs/reviews-transformer',
  out: 'runs/sentiment',
  /** The frozen base: a linear head on kept features (seconds per epoch). */
  frozen: { epochs: 40, batchSize: 256, lr: 1e-2, weightDecay: 1e-4 },
  /**
   * The whole model: two passes over SST-2 train (picked on validation: 90.8% against
   * 89.0% after one), 6.3 min on 2 cores with wasm on a lightly loaded machine.
   */
  finetune: { epochs: 2, batchSize: 32, lr: 1e-3, baseLrScale: 0.3, weightDecay: 0.01, patience: 4 },
} as const;

export interface SentimentOptions {
  base?: string | undefined;
  finetune: boolean;
  'with-rt-polarity': boolean;
  pooling?: string | undefined;
  data?: string | undefined;
  out?: string | undefined;
  epochs?: number | undefined;
  'batch-size'?: number | undefined;
  lr?: number | undefined;
  'base-lr-scale'?: number | undefined;
  patience?: number | undefined;
  'eval-interval'?: number | undefined;
  seed: number;
  resume: boolean;
  overwrite: boolean;
}

export interface SentimentResult {
  mode: 'frozen' | 'finetune';
  runDir: string;
  pooling: GPTPooling;
  /** Accuracy on the whole of sst2/validation.tsv. */
  valAccuracy: number;
  /**
   * Accuracy on what picked the pooling, epoch or checkpoint: the validation sentences
   * (validationSentences), or the whole validation split when too few are left.
   */
  pickAccuracy: number;
  /** The number of rows `pickAccuracy` is measured on. */
  pickRows: number;
  devAccuracy: number;
  devCorrect: number;
  devTotal: number;
  /** Training wall time in seconds (data reading and the dev evaluation excluded). */
  wallSeconds: number;
  trainRows: number;
  checkpoint: string;
}

interface LoadedBase {
  model: GPT2LMHeadModel;
  tokenizer: Tokenizer;
  /** The base's checkpoint folder, for messages. */
  path: string;
}

/** The review LM of --base: a GPT2LMHeadModel with a tokenizer that has a padding token. */
export async function loadBase(base: string): Promise<LoadedBase> {
  const path = resolve(base);
  if (!existsSync(path))
    throw new UsageError(
      `--base ${base}: no such folder (train one with: tensorlm train reviews --arch transformer)`,
    );
  let loaded: Awaited<ReturnType<typeof fromPretrained>>;
  try {
    loaded = await fromPretrained(path);
  } catch (error) {
    if (error instanceof ModelFolderError || (error as { code?: string }).code?.startsWith('RUN_'))
      throw new CommandFailure(
        'CLI_BASE_NOT_LM',
        `--base ${base} is not a language model folder: ${(error as Error).message}`,
        { cause: error },
      );
    throw error;
  }
  const { model, tokenizer } = loaded;
  const fail = (why: string) => {
    model.dispose();
    return new CommandFailure(
      'CLI_BASE_NOT_LM',
      `--base ${base} ${why}; train sentiment needs a transformer language model (GPT2LMHeadModel), e.g. from tensorlm train reviews --arch transformer`,
    );
  };
  if (!(model instanceof GPT2LMHeadModel))
    throw fail(`holds a ${model.typeName}, not a causal language model (GPT2LMHeadModel)`);
  if (!tokenizer) throw fail('has no tokenizer.json');
  if (tokenizer.padTokenId === null || tokenizer.padTokenId === undefined)
    throw fail('has a tokenizer without a padding token');
  return { model, tokenizer, path: loaded.report.folder };
}

/** A classifier over the base's trunk: the base's GPT config, the sentiment labels, the pooling. */
function buildClassifier(
  base: GPT2LMHeadModel,
  padTokenId: number,
  pooling: GPTPooling,
  dropout: boolean,
): GPT2ForSequenceClassification {
  const c = base.config;
  const classifier = new GPT2ForSequenceClassification({
    ...c,
    ...(dropout ? {} : { embdPdrop: 0, residPdrop: 0, attnPdrop: 0 }),
    id2label: [...SENTIMENT_LABELS],
    padTokenId,
    pooling,
  });
  const weights = base.transformer.stateDict();
  try {
    classifier.transformer.loadStateDict(weights);
  } finally {
    for (const t of weights.values()) t.dispose();
  }
  return classifier;
}

/** Accuracy of a classifier on rows, in batches of similar length. */
export async function accuracyOf(
  model: GPT2ForSequenceClassification,
  encoded: readonly Int32Array[],
  rows: readonly LabeledText[],
  padId: number,
): Promise<{ correct: number; total: number; accuracy: number }> {
  let correct = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    for (const picked of lengthBatches(encoded, 128, 0)) {
      const batch = makeBatch(encoded, rows, picked, padId);
      const predicted = noGrad(() =>
        tidy(() => model.forward(batch.ids, { attentionMask: batch.attentionMask }).logits.argmax(1)),
      );
      disposeBatch(batch);
      const values = await predicted.data();
      predicted.dispose();
      picked.forEach((row, b) => {
        if (values[b] === rows[row]!.label) correct++;
      });
    }
  } finally {
    if (wasTraining) model.train();
  }
  return { correct, total: rows.length, accuracy: correct / rows.length };
}

function poolingChoice(value: string | undefined): GPTPooling[] {
  if (value === undefined || value === 'auto') return ['last', 'mean'];
  if (value === 'last' || value === 'mean') return [value];
  throw new UsageError(`--pooling must be last, mean or auto, got '${value}'`);
}

/**
 * On --resume, the run's tokenizer must be the base's: a classifier resumed onto a base
 * with another vocabulary would read every token id wrongly. Checked before any write.
 */
function checkVocabulary(runDir: string, tokenizer: Tokenizer, base: string): void {
  const path = join(runDir, 'tokenizer.json');
  if (!existsSync(path)) return;
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return; // checkResumeMatches names a damaged file
  }
  if (JSON.stringify(saved) === JSON.stringify(tokenizer.toJSON())) return;
  const size = (v: unknown) => {
    const vocab = (v as { vocab?: unknown })?.vocab;
    return Array.isArray(vocab)
      ? vocab.length
      : vocab && typeof vocab === 'object'
        ? Object.keys(vocab).length
        : '?';
  };
  throw new CommandFailure(
    'CLI_VOCABULARY_MISMATCH',
    `cannot resume ${runDir} on --base ${base}: the classifier's vocabulary (${path}, ${size(saved)} tokens) is not the base's (${tokenizer.vocabSize} tokens), so every token id would mean another word. Nothing was changed; train into another --out.`,
  );
}

/**
 * On --resume, the run must be of the same kind: a frozen-head checkpoint has no optimizer
 * state for --finetune to continue, and a fine-tuned run is not a frozen base. The kind is
 * in the latest checkpoint's trainer_state.json (`mode: 'frozen'`; the Trainer's own state
 * for a fine-tuned run).
 */
function checkMode(runDir: string, mode: 'frozen' | 'finetune'): void {
  let state: { mode?: unknown };
  try {
    const latest = JSON.parse(readFileSync(join(runDir, 'latest.json'), 'utf8')) as { checkpoint?: unknown };
    if (typeof latest.checkpoint !== 'string' || !/^checkpoint-\d+$/.test(latest.checkpoint)) return;
    state = JSON.parse(readFileSync(join(runDir, latest.checkpoint, 'trainer_state.json'), 'utf8'));
  } catch {
    return; // nothing to resume, or a damaged run: the run-folder checks say which
  }
  const saved = state.mode === 'frozen' ? 'frozen' : 'finetune';
  if (saved === mode) return;
  const what = (m: string) => (m === 'frozen' ? 'a frozen-base head' : 'a fine-tuned model (--finetune)');
  throw new CommandFailure(
    'CLI_RESUME_MISMATCH',
    `cannot resume ${runDir}: it holds ${what(saved)}, and this command trains ${what(mode)}. Nothing was changed; train into another --out.`,
  );
}

/** `train sentiment`, frozen or fine-tuned. */
export async function trainSentiment(
  opts: SentimentOptions,
  io: CommandIO,
  helpers: TrainHelpers,
): Promise<SentimentResult> {
  const poolings = poolingChoice(opts.pooling);
  if (opts.finetune && poolings.length > 1 && opts.pooling === 'auto')
    throw new UsageError(
      '--pooling auto picks a pooling for the frozen head; with --finetune give last or mean',
    );
  const baseArg = opts.base ?? SENTIMENT_DEFAULTS.base;
  const runDir = resolve(opts.out ?? SENTIMENT_DEFAULTS.out);
  const dataDir = resolveDataSource(opts.data);
  const data = await readSentimentData(dataDir, opts['with-rt-polarity']);
  const base = await loadBase(baseArg);
  const dev = labelCounts(data.dev);
  io.out(
    `sentiment: base ${base.path} (${base.model.numParameters().toLocaleString('en-US')} parameters, vocabulary ${base.tokenizer.vocabSize.toLocaleString('en-US')}); ` +
      `${data.train.length.toLocaleString('en-US')} training rows${opts['with-rt-polarity'] ? ` (SST-2 train + rt-polarity, ${data.droppedDevSnippets} snippets holding GLUE dev sentences and ${data.droppedValidationSnippets} holding validation sentences left out)` : ' (SST-2 train)'}, ` +
      `${data.val.length.toLocaleString('en-US')} validation rows (sst2/validation.tsv), GLUE dev ${dev.rows} rows (${dev.positive} positive)`,
  );
  io.out(
    data.pickIsSentences
      ? `choices are made on ${data.pick.length.toLocaleString('en-US')} validation sentences (the validation rows that no training row contains; the others are parts of training sentences)`
      : `choices are made on the whole validation split (fewer than ${MIN_VALIDATION_SENTENCES} of its rows are outside every training row)`,
  );
  if (opts.resume) {
    checkVocabulary(runDir, base.tokenizer, baseArg);
    checkMode(runDir, opts.finetune ? 'finetune' : 'frozen');
  }
  const maxLength = base.model.config.blockSize;
  const encode = (rows: LabeledText[]) => encodeTexts(base.tokenizer, rows, maxLength);
  const encoded = {
    train: encode(data.train),
    val: encode(data.val),
    pick: encode(data.pick),
    dev: encode(data.dev),
  };
  const plan: RunPlan = {
    runDir,
    task: { task: 'sentiment', tokenizer: 'word' },
    tokenizer: base.tokenizer,
    model: {
      vocabSize: base.model.config.vocabSize,
      blockSize: maxLength,
      nEmbd: base.model.config.nEmbd,
      nLayer: base.model.config.nLayer,
      nHead: base.model.config.nHead,
    },
  };
  try {
    return opts.finetune
      ? await finetune(opts, io, helpers, plan, base, data, encoded, poolings[0]!)
      : await frozenHead(opts, io, plan, base, data, encoded, poolings);
  } finally {
    base.model.dispose();
  }
}

type Encoded = Record<'train' | 'val' | 'pick' | 'dev', Int32Array[]>;

async function frozenHead(
  opts: SentimentOptions,
  io: CommandIO,
  plan: RunPlan,
  base: LoadedBase,
  data: SentimentData,
  encoded: Encoded,
  poolings: GPTPooling[],
): Promise<SentimentResult> {
  const padId = base.tokenizer.padTokenId!;
  const folder = await openTrainingFolder(plan.runDir, opts, io);
  let classifier: GPT2ForSequenceClassification | null = null;
  try {
    await checkResumeMatches(folder, plan);
    await folder.begin();
    await writeRunFiles(plan);
    if (folder.resuming) io.out('the frozen head trains in seconds: it is fitted again from the start');
    const started = performance.now();
    classifier = buildClassifier(base.model, padId, 'last', false);
    const c = classifier.config.nEmbd;
    io.out(
      `frozen base: reading ${(data.train.length + data.pick.length).toLocaleString('en-US')} reviews once …`,
    );
    const trainX = await pooledFeatures(classifier, encoded.train, data.train, padId);
    const pickX = await pooledFeatures(classifier, encoded.pick, data.pick, padId);
    const defaults = SENTIMENT_DEFAULTS.frozen;
    const fitOptions = {
      epochs: opts.epochs ?? defaults.epochs,
      batchSize: opts['batch-size'] ?? defaults.batchSize,
      lr: opts.lr ?? defaults.lr,
      weightDecay: defaults.weightDecay,
      seed: opts.seed,
    };
    const fits: HeadFit[] = [];
    for (const pooling of poolings)
      fits.push(
        await fitHead(
          pooling,
          { x: trainX[pooling], labels: data.train.map((r) => r.label) },
          { x: pickX[pooling], labels: data.pick.map((r) => r.label) },
          c,
          fitOptions,
          io.out,
        ),
      );
    const best = fits.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
    classifier.dispose();
    classifier = buildClassifier(base.model, padId, best.pooling, false);
    const head = new Map([['weight', tensor(best.weight, [2, c])]]);
    classifier.score.loadStateDict(head);
    head.get('weight')!.dispose();
    const wallSeconds = (performance.now() - started) / 1000;
    const step = best.epoch * Math.ceil(data.train.length / fitOptions.batchSize);
    const name = checkpointName(step);
    await folder.claim(name);
    const checkpoint = await saveCheckpoint(plan.runDir, name, {
      model: classifier,
      tokenizer: base.tokenizer,
      trainerState: {
        step,
        mode: 'frozen',
        pooling: best.pooling,
        epoch: best.epoch,
        valAccuracy: best.valAccuracy,
      },
    });
    await writePointer(plan.runDir, 'latest', { checkpoint: name, step });
    await writePointer(plan.runDir, 'best', { checkpoint: name, step, valAccuracy: best.valAccuracy });
    const val = await accuracyOf(classifier, encoded.val, data.val, padId);
    const scored = await accuracyOf(classifier, encoded.dev, data.dev, padId);
    return report(io, {
      mode: 'frozen',
      runDir: plan.runDir,
      pooling: best.pooling,
      valAccuracy: val.accuracy,
      pickAccuracy: best.valAccuracy,
      pickRows: data.pick.length,
      devAccuracy: scored.accuracy,
      devCorrect: scored.correct,
      devTotal: scored.total,
      wallSeconds,
      trainRows: data.train.length,
      checkpoint,
    });
  } finally {
    classifier?.dispose();
    await folder.close();
  }
}

async function finetune(
  opts: SentimentOptions,
  io: CommandIO,
  helpers: TrainHelpers,
  plan: RunPlan,
  base: LoadedBase,
  data: SentimentData,
  encoded: Encoded,
  pooling: GPTPooling,
): Promise<SentimentResult> {
  const padId = base.tokenizer.padTokenId!;
  const d = SENTIMENT_DEFAULTS.finetune;
  const batchSize = opts['batch-size'] ?? d.batchSize;
  const epochs = opts.epochs ?? d.epochs;
  const trainBatches = lengthBatches(encoded.train, batchSize, opts.seed);
  // Early stopping and the kept checkpoint follow the loss on the rows choices are made on.
  const valBatches = lengthBatches(encoded.pick, 128, opts.seed + 1);
  const steps = epochs * trainBatches.length;
  const baseLrScale = opts['base-lr-scale'] ?? d.baseLrScale;
  const started = performance.now();
  const { model, result } = await helpers.runInFolder<GPT2ForSequenceClassification, LabeledBatch>(
    'sentiment',
    plan,
    (folder) => {
      manualSeed(opts.seed);
      const classifier = buildClassifier(base.model, padId, pooling, true);
      io.out(
        `fine-tuning the whole model (${classifier.numParameters().toLocaleString('en-US')} parameters): ${steps} steps of ${batchSize} reviews, ` +
          `the base at ${baseLrScale} × the head's learning rate`,
      );
      const trainSource = indexedSource(
        (i) => {
          const epoch = Math.floor(i / trainBatches.length);
          const order = shuffledOrder(trainBatches.length, opts.seed + 7919 * (epoch + 1));
          return makeBatch(encoded.train, data.train, trainBatches[order[i % trainBatches.length]!]!, padId);
        },
        { batchesPerEpoch: trainBatches.length },
      );
      const valSource = indexedSource((i) =>
        makeBatch(encoded.pick, data.pick, valBatches[i % valBatches.length]!, padId),
      );
      const trainer = new Trainer<GPT2ForSequenceClassification, LabeledBatch>(
        {
          model: classifier,
          train: trainSource,
          val: valSource,
          // The Trainer frees each batch after its step.
          loss: (m, b) => m.forward(b.ids, { attentionMask: b.attentionMask, labels: b.labels }).loss!,
          optimizer: (m) =>
            new AdamW(
              [
                {
                  params: m.transformer.namedParameters().map(([n, p]) => [`transformer.${n}`, p] as const),
                  lrScale: baseLrScale,
                },
                { params: m.score.namedParameters().map(([n, p]) => [`score.${n}`, p] as const) },
              ],
              { lr: opts.lr ?? d.lr, weightDecay: d.weightDecay },
            ),
          progress: helpers.progress,
          runFolder: folder,
          tokenizer: base.tokenizer,
        },
        {
          maxSteps: steps,
          lr: opts.lr ?? d.lr,
          evalInterval: opts['eval-interval'] ?? Math.max(1, Math.floor(steps / 8)),
          evalIters: valBatches.length,
          earlyStopping: { patience: opts.patience ?? d.patience },
          checkpointDir: plan.runDir,
          resume: opts.resume ? 'latest' : false,
          restoreBestAtEnd: true,
          seed: opts.seed,
          gradClip: 1,
          logInterval: Math.max(1, Math.floor(steps / 20)),
        },
      );
      return { model: classifier, trainer };
    },
  );
  try {
    const wallSeconds = (performance.now() - started) / 1000;
    helpers.summary(result);
    await helpers.plot(plan.runDir, result);
    const val = await accuracyOf(model, encoded.val, data.val, padId);
    const picked = await accuracyOf(model, encoded.pick, data.pick, padId);
    const scored = await accuracyOf(model, encoded.dev, data.dev, padId);
    return report(io, {
      mode: 'finetune',
      runDir: plan.runDir,
      pooling,
      valAccuracy: val.accuracy,
      pickAccuracy: picked.accuracy,
      pickRows: data.pick.length,
      devAccuracy: scored.accuracy,
      devCorrect: scored.correct,
      devTotal: scored.total,
      wallSeconds,
      trainRows: data.train.length,
      checkpoint: result.bestCheckpoint ?? result.lastCheckpoint ?? plan.runDir,
    });
  } finally {
    model.dispose();
  }
}

function report(io: CommandIO, r: SentimentResult): SentimentResult {
  io.out(
    `${r.mode === 'frozen' ? 'frozen base + head' : 'fine-tuned'} (${r.pooling}-token pooling): validation ${(100 * r.valAccuracy).toFixed(1)}% ` +
      `(${(100 * r.pickAccuracy).toFixed(1)}% on the ${r.pickRows.toLocaleString('en-US')} rows choices were made on), ` +
      `GLUE SST-2 dev ${(100 * r.devAccuracy).toFixed(1)}% (${r.devCorrect}/${r.devTotal}); trained in ${r.wallSeconds.toFixed(0)} s; saved ${r.checkpoint}`,
  );
  io.out(`next: tensorlm classify --model ${r.runDir} "a gorgeous, witty, seductive movie"`);
  return r;
}

/** Options only `train sentiment` takes (spread into train.ts's option schema). */
export const sentimentOptionShape = {
  base: z.string().min(1).optional(),
  finetune: switchOption.default(false),
  'with-rt-polarity': switchOption.default(false),
  pooling: z.string().min(1).optional(),
  epochs: z.coerce.number().int().positive().optional(),
  'base-lr-scale': z.coerce.number().min(0).max(1).optional(),
};
export const SENTIMENT_ONLY_OPTIONS = [
  'base',
  'finetune',
  'with-rt-polarity',
  'pooling',
  'epochs',
  'base-lr-scale',
] as const;
export const SENTIMENT_SWITCHES = ['finetune', 'with-rt-polarity'] as const;

export const SENTIMENT_HELP = `sentiment (tensorlm train sentiment --base runs/reviews-transformer [--finetune]):
  a positive/negative classifier on a review LM (GPT2ForSequenceClassification; labels from
  SST-2 train, scored on the GLUE SST-2 dev set; pooling, epochs and checkpoint picked on the
  rows of sst2/validation.tsv that no training row contains).
  --base DIR           the review LM run (default ${SENTIMENT_DEFAULTS.base})
  --finetune           train the whole model (default: freeze the base, train the head only)
  --with-rt-polarity   add rt-polarity's snippets to the labels (those holding a GLUE dev
                       or a validation sentence are left out)
  --pooling P          last (transformers'), mean, or auto (frozen only, its default: fit
                       both, keep the better on validation); --finetune default: last
  --epochs N           frozen: head epochs (default ${SENTIMENT_DEFAULTS.frozen.epochs}); finetune: passes (default ${SENTIMENT_DEFAULTS.finetune.epochs})
  --base-lr-scale X    finetune: the base's learning rate over the head's (default ${SENTIMENT_DEFAULTS.finetune.baseLrScale})
  --data DIR           the data folder (default ../shared/data)
  --out DIR            run folder (default ${SENTIMENT_DEFAULTS.out})`;

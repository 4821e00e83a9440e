// `tensorlm train mlm`: a small BERT (BertForMaskedLM) trained with BERT's masking (15 %
// of tokens chosen; 80 % [MASK], 10 % random, 10 % kept) — on the toy grammar by default,
// or on a text file, one sentence per line (`--file`), with bert-base-uncased's WordPiece
// vocabulary packaged with @tensorlm/tokenizers or a tokenizer file of your own. Training
// goes through train.ts's run-folder flow (manifest, lock, checks before writes,
// --resume / --overwrite, Ctrl-C saves), so every checkpoint is a Hugging Face folder
// with its tokenizer and the best one is what `tensorlm fill-mask --model <run>` loads.
// On the grammar it ends with the fill-mask check (grammar-mlm.ts): held-out sentences
// with one word masked, the top answers put back and parsed by the grammar.
import { resolve } from 'node:path';
import { type MlmBatch, type MlmMasking, Rng } from '@tensorlm/datasets';
import {
  BERT_PRESETS,
  type BertConfig,
  type BertConfigInput,
  BertForMaskedLM,
  type BertPresetName,
  bertConfig,
  bertConfigFromHF,
  ConfigError,
} from '@tensorlm/nn';
import { manualSeed } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { type BatchSource, indexedSource, maskedLmTrainer, type TrainResult } from '@tensorlm/trainer';
import { readTextCorpus } from '../checks/corpus.js';
import { checkMemoryBeforeTraining } from '../checks/memory.js';
import type { CommandIO } from '../command.js';
import { CommandFailure, UsageError } from '../errors.js';
import {
  bertMasking,
  type FillMaskCheck,
  grammarBertConfig,
  grammarBertTokenizer,
  grammarFillMaskCheck,
  grammarMlmBatches,
} from '../grammar-mlm.js';
import { readJsonFile } from '../json-file.js';
import { resolveTokenizer } from './tokenize.js';
import type { RunPlan, TrainHelpers } from './train-folder.js';

/** The options of `train` that `train mlm` reads (train.ts declares them). */
export interface MlmOptions {
  steps?: number | undefined;
  'batch-size'?: number | undefined;
  lr?: number | undefined;
  seed: number;
  out?: string | undefined;
  'eval-interval'?: number | undefined;
  'eval-iters': number;
  'save-every'?: number | undefined;
  samples: number;
  file?: string | undefined;
  tokenizer?: string | undefined;
  config?: string | undefined;
  context?: number | undefined;
  dropout?: number | undefined;
}

/** Options only `train mlm` and other subcommands that list them take (all declared in train.ts). */
export const MLM_OPTIONS = ['file', 'tokenizer', 'config', 'context', 'dropout', 'samples'] as const;

export const MLM_HELP = `mlm only (a small BERT with BERT's masking; without --file, on the toy grammar):
  defaults             --steps 200 --batch-size 128 --lr 5e-3 --out runs/mlm on the grammar;
                       --steps 500 --batch-size 32 --lr 1e-3 --out runs/mlm-text with --file
  --samples N          held-out grammar sentences of the fill-mask check: one word masked,
                       the top-1 and top-5 answers put back and parsed (default 200; 0 to skip)
  --file F             train on a text file instead, one sentence per line
  --tokenizer T        with --file: wordpiece (default; bert-base-uncased's vocabulary, packaged)
                       or a tokenizer file / folder that has [MASK] and [PAD]
  --config C           grammar (the default on the grammar: 2 layers, hidden 64, 4 heads),
                       bert-tiny (the default with --file), another BERT preset, or a config.json
  --context N          with --file: tokens per line at most, [CLS] and [SEP] included (default 64)
  --dropout P          dropout rate (default: 0 on the grammar, 0.1 with --file)`;

export interface MlmCommandResult {
  result: TrainResult;
  runDir: string;
  /** On the grammar (unless --samples 0): the fill-mask check of the trained model. */
  check?: FillMaskCheck;
}

/** What a masked-LM training is, decided (and checked) before the run folder is touched. */
interface MlmSetup {
  tokenizer: Tokenizer;
  config: BertConfig;
  /** The model as named in messages. */
  modelName: string;
  task: RunPlan['task'];
  train: BatchSource<MlmBatch>;
  val: BatchSource<MlmBatch>;
  /** Tokens per sequence at most (the memory estimate's context). */
  context: number;
  batchSize: number;
  /** A line about the data, printed with the model's size. */
  data: string;
  defaults: { steps: number; lr: number; runDir: string };
}

/** `--config`: a BERT preset, `grammar`, or a config.json (Hugging Face's or tensorlm's field names). */
async function configInput(name: string, fallback: BertConfigInput): Promise<BertConfigInput> {
  if (name === 'grammar') return fallback;
  if (name in BERT_PRESETS) return { ...BERT_PRESETS[name as BertPresetName] };
  const { stat } = await import('node:fs/promises');
  if (!(await stat(name).catch(() => null)))
    throw new UsageError(
      `--config must be grammar, a BERT preset (${Object.keys(BERT_PRESETS).join(', ')}) or a config.json file; '${name}' is none`,
    );
  const json = await readJsonFile(name, undefined, 'model config');
  try {
    if (json !== null && typeof json === 'object' && 'hidden_size' in json) return bertConfigFromHF(json);
    return bertConfig(json as BertConfigInput);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new CommandFailure('CLI_CONFIG_INVALID', `--config ${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The config with the tokenizer's vocabulary and pad id, enough positions, and the dropout. */
async function modelConfig(
  opts: MlmOptions,
  fallback: BertConfigInput,
  tokenizer: Tokenizer,
  context: number,
  dropout: number,
): Promise<BertConfig> {
  const input = await configInput(opts.config ?? 'grammar', fallback);
  const rate = opts.dropout ?? dropout;
  try {
    return bertConfig({
      ...input,
      vocabSize: tokenizer.vocabSize,
      padTokenId: tokenizer.padTokenId ?? 0,
      maxPositionEmbeddings: Math.max(input.maxPositionEmbeddings ?? 512, context),
      hiddenDropoutProb: rate,
      attentionProbsDropoutProb: rate,
    });
  } catch (error) {
    if (error instanceof ConfigError)
      throw new UsageError(`--config ${opts.config ?? 'grammar'}: ${error.message}`);
    throw error;
  }
}

async function grammarSetup(opts: MlmOptions): Promise<MlmSetup> {
  for (const flag of ['tokenizer', 'context'] as const)
    if (opts[flag] !== undefined)
      throw new UsageError(
        `--${flag} applies to 'train mlm --file F'; the grammar has its own vocabulary and sentence lengths`,
      );
  const tokenizer = grammarBertTokenizer();
  const context = 32;
  const config = await modelConfig(
    { ...opts, config: opts.config ?? 'grammar' },
    grammarBertConfig(tokenizer.vocabSize),
    tokenizer,
    context,
    0,
  );
  const batchSize = opts['batch-size'] ?? 128;
  return {
    tokenizer,
    config,
    modelName:
      opts.config === undefined || opts.config === 'grammar' ? 'the small grammar BERT' : opts.config,
    task: { task: 'mlm', tokenizer: 'grammar' },
    train: grammarMlmBatches(tokenizer, { batchSize, seed: opts.seed }),
    // Another seed: validation sentences and masks the training never draws from.
    val: grammarMlmBatches(tokenizer, { batchSize, seed: opts.seed + 1_000_003 }),
    context,
    batchSize,
    data: 'toy-grammar sentences drawn afresh for every batch',
    defaults: { steps: 200, lr: 5e-3, runDir: 'runs/mlm' },
  };
}

/** Encoded lines, cut to `context` ids with the tokenizer's last special ([SEP]) kept at the end. */
function encodeLines(tokenizer: Tokenizer, lines: readonly string[], context: number): number[][] {
  const rows: number[][] = [];
  for (const line of lines) {
    const ids = tokenizer.encode(line);
    const words = ids.filter((id) => !tokenizer.isSpecialId(id)).length;
    if (words === 0) continue;
    if (ids.length <= context) rows.push(ids);
    else {
      const last = ids.at(-1)!;
      rows.push(tokenizer.isSpecialId(last) ? [...ids.slice(0, context - 1), last] : ids.slice(0, context));
    }
  }
  return rows;
}

/**
 * Masked batches of `rows`, reshuffled every epoch: batch `i` is a pure function of
 * (seed, i) — its rows from the epoch's permutation, its masking from its own stream —
 * so a resumed run sees exactly the batches it would have.
 */
function corpusBatches(
  rows: readonly number[][],
  masking: MlmMasking,
  options: { batchSize: number; seed: number },
): BatchSource<MlmBatch> {
  const perEpoch = Math.floor(rows.length / options.batchSize);
  let order: number[] = [];
  let orderEpoch = -1;
  return indexedSource(
    (index) => {
      const epoch = Math.floor(index / perEpoch);
      if (epoch !== orderEpoch) {
        order = new Rng([options.seed, 'shuffle', epoch]).permutation(rows.length);
        orderEpoch = epoch;
      }
      const start = (index % perEpoch) * options.batchSize;
      const batch = order.slice(start, start + options.batchSize).map((i) => rows[i]!);
      return masking.collate(batch, new Rng([options.seed, 'mask', index]));
    },
    { batchesPerEpoch: perEpoch },
  );
}

async function corpusSetup(opts: MlmOptions & { file: string }): Promise<MlmSetup> {
  if (opts.config === 'grammar')
    throw new UsageError(
      "--config grammar is the grammar's model; with --file give a BERT preset (bert-tiny, …) or a config.json",
    );
  const tokenizerName = opts.tokenizer ?? 'wordpiece';
  const text = await readTextCorpus(opts.file);
  const tokenizer = await resolveTokenizer(
    tokenizerName === 'wordpiece' ? 'bert-base-uncased' : tokenizerName,
  );
  const masking = bertMasking(tokenizer, tokenizerName);
  const context = opts.context ?? 64;
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const rows = encodeLines(tokenizer, lines, context);
  // 5 % of the lines (at most 2,000) validate; they pick the best checkpoint.
  const held = Math.min(2000, Math.max(1, Math.floor(rows.length / 20)));
  const order = new Rng([opts.seed, 'split']).permutation(rows.length);
  const val = order.slice(0, held).map((i) => rows[i]!);
  const train = order.slice(held).map((i) => rows[i]!);
  const batchSize = Math.min(opts['batch-size'] ?? 32, train.length);
  if (train.length < 2 || batchSize < 1 || val.length < 1)
    throw new UsageError(
      `${opts.file} has ${rows.length} non-empty lines, too few to train on and validate with: give one sentence per line`,
    );
  const config = await modelConfig(
    { ...opts, config: opts.config ?? 'bert-tiny' },
    {},
    tokenizer,
    context,
    0.1,
  );
  return {
    tokenizer,
    config,
    modelName: opts.config ?? 'bert-tiny',
    task: { task: 'mlm', tokenizer: tokenizerName, file: resolve(opts.file) },
    train: corpusBatches(train, masking, { batchSize, seed: opts.seed }),
    val: corpusBatches(val, masking, { batchSize: Math.min(batchSize, val.length), seed: opts.seed + 1 }),
    context,
    batchSize,
    data: `${train.length.toLocaleString('en-US')} training and ${val.length.toLocaleString('en-US')} validation lines of ${opts.file}`,
    defaults: { steps: 500, lr: 1e-3, runDir: 'runs/mlm-text' },
  };
}

function printCheck(check: FillMaskCheck, io: CommandIO): void {
  const n = check.cases.length;
  const pct = (x: number) => `${((100 * x) / n).toFixed(1)}%`;
  io.out(
    `fill-mask check on ${n} held-out sentences, one word masked in each (the grammar's parser judges):`,
  );
  for (const c of check.cases.slice(0, 3))
    io.out(`  ${c.masked}  →  ${c.answers.map((a, i) => (c.grammatical[i] ? a : `${a}✗`)).join(' ')}`);
  io.out(`top-1 grammatical: ${check.top1} of ${n} (${pct(check.top1)})`);
  io.out(`all of top-${check.k} grammatical: ${check.allTopK} of ${n} (${pct(check.allTopK)})`);
  io.out(
    `all of top-${check.k} grammatical where the grammar allows ${check.k} words (else the top 2 for 'the'/'a', ` +
      `the top 1 for 'that'): ${check.allTopFitting} of ${n} (${pct(check.allTopFitting)})`,
  );
}

export async function trainMlm(
  opts: MlmOptions,
  io: CommandIO,
  helpers: TrainHelpers,
): Promise<MlmCommandResult> {
  const setup = opts.file ? await corpusSetup({ ...opts, file: opts.file }) : await grammarSetup(opts);
  const { config, tokenizer, batchSize } = setup;
  checkMemoryBeforeTraining(
    setup.modelName,
    {
      vocabSize: config.vocabSize,
      blockSize: config.maxPositionEmbeddings,
      nEmbd: config.hiddenSize,
      nLayer: config.numHiddenLayers,
      nHead: config.numAttentionHeads,
      nInner: config.intermediateSize,
    },
    batchSize,
    setup.context,
    io,
  );
  const runDir = resolve(opts.out ?? setup.defaults.runDir);
  const plan: RunPlan = {
    runDir,
    task: setup.task,
    tokenizer,
    model: {
      vocabSize: config.vocabSize,
      blockSize: config.maxPositionEmbeddings,
      nEmbd: config.hiddenSize,
      nLayer: config.numHiddenLayers,
      nHead: config.numAttentionHeads,
    },
  };
  const steps = opts.steps ?? setup.defaults.steps;
  const lr = opts.lr ?? setup.defaults.lr;
  const { model, result } = await helpers.runInFolder('mlm', plan, (folder) => {
    manualSeed(opts.seed);
    const model = new BertForMaskedLM(config);
    io.out(
      `model: BertForMaskedLM (${setup.modelName}: ${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, ` +
        `${config.numAttentionHeads} heads), ${model.numParameters().toLocaleString('en-US')} parameters; ` +
        `${setup.data}; run folder ${runDir}`,
    );
    const trainer = maskedLmTrainer(
      {
        model,
        train: setup.train,
        val: setup.val,
        progress: helpers.progress,
        runFolder: folder,
        tokenizer,
      },
      {
        maxSteps: steps,
        // Post-LN BERT wants a warmup (Devlin et al.: 1 %; a short run needs more), then a cosine to lr / 10.
        schedule: {
          kind: 'cosine',
          lr,
          warmupSteps: Math.max(1, Math.round(steps / 10)),
          decaySteps: steps,
          minLr: lr / 10,
        },
        optimizer: { betas: [0.9, 0.999], weightDecay: 0.01, decay: 'module' },
        gradClip: 1,
        evalInterval: opts['eval-interval'] ?? Math.max(1, Math.floor(steps / 5)),
        evalIters: opts['eval-iters'],
        checkpointDir: runDir,
        checkpointInterval: opts['save-every'] ?? 0,
        // The check below then judges the weights `fill-mask --model <run>` loads: the best.
        restoreBestAtEnd: true,
        resume: folder.resuming ? 'latest' : false,
        seed: opts.seed,
        logInterval: Math.max(1, Math.floor(steps / 15)),
      },
    );
    return { model, trainer };
  });
  try {
    helpers.summary(result);
    const last = result.history.val.at(-1);
    if (last)
      io.out(
        `validation: loss ${last.loss.toFixed(3)} on the masked positions; ` +
          `the original token ranked first at ${(100 * (last.metrics.maskedAccuracy ?? Number.NaN)).toFixed(1)}% of them`,
      );
    await helpers.plot(runDir, result);
    const out: MlmCommandResult = { result, runDir };
    if (!opts.file && opts.samples > 0) {
      // Seeds apart from training's (seed) and validation's (seed + 1,000,003).
      out.check = await grammarFillMaskCheck(model, setup.tokenizer, {
        count: opts.samples,
        seed: opts.seed + 2_000_003,
      });
      printCheck(out.check, io);
    }
    const example = opts.file ? 'the [MASK] of the film' : 'the [MASK] saw a cat';
    io.out(`next: tensorlm fill-mask --model ${runDir} "${example}"`);
    return out;
  } finally {
    model.dispose();
  }
}

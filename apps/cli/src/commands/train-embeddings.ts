// `tensorlm train embeddings`: a sentence-embedding model trained here, SimCSE-style
// (Gao et al. 2021, unsupervised): a small BERT (BertModel, no pooler) reads each
// sentence twice; mean-pooled, L2-normalised, the two views are each other's positive
// and the rest of the batch the negatives, cross-entropy over cosines / 0.05. Trained
// from scratch, dropout alone leaves nothing to learn (the loss is ~0 within 100 steps,
// STS-B does not move), so each view also loses a share of its words at random
// (--delete-rate, default 0.6; 0 is plain SimCSE). Sentences come from text, TSV or
// JSONL files (--file a,b,c; --column for TSV / JSONL), tokenised with bert-base-uncased's
// WordPiece (packaged with @tensorlm/tokenizers), so words the corpus never saw still
// map to pieces. The run folder, checks, resume and Ctrl-C handling are `tensorlm
// train`'s own (train.ts's trainInRunFolder over train-folder.ts); every checkpoint is a
// Hugging Face BertModel folder that `tensorlm embed` / `search index --model` load.
// --init starts from a trained encoder instead of random weights (as SimCSE starts from
// BERT): a `tensorlm train mlm --file …` run or any BERT folder with the same WordPiece
// vocabulary; its width and depth are the model's.
import { resolve } from 'node:path';
import { fromPretrained } from '@tensorlm/hub-loader';
import {
  type BertConfig,
  type BertConfigInput,
  BertForMaskedLM,
  BertModel,
  bertConfig,
  type Module,
  type StateDict,
} from '@tensorlm/nn';
import { manualSeed } from '@tensorlm/tensor-core';
import { bertBaseUncased, type Tokenizer } from '@tensorlm/tokenizers';
import {
  type RunFolder,
  type SentenceBatch,
  sentenceBatchSource,
  simcseLoss,
  Trainer,
  type TrainResult,
} from '@tensorlm/trainer';
import { z } from 'zod';
import { UsageError } from '../args.js';
import type { CommandIO } from '../command.js';
import { readCorpora } from './search-corpus.js';
import type { RunPlan } from './train-folder.js';

/** Options only `train embeddings` takes (merged into `train`'s schema). */
export const embeddingsOptionShape = {
  column: z.string().min(1).optional(),
  'max-length': z.coerce.number().int().min(4).max(512).optional(),
  'delete-rate': z.coerce.number().min(0).lt(1).optional(),
  temperature: z.coerce.number().positive().optional(),
  'hidden-size': z.coerce.number().int().positive().max(4096).optional(),
  layers: z.coerce.number().int().positive().max(48).optional(),
  init: z.string().min(1).optional(),
};

export const EMBEDDINGS_ONLY_OPTIONS = [
  'column',
  'max-length',
  'delete-rate',
  'temperature',
  'hidden-size',
  'layers',
  'init',
] as const;

export const EMBEDDINGS_HELP = `embeddings only (defaults: --steps 1000, --batch-size 128, --lr 1e-3 with warmup and
cosine decay, --out runs/embeddings; about 8 minutes on 2 busy cores):
  --file F[,F2…]       sentences: text files (one per line), .tsv or .jsonl (a column)
  --column C           the TSV / JSONL column with the text (default: text, else sentence)
  --hidden-size N      BERT width (default 128; heads: width / 64, at least 2)
  --layers N           BERT layers (default 1)
  --init DIR           start from a trained BERT (e.g. a 'train mlm --file' run) instead of
                       random weights; its width and depth are kept
  --max-length N       tokens per sentence, [CLS] and [SEP] included (default 64; longer are cut)
  --delete-rate P      share of words each view loses (default 0.6; 0 = dropout-only SimCSE)
  --temperature T      softmax temperature over cosines (default 0.05)
  --dropout P          dropout of the BERT (default 0.1: SimCSE's noise)`;

/** The options of `train` this subcommand reads. */
export interface EmbeddingsOptions {
  steps?: number | undefined;
  'batch-size'?: number | undefined;
  lr?: number | undefined;
  seed: number;
  out?: string | undefined;
  'eval-interval'?: number | undefined;
  'eval-iters': number;
  'save-every'?: number | undefined;
  file?: string | undefined;
  dropout?: number | undefined;
  column?: string | undefined;
  'max-length'?: number | undefined;
  'delete-rate'?: number | undefined;
  temperature?: number | undefined;
  'hidden-size'?: number | undefined;
  layers?: number | undefined;
  init?: string | undefined;
}

/** What train.ts lends this command: its run-folder flow and its output helpers. */
export interface TrainHelpers {
  runInFolder<M extends Module, B>(
    what: string,
    plan: RunPlan,
    build: (folder: RunFolder) => { model: M; trainer: Trainer<M, B> },
  ): Promise<{ model: M; result: TrainResult }>;
  summary(result: TrainResult): void;
  plot(runDir: string, result: TrainResult): Promise<void>;
  progress: ConstructorParameters<typeof Trainer>[0]['progress'];
}

/** The BERT of `train embeddings`: `hidden-size` wide, `layers` deep, heads of 64 (at least 2). */
export function embeddingsBertConfig(vocabSize: number, opts: EmbeddingsOptions): BertConfigInput {
  const hidden = opts['hidden-size'] ?? 128;
  const heads = Math.max(2, Math.floor(hidden / 64));
  if (hidden % heads !== 0)
    throw new UsageError(`--hidden-size ${hidden} must be divisible by ${heads} heads`);
  const dropout = opts.dropout ?? 0.1;
  return {
    vocabSize,
    hiddenSize: hidden,
    numHiddenLayers: opts.layers ?? 1,
    numAttentionHeads: heads,
    intermediateSize: 4 * hidden,
    maxPositionEmbeddings: Math.max(128, opts['max-length'] ?? 64),
    hiddenDropoutProb: dropout,
    attentionProbsDropoutProb: dropout,
  };
}

/** The starting encoder of --init: its config (dropout as asked) and weights. */
async function loadInitEncoder(
  source: string,
  opts: EmbeddingsOptions,
  vocabSize: number,
): Promise<{ config: BertConfig; weights: StateDict; name: string }> {
  if (opts['hidden-size'] !== undefined || opts.layers !== undefined)
    throw new UsageError(
      '--init takes the width and depth of the model it starts from: leave out --hidden-size and --layers',
    );
  const loaded = await fromPretrained(source);
  try {
    const model = loaded.model;
    const encoder = model instanceof BertForMaskedLM ? model.bert : model instanceof BertModel ? model : null;
    if (!encoder)
      throw new UsageError(
        `--init ${source} is a ${model.typeName}, not a BERT encoder or masked LM (e.g. a 'tensorlm train mlm --file' run)`,
      );
    const tokens = loaded.tokenizer?.vocabSize;
    if (encoder.config.vocabSize !== vocabSize || (tokens !== undefined && tokens !== vocabSize))
      throw new UsageError(
        `--init ${source} has a vocabulary of ${tokens ?? encoder.config.vocabSize} tokens; train embeddings ` +
          `reads bert-base-uncased's WordPiece (${vocabSize}): train the masked LM with its default --tokenizer wordpiece`,
      );
    const dropout = opts.dropout ?? 0.1;
    const config = bertConfig({
      ...encoder.config,
      hiddenDropoutProb: dropout,
      attentionProbsDropoutProb: dropout,
    });
    // Copies: the loaded model is freed below.
    const weights: StateDict = new Map();
    for (const [key, value] of encoder.stateDict()) weights.set(key, value.clone());
    return { config, weights, name: `${model.typeName} from ${source}` };
  } finally {
    loaded.model.dispose();
  }
}

/** Encodes sentences, cut to `maxLength` tokens (keeping [SEP] last), dropping duplicates. */
function encodeSentences(tokenizer: Tokenizer, texts: readonly string[], maxLength: number): number[][] {
  const seen = new Set<string>();
  const out: number[][] = [];
  for (const text of texts) {
    const key = text.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const ids = tokenizer.encode(text);
    if (ids.length <= 2) continue;
    out.push(ids.length > maxLength ? [...ids.slice(0, maxLength - 1), ids.at(-1)!] : ids);
  }
  return out;
}

export async function trainEmbeddings(
  opts: EmbeddingsOptions,
  io: CommandIO,
  helpers: TrainHelpers,
): Promise<{ result: TrainResult; runDir: string; sentences: number }> {
  if (!opts.file)
    throw new UsageError(
      'give the sentences: --file reviews.txt (or several: --file a.tsv,b.txt; --column for TSV / JSONL)',
    );
  const corpora = await readCorpora(opts.file, { flag: '--file', column: opts.column });
  const texts = corpora.flatMap((c) => c.documents.map((d) => d.text));
  const tokenizer = await bertBaseUncased();
  const maxLength = opts['max-length'] ?? 64;
  const sentences = encodeSentences(tokenizer, texts, maxLength);
  // 1 % (at most 2,000) held out: the validation loss picks the best checkpoint.
  const held = Math.min(2000, Math.max(2, Math.floor(sentences.length / 100)));
  const batchSize = opts['batch-size'] ?? 128;
  if (sentences.length - held < batchSize)
    throw new UsageError(
      `${opts.file} gives ${sentences.length} distinct sentences, too few for batches of ${batchSize}: add sentences or lower --batch-size`,
    );
  const init = opts.init ? await loadInitEncoder(opts.init, opts, tokenizer.vocabSize) : null;
  const config = init?.config ?? bertConfig(embeddingsBertConfig(tokenizer.vocabSize, opts));
  const runDir = resolve(opts.out ?? 'runs/embeddings');
  const plan: RunPlan = {
    runDir,
    task: {
      task: 'embeddings',
      tokenizer: 'bert-base-uncased',
      file: corpora.map((c) => resolve(c.path)).join(','),
      ...(opts.init ? { init: opts.init } : {}),
    },
    tokenizer,
    model: {
      vocabSize: config.vocabSize,
      blockSize: config.maxPositionEmbeddings,
      nEmbd: config.hiddenSize,
      nLayer: config.numHiddenLayers,
      nHead: config.numAttentionHeads,
    },
  };
  const padId = tokenizer.padTokenId ?? 0;
  const deleteRate = opts['delete-rate'] ?? 0.6;
  const train = sentences.slice(held);
  const val = sentences.slice(0, held);
  const steps = opts.steps ?? 1000;
  const { model, result } = await helpers.runInFolder('embeddings', plan, (folder) => {
    manualSeed(opts.seed);
    // With the pooler (unused by the loss): the checkpoint is a complete HF BertModel.
    const bert = new BertModel(config);
    if (init) {
      const report = bert.loadStateDict(init.weights, { strict: false });
      for (const t of init.weights.values()) t.dispose();
      // The pooler is the only part a masked LM lacks; the loss and mean pooling never read it.
      const missing = report.missingKeys.filter((k) => !k.startsWith('pooler.'));
      const misfit = [
        ...missing.map((k) => `${k} missing`),
        ...report.unexpectedKeys.map((k) => `${k} unexpected`),
        ...report.mismatchedKeys.map((m) => `${m.key} [${m.got.join(', ')}] ≠ [${m.expected.join(', ')}]`),
      ];
      if (misfit.length > 0)
        throw new UsageError(
          `--init ${opts.init}: its encoder does not fit a BertModel (${misfit.join('; ')})`,
        );
      io.out(`init: ${init.name} (the pooler starts random; nothing reads it)`);
    }
    io.out(
      `model: BERT ${config.numHiddenLayers}×${config.hiddenSize} (${config.numAttentionHeads} heads), ` +
        `${bert.numParameters().toLocaleString('en-US')} parameters; ${train.length.toLocaleString('en-US')} training and ` +
        `${val.length} validation sentences; SimCSE, word deletion ${deleteRate}, temperature ${opts.temperature ?? 0.05}; run folder ${runDir}`,
    );
    const trainer = new Trainer<BertModel, SentenceBatch>(
      {
        model: bert,
        train: sentenceBatchSource({ sentences: train, batchSize, padId, seed: opts.seed, deleteRate }),
        val: sentenceBatchSource({
          sentences: val,
          batchSize: Math.min(batchSize, val.length),
          padId,
          seed: opts.seed + 1,
          deleteRate,
        }),
        loss: simcseLoss({ ...(opts.temperature === undefined ? {} : { temperature: opts.temperature }) }),
        progress: helpers.progress,
        runFolder: folder,
        tokenizer,
      },
      {
        maxSteps: steps,
        schedule: {
          kind: 'cosine',
          lr: opts.lr ?? 1e-3,
          minLr: (opts.lr ?? 1e-3) / 10,
          warmupSteps: Math.min(100, Math.floor(steps / 10)),
          decaySteps: steps,
        },
        optimizer: { betas: [0.9, 0.999], weightDecay: 0.01, decay: 'module' },
        evalInterval: opts['eval-interval'] ?? Math.max(1, Math.floor(steps / 5)),
        evalIters: opts['eval-iters'],
        checkpointDir: runDir,
        checkpointInterval: opts['save-every'] ?? 0,
        resume: folder.resuming ? 'latest' : false,
        seed: opts.seed,
        gradClip: 1,
        logInterval: Math.max(1, Math.floor(steps / 20)),
      },
    );
    return { model: bert, trainer };
  });
  try {
    helpers.summary(result);
    if (result.valLoss !== null)
      io.out(
        `validation loss: ${result.valLoss.toFixed(3)} (ln ${batchSize} = ${Math.log(batchSize).toFixed(2)} is chance)`,
      );
    await helpers.plot(runDir, result);
    io.out(`next: tensorlm search index --model ${runDir} --corpus reviews.txt --out runs/reviews-index`);
    return { result, runDir, sentences: sentences.length };
  } finally {
    model.dispose();
  }
}

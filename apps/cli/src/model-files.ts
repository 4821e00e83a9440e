// The CLI's one way to a model: `--model` (alias `--checkpoint`) names a Hugging Face
// folder, a run folder of `tensorlm train` (its best checkpoint), one checkpoint-N folder,
// or a Hub repo id; @tensorlm/hub-loader's fromPretrained decides which and loads it with
// its tokenizer. The CLI adds only its own run file, the task (`tensorlm-task.json`, what
// a run was trained on), and turns every failure into a CommandFailure naming the source.
// `loadModelForTask` is the one call for a command that needs a model of some kind (a
// masked LM for fill-mask, a classifier for classify, any BERT / GPT-2 for embed).
import { join } from 'node:path';
import {
  formatLoadReport,
  fromPretrained,
  type LoadReport,
  type LocatedModel,
  locateModel,
  ModelFolderError,
} from '@tensorlm/hub-loader';
import {
  BertForMaskedLM,
  BertForSequenceClassification,
  BertModel,
  GPT2ForSequenceClassification,
  GPT2LMHeadModel,
  GPT2Model,
  LSTMLanguageModel,
  type Module,
} from '@tensorlm/nn';
import { TensorlmError } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { switchOption } from './args.js';
import { backendOption, chooseBackend } from './backend.js';
import type { CommandIO } from './command.js';
import { resolveTokenizer } from './commands/tokenize.js';
import { CommandFailure, UsageError } from './errors.js';
import { readJsonFile } from './json-file.js';

/** Written by `tensorlm train` into the run folder: what the model was trained on. */
export const TASK_FILE = 'tensorlm-task.json';
/** The run folder's copy of the tokenizer (each checkpoint holds its own as well). */
export const TOKENIZER_FILE = 'tokenizer.json';

/** What a run was trained on, so `generate` can encode prompts and judge samples. */
export const taskSchema = z.object({
  task: z.enum(['grammar', 'text', 'embeddings', 'reviews', 'mlm', 'sentiment']),
  /** The tokenizer as named at training time (gpt2, char, …); its JSON sits beside. */
  tokenizer: z.string(),
  /** For `text`: the corpus file it was trained on. */
  file: z.string().optional(),
});
export type TaskInfo = z.infer<typeof taskSchema>;

/** The help line of `--model`, the same for every command that takes it. */
export const MODEL_OPTION_HELP =
  'a Hugging Face model folder, a run folder from `tensorlm train` (its best checkpoint),\n' +
  '                        a checkpoint-N folder, or a Hub repo id (gpt2, org/name; via the HF cache)';

/**
 * The options every command that runs a model on texts shares (classify, embed, fill-mask,
 * attention): the model (`--model` or `--checkpoint`), `--json`, a `--tokenizer` override
 * and `--backend`. Each command spreads this into its own zod object.
 */
export const modelTaskOptions = {
  model: z.string().min(1).optional(),
  checkpoint: z.string().min(1).optional(),
  json: switchOption.default(false),
  tokenizer: z.string().optional(),
  backend: backendOption,
};

/** `--model` or its alias `--checkpoint` (both given: they must agree). */
export function modelSource(opts: { model?: string | undefined; checkpoint?: string | undefined }): string {
  const { model, checkpoint } = opts;
  if (model !== undefined && checkpoint !== undefined && model !== checkpoint)
    throw new UsageError(
      `--model ${model} and --checkpoint ${checkpoint} name different models (--checkpoint is another name for --model): give one`,
    );
  const source = model ?? checkpoint;
  if (source === undefined || source.length === 0)
    throw new UsageError('give the model: --model DIR|REPO (a model folder, a run folder or a Hub repo id)');
  return source;
}

/** A hub-loader failure as a CommandFailure (exit 1) naming the source; other errors pass. */
function loadFailure(source: string, error: unknown): unknown {
  if (error instanceof ModelFolderError && error.code === 'MODEL_SOURCE_NOT_FOUND') {
    const message = error.message.startsWith(source)
      ? `model '${source}'${error.message.slice(source.length)}`
      : error.message;
    return new CommandFailure('CLI_MODEL_MISSING', message, { cause: error });
  }
  if (error instanceof TensorlmError && !(error instanceof CommandFailure))
    return new CommandFailure('CLI_MODEL_UNREADABLE', `cannot load the model '${source}': ${error.message}`, {
      cause: error,
    });
  return error;
}

/** Download progress as one line per finished file (the `download` command draws bars). */
function downloadLines(
  io: CommandIO,
): (event: { file: string; bytesDone: number; bytesTotal: number }) => void {
  return ({ file, bytesDone, bytesTotal }) => {
    if (bytesTotal > 0 && bytesDone === bytesTotal)
      io.out(`downloaded ${file} (${(bytesTotal / 1e6).toFixed(1)} MB)`);
  };
}

/**
 * Finds the model's folder — downloading a Hub repo into the HF cache when needed — without
 * loading anything, so a mistyped source fails before a GPU is started.
 */
export async function locateSource(source: string, io: CommandIO): Promise<LocatedModel> {
  try {
    return await locateModel(source, { onDownload: downloadLines(io) });
  } catch (error) {
    throw loadFailure(source, error);
  }
}

export interface LoadedModel<M extends Module = Module> {
  model: M;
  /** The folder's tokenizer, or the `--tokenizer` override; null when there is none. */
  tokenizer: Tokenizer | null;
  /** For a run of `tensorlm train`: what it was trained on. */
  task: TaskInfo | null;
  report: LoadReport;
  rawConfig: Record<string, unknown>;
  generationConfig: Record<string, unknown> | null;
  /** The folder the weights came from. */
  folder: string;
}

/** The task file of a run: in the checkpoint folder itself, else in its run folder. */
async function readTask(located: LocatedModel): Promise<TaskInfo | null> {
  const { access } = await import('node:fs/promises');
  for (const dir of [located.folder, ...(located.runFolder ? [located.runFolder] : [])]) {
    const path = join(dir, TASK_FILE);
    const present = await access(path).then(
      () => true,
      () => false,
    );
    if (present) return readJsonFile(path, taskSchema, 'task file');
  }
  return null;
}

/**
 * Loads the located model onto the current backend with its tokenizer (`tokenizerOverride`
 * replaces it: gpt2, or a tokenizer file or folder) and, for a run, its task.
 */
export async function loadLocated(
  source: string,
  located: LocatedModel,
  tokenizerOverride?: string,
): Promise<LoadedModel> {
  const task = await readTask(located);
  const override = tokenizerOverride === undefined ? null : await resolveTokenizer(tokenizerOverride);
  let loaded: Awaited<ReturnType<typeof fromPretrained>>;
  try {
    // A Hub repo loads from its located snapshot, so it is not looked up twice.
    loaded = await fromPretrained(located.kind === 'hub' ? located.folder : source);
  } catch (error) {
    throw loadFailure(source, error);
  }
  const tokenizer = override ?? loaded.tokenizer;
  const vocabSize = (loaded.config as { vocabSize?: unknown }).vocabSize;
  if (override && typeof vocabSize === 'number' && override.vocabSize > vocabSize) {
    loaded.model.dispose();
    throw new CommandFailure(
      'CLI_TOKENIZER_MISMATCH',
      `the tokenizer has ${override.vocabSize} ids but the model in '${located.folder}' only ${vocabSize}`,
    );
  }
  return {
    model: loaded.model,
    tokenizer,
    task,
    report: located.kind === 'hub' ? { ...loaded.report, source: 'hub' } : loaded.report,
    rawConfig: loaded.rawConfig,
    generationConfig: loaded.generationConfig,
    folder: located.folder,
  };
}

/** What a command needs the model to be; 'any' takes whatever the folder holds. */
export type ModelKind = 'causal-lm' | 'masked-lm' | 'encoder' | 'sequence-classification' | 'any';

const KIND_CHECKS: Record<Exclude<ModelKind, 'any'>, { what: string; fits: (model: Module) => boolean }> = {
  'causal-lm': {
    what: 'a causal LM (GPT2LMHeadModel or LSTMLanguageModel)',
    fits: (m) => m instanceof GPT2LMHeadModel || m instanceof LSTMLanguageModel,
  },
  'masked-lm': { what: 'a masked LM (BertForMaskedLM)', fits: (m) => m instanceof BertForMaskedLM },
  encoder: {
    what: 'a BERT, GPT-2 or LSTM language model',
    fits: (m) =>
      m instanceof LSTMLanguageModel ||
      m instanceof BertModel ||
      m instanceof BertForMaskedLM ||
      m instanceof BertForSequenceClassification ||
      m instanceof GPT2Model ||
      m instanceof GPT2LMHeadModel,
  },
  'sequence-classification': {
    what: 'a model with a classification head (BertForSequenceClassification or GPT2ForSequenceClassification)',
    fits: (m) => m instanceof BertForSequenceClassification || m instanceof GPT2ForSequenceClassification,
  },
};

export interface LoadForTaskOptions {
  /** The command, for messages (`fill-mask needs …`). */
  command: string;
  expect: ModelKind;
  /** `--backend`: started after the source is found, before the weights are read. */
  backend: string;
  /** `--tokenizer`: replaces the model's own. */
  tokenizer?: string | undefined;
  /** Whether the command needs a tokenizer (default true). */
  needsTokenizer?: boolean;
}

/**
 * Any command's way to a model: finds `source` (failing before a GPU starts), starts the
 * backend, loads the model with its tokenizer, and checks it is the kind the command needs —
 * each failure a CommandFailure naming the source. The caller disposes `model`.
 */
export async function loadModelForTask(
  source: string,
  io: CommandIO,
  options: LoadForTaskOptions,
): Promise<LoadedModel> {
  const located = await locateSource(source, io);
  await chooseBackend(options.backend, io);
  const loaded = await loadLocated(source, located, options.tokenizer);
  const check = options.expect === 'any' ? null : KIND_CHECKS[options.expect];
  if (check && !check.fits(loaded.model)) {
    loaded.model.dispose();
    throw new CommandFailure(
      'CLI_WRONG_MODEL_KIND',
      `'${source}' holds a ${loaded.report.architecture}; ${options.command} needs ${check.what}`,
    );
  }
  if ((options.needsTokenizer ?? true) && !loaded.tokenizer) {
    loaded.model.dispose();
    throw new CommandFailure(
      'CLI_TOKENIZER_MISSING',
      `'${source}' has no tokenizer (tokenizer.json, vocab.json + merges.txt, vocab.txt in ${loaded.folder}); pass --tokenizer (a tokenizer file or folder)`,
    );
  }
  return loaded;
}

/**
 * A pipeline's TaskError as the CLI's: an unusable input or option given on the command
 * line is a UsageError (exit 2), a model that cannot do the task a CommandFailure (exit 1).
 */
export function taskFailure(error: unknown): unknown {
  if (!(error instanceof TensorlmError) || error instanceof CommandFailure || error instanceof UsageError)
    return error;
  if (error.code === 'TASK_BAD_INPUT' || error.code === 'TASK_BAD_OPTIONS')
    return new UsageError(error.message, { cause: error });
  if (error.code.startsWith('TASK_')) return new CommandFailure(error.code, error.message, { cause: error });
  return error;
}

/** The IO for a command with `--json`: stdout carries only the JSON, the rest goes to stderr. */
export function jsonIO(io: CommandIO, json: boolean): CommandIO {
  if (!json) return io;
  const err = io.err ?? ((line: string) => console.error(line));
  return { ...io, out: err, write: undefined as never, isTTY: false };
}

/** The load in one or two lines: what was built from where, then what the key mapping did. */
export function describeLoad(loaded: LoadedModel, io: CommandIO): void {
  const { report } = loaded;
  const count = loaded.model.numParameters();
  io.out(
    `model: ${report.architecture}, ${count.toLocaleString('en-US')} parameters, from ${report.folder}` +
      (report.source === 'hub' ? ' (Hugging Face cache)' : ''),
  );
  const notes = formatLoadReport(report);
  if (notes.length > 0) io.out(`weights: ${notes.join('; ')}`);
}

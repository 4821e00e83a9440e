// The run folder of `tensorlm train`, seen from the command: open it (refusing a folder
// that is not a run, or a run without --resume / --overwrite; taking the lock), check that
// a resumed run is the same task, tokenizer and model shape as the command asks for —
// all before anything in the folder is written — then write the tokenizer and task
// atomically (on --resume only when they differ from nothing: identical files are left
// alone). Also the resume hint printed after Ctrl-C, and the exit code of a stop by signal.
import { join } from 'node:path';
import type { Module } from '@tensorlm/nn';
import { writeFileAtomic } from '@tensorlm/nn';
import type { Tokenizer } from '@tensorlm/tokenizers';
import {
  MODEL_CONFIG_FILE,
  openRunFolder,
  type ProgressWriter,
  type RunFolder,
  signalExitCode,
  type Trainer,
  type TrainResult,
} from '@tensorlm/trainer';
import { z } from 'zod';
import type { CommandIO } from '../command.js';
import { CliError, CommandFailure, UsageError } from '../errors.js';
import { readJsonFile } from '../json-file.js';
import { TASK_FILE, type TaskInfo, TOKENIZER_FILE, taskSchema } from '../model-files.js';

/** Files `train` writes into a run folder besides the trainer's (their temporaries are swept). */
export const TRAIN_FILES = [TOKENIZER_FILE, TASK_FILE, 'loss.svg'] as const;

/** The model shape a command builds, as GPT config fields (a BERT's: positions, hidden size, layers, heads). */
export interface ModelShape {
  vocabSize: number;
  blockSize: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
}

/** What a training writes into its run folder, decided before anything is written. */
export interface RunPlan {
  runDir: string;
  task: TaskInfo;
  tokenizer: Tokenizer;
  model: ModelShape;
  /**
   * config.json fields a resumed checkpoint must hold, for an architecture whose config
   * does not use GPT-2's or BERT's names (the LSTM's); when given, they are compared
   * instead of `model`'s shape keys.
   */
  configFields?: Readonly<Record<string, number>>;
}

/**
 * What train.ts lends a subcommand defined in its own file (`train mlm`): its one
 * run-folder flow (open, check, write, train with Ctrl-C handled — see trainInRunFolder
 * there) and its output helpers, so no subcommand copies them.
 */
export interface TrainHelpers {
  runInFolder<M extends Module, B>(
    what: string,
    plan: RunPlan,
    build: (folder: RunFolder) => { model: M; trainer: Trainer<M, B> },
  ): Promise<{ model: M; result: TrainResult }>;
  summary(result: TrainResult): void;
  plot(runDir: string, result: TrainResult): Promise<void>;
  progress: ProgressWriter;
}

/** Opens `runDir` for `train` (see the file header); notices go to the command's output. */
export async function openTrainingFolder(
  runDir: string,
  opts: { resume: boolean; overwrite: boolean },
  io: CommandIO,
): Promise<RunFolder> {
  if (opts.resume && opts.overwrite)
    throw new UsageError(
      '--resume continues the run in --out and --overwrite moves it aside: give one of them',
    );
  const folder = await openRunFolder(runDir, {
    resume: opts.resume,
    overwrite: opts.overwrite,
    ownFiles: TRAIN_FILES,
    log: (line) => io.out(line),
    hints: { resume: '--resume', overwrite: '--overwrite', out: '--out' },
  });
  if (opts.resume && !folder.resuming) io.out(`nothing to resume in ${runDir}: starting a new run`);
  return folder;
}

/**
 * The shape fields of a checkpoint's config.json, under GPT-2's names or BERT's: each
 * ModelShape field with the config keys that hold it, GPT-2's first.
 */
const SHAPE_KEYS: readonly [keyof ModelShape, ...string[]][] = [
  ['vocabSize', 'vocab_size'],
  ['blockSize', 'n_positions', 'max_position_embeddings'],
  ['nEmbd', 'n_embd', 'hidden_size'],
  ['nLayer', 'n_layer', 'num_hidden_layers'],
  ['nHead', 'n_head', 'num_attention_heads'],
];
const hfConfig = z.record(z.string(), z.unknown());

function tokenizerText(tokenizer: Tokenizer): string {
  return `${JSON.stringify(tokenizer.toJSON())}\n`;
}

async function readText(path: string): Promise<string | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/**
 * On --resume, refuses (exit 1, nothing written) a run whose task, tokenizer or model
 * shape differ from what the command would build; says which file and which field.
 */
export async function checkResumeMatches(folder: RunFolder, plan: RunPlan): Promise<void> {
  if (!folder.resuming) return;
  const point = await folder.resumePoint('latest');
  if (!point) return;
  const mismatch = (what: string) =>
    new CommandFailure(
      'CLI_RESUME_MISMATCH',
      `cannot resume ${folder.dir}: ${what}. Nothing in the run was changed; train into another --out to start a new run.`,
    );
  const taskPath = join(folder.dir, TASK_FILE);
  const task =
    (await readText(taskPath)) === null ? null : await readJsonFile(taskPath, taskSchema, 'task file');
  if (task) {
    if (task.task !== plan.task.task)
      throw mismatch(`it holds a '${task.task}' run (${taskPath}), not a '${plan.task.task}' one`);
    if (task.tokenizer !== plan.task.tokenizer)
      throw mismatch(
        `it was trained with --tokenizer ${task.tokenizer}, not ${plan.task.tokenizer} (${taskPath})`,
      );
    if (task.file !== undefined && plan.task.file !== undefined && task.file !== plan.task.file)
      throw mismatch(`it was trained on --file ${task.file}, not ${plan.task.file} (${taskPath})`);
  }
  const tokenizerPath = join(folder.dir, TOKENIZER_FILE);
  const saved = await readText(tokenizerPath);
  if (saved !== null && !sameJson(saved, tokenizerText(plan.tokenizer)))
    throw mismatch(
      `${tokenizerPath} differs from the tokenizer this command builds (the token ids would not match)`,
    );
  const configPath = join(point.path, MODEL_CONFIG_FILE);
  if ((await readText(configPath)) === null) return;
  const hf = await readJsonFile(configPath, hfConfig, 'model config');
  const pairs = plan.configFields
    ? Object.entries(plan.configFields).map(([key, wanted]): [string, unknown, number] => [
        key,
        hf[key],
        wanted,
      ])
    : SHAPE_KEYS.map(([field, ...keys]): [string, unknown, number] => {
        const key = keys.find((k) => k in hf) ?? keys[0]!;
        return [key, hf[key], plan.model[field]];
      });
  const differing = pairs.filter(([, saved, wanted]) => saved !== wanted);
  if (differing.length > 0) {
    const list = differing
      .map(
        ([k, saved, wanted]) =>
          `${k} ${saved === undefined ? 'missing' : String(saved)} there, ${wanted} here`,
      )
      .join(', ');
    throw mismatch(`its model (${configPath}) has another shape: ${list}`);
  }
}

/** Writes the tokenizer and task atomically, leaving identical files alone. */
export async function writeRunFiles(plan: RunPlan): Promise<void> {
  const files: [string, string][] = [
    [TOKENIZER_FILE, tokenizerText(plan.tokenizer)],
    [TASK_FILE, `${JSON.stringify(plan.task, null, 2)}\n`],
  ];
  for (const [name, text] of files) {
    const path = join(plan.runDir, name);
    const current = await readText(path);
    if (current !== null && sameJson(current, text)) continue;
    await writeFileAtomic(path, text);
  }
}

/** A word as the shell reads it back. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `tensorlm train <what> …` with the options that differ from their defaults, plus --resume. */
export function resumeCommandLine(
  what: string,
  runDir: string,
  opts: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
): string {
  const words = ['tensorlm', 'train', what, '--out', runDir];
  for (const [name, value] of Object.entries(opts)) {
    if (['out', 'resume', 'overwrite'].includes(name) || value === undefined || value === defaults[name])
      continue;
    words.push(`--${name}`);
    if (value !== true) words.push(String(value));
  }
  words.push('--resume');
  return words.map(shellWord).join(' ');
}

/** Training stopped by SIGINT / SIGTERM after saving: the shell's code for the signal (130, 143). */
export class TrainingInterrupted extends CliError {
  readonly exitCode: 130 | 143;
  constructor(
    readonly signal: NodeJS.Signals,
    message: string,
  ) {
    super('CLI_INTERRUPTED', message);
    this.name = 'TrainingInterrupted';
    this.exitCode = signalExitCode(signal) === 143 ? 143 : 130;
  }
}

// What every pipeline shares: the model and tokenizer it runs, where notes go (a truncated
// input), the batch size, `dispose()`, and the callable wrapper that lets a pipeline be
// used as transformers.js' are — `await classify('text')` — while keeping its methods.
import type { FromPretrainedOptions } from '@tensorlm/hub-loader';
import type { Module } from '@tensorlm/nn';
import type { Backend } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { parseOptions, TaskError } from './errors.js';
import type { ResolvedModel } from './model-source.js';

const isFunction = (v: unknown): boolean => typeof v === 'function';

/** Options of `pipeline(task, model, options)` common to every task. */
export const pipelineOptionsShape = {
  /** Passed to hub-loader's fromPretrained when the model is loaded from a source (revision, cacheDir, …). */
  load: z.custom<FromPretrainedOptions>((v) => typeof v === 'object' && v !== null).optional(),
  /** The backend the weights are loaded onto (default: the current one). */
  backend: z.custom<Backend>((v) => typeof v === 'object' && v !== null).optional(),
  /** Texts run through the model at once (default 32). */
  batchSize: z.number().int().min(1).default(32),
  /** Hears what a pipeline did beyond the obvious (an input cut to the model's length). Default: console.warn. */
  onNote: z.custom<(message: string) => void>(isFunction, { message: 'must be a function' }).optional(),
};

export const pipelineOptionsSchema = z.strictObject(pipelineOptionsShape);
export type PipelineOptions = z.input<typeof pipelineOptionsSchema>;
export type ResolvedPipelineOptions = z.output<typeof pipelineOptionsSchema>;

export function parsePipelineOptions(options: unknown): ResolvedPipelineOptions {
  return parseOptions(pipelineOptionsSchema, options, 'pipeline options');
}

export type TaskName =
  | 'text-generation'
  | 'fill-mask'
  | 'feature-extraction'
  | 'text-classification'
  | 'sentiment-analysis';

export abstract class BasePipeline {
  abstract readonly task: TaskName;
  readonly model: Module;
  readonly tokenizer: Tokenizer;
  protected readonly resolved: ResolvedModel;
  protected readonly options: ResolvedPipelineOptions;
  #disposed = false;

  constructor(resolved: ResolvedModel, options: ResolvedPipelineOptions, tokenizer: Tokenizer) {
    this.resolved = resolved;
    this.model = resolved.model;
    this.tokenizer = tokenizer;
    this.options = options;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Frees what the pipeline created: the model's weights when the pipeline loaded it (a
   * model handed in stays the caller's). The backend and its device are left running.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.resolved.owned) this.model.dispose();
  }

  protected note(message: string): void {
    (this.options.onNote ?? ((line: string) => console.warn(`tensorlm ${this.task}: ${line}`)))(message);
  }

  protected checkUsable(): void {
    if (this.#disposed) throw new TaskError('TASK_DISPOSED', `this ${this.task} pipeline was disposed`);
  }
}

/** The model's tokenizer, or a TaskError saying the task needs one. */
export function requireTokenizer(resolved: ResolvedModel, task: TaskName): Tokenizer {
  if (resolved.tokenizer) return resolved.tokenizer;
  throw new TaskError(
    'TASK_UNSUPPORTED_MODEL',
    `${task} needs a tokenizer and '${resolved.name}' has none (tokenizer.json, vocab.json + merges.txt or vocab.txt); pass { model, tokenizer }`,
  );
}

/** A TaskError for a model of the wrong kind: what the task needs, what it got, what to use instead. */
export function unsupportedModel(
  task: TaskName,
  needs: string,
  resolved: ResolvedModel,
  hint = '',
): TaskError {
  const got = resolved.model.typeName;
  const named = resolved.name === got ? `the model is a ${got}` : `'${resolved.name}' is a ${got}`;
  return new TaskError(
    'TASK_UNSUPPORTED_MODEL',
    `${task} needs ${needs}; ${named}${hint ? ` (${hint})` : ''}`,
  );
}

/**
 * The pipeline as a function (`await p(inputs, options)` runs `p.run`) that still has the
 * pipeline's properties and methods.
 */
export function callable<P extends { run: (...args: never[]) => unknown }, C>(p: P): P & C {
  const call = (...args: unknown[]) => (p.run as (...a: unknown[]) => unknown)(...args);
  return new Proxy(call, {
    get(_target, key) {
      const value = Reflect.get(p, key, p);
      return typeof value === 'function' ? value.bind(p) : value;
    },
    has: (_target, key) => Reflect.has(p, key),
    set: () => false,
  }) as unknown as P & C;
}

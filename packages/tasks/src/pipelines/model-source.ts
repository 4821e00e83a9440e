// What a pipeline runs on: anything hub-loader's `fromPretrained` accepts (a Hub repo id, a
// Hugging Face folder, a tensorlm run or checkpoint folder, a browser's files) or a model
// already loaded (`{ model, tokenizer }`, e.g. fromPretrained's own result). A model the
// pipeline loaded is the pipeline's to free; a model handed in stays the caller's, so
// `dispose()` never frees weights that something else may still use.
import { type FromPretrainedOptions, fromPretrained, type ModelFiles } from '@tensorlm/hub-loader';
import {
  BertForMaskedLM,
  BertForSequenceClassification,
  BertModel,
  GPT2ForSequenceClassification,
  GPT2LMHeadModel,
  GPT2Model,
  Module,
} from '@tensorlm/nn';
import type { Backend } from '@tensorlm/tensor-core';
import { getBackend } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { TaskError } from './errors.js';

/** A model already in memory, with what a pipeline needs beside it. */
export interface LoadedTaskModel<M extends Module = Module> {
  model: M;
  tokenizer: Tokenizer | null;
  /** config.json as stored (for `id2label`); optional for a model built in code. */
  rawConfig?: Record<string, unknown> | null;
  /** generation_config.json as stored (text-generation defaults). */
  generationConfig?: Record<string, unknown> | null;
}

/** A repo id or folder path, a browser's model files, or a loaded model. */
export type ModelSource = string | ModelFiles | LoadedTaskModel;

export interface ResolvedModel extends Required<LoadedTaskModel> {
  /** Whether the pipeline loaded it (and so frees it in `dispose()`). */
  owned: boolean;
  /** How to name the model in messages: the source string, or the architecture. */
  name: string;
}

function isLoaded(source: ModelSource): source is LoadedTaskModel {
  return typeof source === 'object' && source !== null && 'model' in source && source.model instanceof Module;
}

/** Loads `source` (or takes it as it is when already loaded). */
export async function resolveModel(
  source: ModelSource,
  load: FromPretrainedOptions = {},
): Promise<ResolvedModel> {
  if (isLoaded(source)) {
    return {
      model: source.model,
      tokenizer: source.tokenizer ?? null,
      rawConfig: source.rawConfig ?? null,
      generationConfig: source.generationConfig ?? null,
      owned: false,
      name: source.model.typeName,
    };
  }
  if (typeof source !== 'string' && (typeof source !== 'object' || source === null)) {
    throw new TaskError(
      'TASK_BAD_INPUT',
      'model must be a repo id or folder path, model files, or a loaded { model, tokenizer }',
    );
  }
  const loaded = await fromPretrained(source as string | ModelFiles, load);
  return {
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    rawConfig: loaded.rawConfig,
    generationConfig: loaded.generationConfig,
    owned: true,
    name: typeof source === 'string' ? source : loaded.report.architecture,
  };
}

/** The longest input (in tokens) the model's positions allow, or null when unbounded. */
export function maxPositions(model: Module): number | null {
  const config = (model as { config?: { maxPositionEmbeddings?: number; blockSize?: number } }).config;
  return config?.maxPositionEmbeddings ?? config?.blockSize ?? null;
}

/** The backend holding the model's weights: inputs are created there. */
export function modelBackend(model: Module): Backend {
  return model.parameters()[0]?.backend ?? getBackend();
}

/** The encoder trunk of a model, for feature extraction: BERT's `bert`, GPT-2's `transformer` (LM or classifier). */
export function encoderOf(model: Module): BertModel | GPT2Model | null {
  if (model instanceof BertModel || model instanceof GPT2Model) return model;
  if (model instanceof BertForMaskedLM || model instanceof BertForSequenceClassification) return model.bert;
  if (model instanceof GPT2LMHeadModel || model instanceof GPT2ForSequenceClassification)
    return model.transformer;
  return null;
}

/** Runs `fn` with dropout off, restoring the model's mode afterwards (a model handed in may be training). */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  if (wasTraining) model.eval();
  try {
    return fn();
  } finally {
    if (wasTraining) model.train();
  }
}

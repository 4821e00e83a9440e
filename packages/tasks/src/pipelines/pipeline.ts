// `pipeline(task, model, options)`: Hugging Face's entry point — a task name and a model
// (a repo id, a folder, a run, or `{ model, tokenizer }` already loaded) give a function
// that does the task. The model is checked against the task before anything runs, and a
// model the pipeline loaded is freed again when the task cannot use it.

import {
  type PipelineOptions,
  parsePipelineOptions,
  type ResolvedPipelineOptions,
  type TaskName,
} from './base.js';
import { TaskError } from './errors.js';
import { type FeatureExtractionPipeline, featureExtractionPipeline } from './feature-extraction.js';
import { type FillMaskPipeline, fillMaskPipeline } from './fill-mask.js';
import { type ModelSource, type ResolvedModel, resolveModel } from './model-source.js';
import { type TextClassificationPipeline, textClassificationPipeline } from './text-classification.js';
import { type TextGenerationPipeline, textGenerationPipeline } from './text-generation.js';

export interface PipelineByTask {
  'text-generation': TextGenerationPipeline;
  'fill-mask': FillMaskPipeline;
  'feature-extraction': FeatureExtractionPipeline;
  'text-classification': TextClassificationPipeline;
  'sentiment-analysis': TextClassificationPipeline;
}

const BUILDERS: {
  [T in TaskName]: (resolved: ResolvedModel, options: ResolvedPipelineOptions) => PipelineByTask[T];
} = {
  'text-generation': textGenerationPipeline,
  'fill-mask': fillMaskPipeline,
  'feature-extraction': featureExtractionPipeline,
  'text-classification': (r, o) => textClassificationPipeline(r, o, 'text-classification'),
  'sentiment-analysis': (r, o) => textClassificationPipeline(r, o, 'sentiment-analysis'),
};

export const TASKS = Object.keys(BUILDERS) as TaskName[];

/**
 * A pipeline for `task` on `model`. Throws TaskError `TASK_UNKNOWN` for an unknown task and
 * `TASK_UNSUPPORTED_MODEL` for a model that cannot do it (fill-mask on a GPT, classification
 * without a classification head), before any input is read.
 */
export async function pipeline<T extends TaskName>(
  task: T,
  model: ModelSource,
  options: PipelineOptions = {},
): Promise<PipelineByTask[T]> {
  const build = Object.hasOwn(BUILDERS, task) ? BUILDERS[task] : undefined;
  if (!build)
    throw new TaskError('TASK_UNKNOWN', `unknown task '${String(task)}' (known: ${TASKS.join(', ')})`);
  const opts = parsePipelineOptions(options);
  const resolved = await resolveModel(model, {
    ...opts.load,
    ...(opts.backend ? { backend: opts.backend } : {}),
  });
  try {
    return build(resolved, opts) as PipelineByTask[T];
  } catch (error) {
    if (resolved.owned) resolved.model.dispose();
    throw error;
  }
}

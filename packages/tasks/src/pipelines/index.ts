// Pipelines: `pipeline(task, model, options)` and each task's class, options and outputs.
export {
  BasePipeline,
  type PipelineOptions,
  pipelineOptionsSchema,
  type TaskName,
} from './base.js';
export { checkText, type TextInput } from './encode.js';
export { parseOptions, TaskError, type TaskErrorCode } from './errors.js';
export {
  FeatureExtraction,
  type FeatureExtractionOptions,
  type FeatureExtractionPipeline,
  type Features,
  featureExtractionOptionsSchema,
  POOLINGS,
  type Pooling,
} from './feature-extraction.js';
export {
  FillMask,
  type FillMaskCandidate,
  type FillMaskOptions,
  type FillMaskOutput,
  type FillMaskPipeline,
  fillMaskOptionsSchema,
} from './fill-mask.js';
export {
  encoderOf,
  type LoadedTaskModel,
  type ModelSource,
  maxPositions,
  modelBackend,
  resolveModel,
} from './model-source.js';
export { type PipelineByTask, pipeline, TASKS } from './pipeline.js';
export {
  type ClassificationLabel,
  labelsOf,
  TextClassification,
  type TextClassificationOptions,
  type TextClassificationPipeline,
  textClassificationOptionsSchema,
} from './text-classification.js';
export {
  type GeneratedText,
  TextGeneration,
  type TextGenerationOptions,
  type TextGenerationPipeline,
  textGenerationOptionsSchema,
} from './text-generation.js';

// @tensorlm/trainer for browsers (the package's `browser` export condition): the parts a
// web page trains with — optimizers, LR schedules, gradient clipping, batch sources, the
// causal- and masked-LM losses and k-means — without the Trainer loop's run folders,
// checkpoints on disk, locks, signals and SVG files, which the Node entry (./index.ts)
// adds. No `node:` import is reachable from here (tooling/browser bundles it and checks).

export { type KMeansOptions, type KMeansResult, kmeans } from './analysis/kmeans.js';
export {
  type BatchSource,
  DatasetBatchSource,
  type DatasetSourceOptions,
  datasetSource,
  type EpochLoader,
  IndexedBatchSource,
  type IndexedDataset,
  indexedSource,
  LoaderBatchSource,
  loaderSource,
  padBatch,
  type TokenBatchSourceOptions,
  tokenBatchSource,
} from './data/batch-source.js';
export { NonFiniteLossError, TrainerError } from './errors.js';
export { type ClipGradNormOptions, clipGradNorm, gradNorm } from './grad/clip.js';
export {
  type CausalLmLossOptions,
  causalLmLoss,
  causalLmMetrics,
  type LmBatch,
  type LmLosses,
  type LogitsModel,
  lmLosses,
  measureLmLosses,
  shiftBatch,
} from './lm/causal-lm.js';
export {
  type MaskedLmBatch,
  type MaskedLogitsModel,
  maskedLmLogits,
  maskedLmLoss,
  maskedLmMetrics,
} from './lm/masked-lm.js';
export { Adam, type AdamHyper, type AdamOptions, AdamW } from './optim/adamw.js';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
} from './optim/optimizer.js';
export {
  type WeightDecayGroup,
  type WeightDecayGroups,
  type WeightDecayGroupsOptions,
  weightDecayGroups,
} from './optim/param-groups.js';
export { SGD, type SgdHyper, type SgdOptions } from './optim/sgd.js';
export {
  constantLr,
  type LrSchedule,
  type ScheduleConfig,
  scheduleConfigSchema,
  scheduleFromConfig,
  stepDecayLr,
  warmupCosineLr,
} from './schedule/schedules.js';
export type { JsonObject, JsonValue } from './util/json.js';
export { deriveIntSeed } from './util/seed.js';

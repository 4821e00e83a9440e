// @tensorlm/trainer: optimizers (AdamW, Adam, SGD), LR schedules, gradient clipping, batch
// sources with resumable positions, a Trainer loop with evaluation, callbacks, early
// stopping and atomic resumable checkpoints, progress output, loss-curve plots, and the
// causal-LM helpers (the loss over real tokens, and the seeds' pad-included figure).

export { type KMeansOptions, type KMeansResult, kmeans } from './analysis/kmeans.js';
export {
  BEST_POINTER,
  type CheckpointPointer,
  checkpointName,
  findCheckpoint,
  LATEST_POINTER,
  type LoadCheckpointOptions,
  listCheckpoints,
  loadCheckpoint,
  MODEL_CONFIG_FILE,
  MODEL_FILE,
  OPTIMIZER_FILE,
  type PruneOptions,
  pruneCheckpoints,
  readPointer,
  type SaveCheckpointOptions,
  saveCheckpoint,
  TRAINER_STATE_FILE,
  writePointer,
} from './checkpoint/checkpoint.js';
export { type CheckpointFiles, checkpointProblem, safetensorsProblem } from './checkpoint/verify.js';
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
  maskedMeanPool,
  type SentenceBatch,
  type SentenceEncoder,
  type SentenceSourceOptions,
  type SimcseLossOptions,
  sentenceBatchSource,
  simcseLoss,
} from './lm/contrastive.js';
export {
  type CausalLmTrainerSetup,
  causalLmTrainer,
  type MaskedLmTrainerSetup,
  maskedLmTrainer,
} from './lm/lm-trainer.js';
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
  formatCompactCount,
  type LossCurveData,
  type LossCurveOptions,
  type LossPoint,
  lossCurveSvg,
  niceTicks,
  writeLossCurveSvg,
} from './plot/loss-curve.js';
export { type LossSeries, lossCurvesSvg } from './plot/loss-curves.js';
export { RunFolderError, type RunFolderErrorCode } from './run/errors.js';
export {
  type SignalTarget,
  type SignalWatch,
  type StopOnSignalsOptions,
  signalExitCode,
  stopOnSignals,
} from './run/interrupt.js';
export { acquireRunLock, type LockHolder, RUN_LOCK, type RunLock } from './run/lock.js';
export { CHECKPOINT_NAME, RUN_MANIFEST, type RunManifest, readManifest } from './run/manifest.js';
export {
  inspectRunFolder,
  type OpenRunFolderOptions,
  openRunFolder,
  type ResumePoint,
  RUN_FILES,
  RunFolder,
  type RunFolderHints,
  type RunFolderInspection,
  type RunFolderKind,
} from './run/run-folder.js';
export { removeTemporaries } from './run/temporaries.js';
export {
  constantLr,
  type LrSchedule,
  type ScheduleConfig,
  scheduleConfigSchema,
  scheduleFromConfig,
  stepDecayLr,
  warmupCosineLr,
} from './schedule/schedules.js';
export {
  earlyStoppingSchema,
  optimizerConfigSchema,
  type TrainerConfig,
  type TrainerConfigInput,
  trainerConfigSchema,
} from './trainer/config.js';
export {
  formatDuration,
  type ProgressOptions,
  ProgressReporter,
  type ProgressUpdate,
  type ProgressWriter,
} from './trainer/progress.js';
export { type AnyOptimizer, Trainer, type TrainerSetup } from './trainer/trainer.js';
export type {
  BatchEndInfo,
  CheckpointInfo,
  EvalInfo,
  EvalRecord,
  LossFn,
  LossHistory,
  MetricsFn,
  StopReason,
  TrainerEvent,
  TrainerEvents,
  TrainRecord,
  TrainResult,
} from './trainer/types.js';
export type { JsonObject, JsonValue } from './util/json.js';
export { deriveIntSeed } from './util/seed.js';

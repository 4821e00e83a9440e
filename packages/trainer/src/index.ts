// @tensorlm/trainer: optimizers (AdamW, Adam, SGD), LR schedules, gradient clipping, batch
// sources with resumable positions, a Trainer loop with evaluation, callbacks, early
// stopping and atomic resumable checkpoints, progress output, loss-curve plots, and the
// causal-LM helpers (the loss over real tokens, and the seeds' pad-included figure).

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
export * from './index.browser.js';
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

// The Trainer's records, results and events: what callbacks receive and what run() returns.
import type { Module } from '@tensorlm/nn';
import type { Tensor } from '@tensorlm/tensor-core';
import type { Trainer } from './trainer.js';

/** The scalar loss of one batch (recorded for autograd). */
export type LossFn<M, B> = (model: M, batch: B) => Tensor;
/** Extra scalar metrics of one validation batch, averaged over the evaluation. */
export type MetricsFn<M, B> = (model: M, batch: B) => Record<string, Tensor>;

export interface TrainRecord {
  /** Optimizer steps completed (1 for the first). */
  step: number;
  /** Mean loss of the step's micro-batches. */
  loss: number;
  lr: number;
  /** Tokens seen once this step is done. */
  tokens: number;
  /** Global gradient norm before clipping (when gradClip is set). */
  gradNorm?: number;
  /** Wall time of the step, data loading included. */
  ms: number;
}

export interface EvalRecord {
  step: number;
  /** Mean validation loss over evalIters batches. */
  loss: number;
  tokens: number;
  metrics: Record<string, number>;
}

export interface LossHistory {
  train: TrainRecord[];
  val: EvalRecord[];
}

export interface BatchEndInfo extends TrainRecord {
  tokensPerSecond: number;
}

export interface EvalInfo extends EvalRecord {
  isBest: boolean;
  bestLoss: number;
  evalsWithoutImprovement: number;
}

export type StopReason = 'maxSteps' | 'earlyStopping' | 'stopped';

export interface TrainResult {
  step: number;
  tokensSeen: number;
  stopReason: StopReason;
  /** Loss of the last step (NaN if no step ran). */
  trainLoss: number;
  /** Last validation loss (null without a validation source). */
  valLoss: number | null;
  bestValLoss: number | null;
  bestStep: number | null;
  history: LossHistory;
  /** Wall time of this `run()` call. */
  elapsedMs: number;
  /** Tokens per second over this `run()` call. */
  tokensPerSecond: number;
  lastCheckpoint: string | null;
  bestCheckpoint: string | null;
  /** The checkpoint this run resumed from, if any. */
  resumedFrom: string | null;
}

export interface CheckpointInfo {
  path: string;
  step: number;
  reason: 'interval' | 'best' | 'final';
}

export interface TrainerEvents<M extends Module, B> {
  batchEnd: (info: BatchEndInfo, trainer: Trainer<M, B>) => void | Promise<void>;
  eval: (info: EvalInfo, trainer: Trainer<M, B>) => void | Promise<void>;
  epochEnd: (info: { epoch: number; step: number }, trainer: Trainer<M, B>) => void | Promise<void>;
  checkpoint: (info: CheckpointInfo, trainer: Trainer<M, B>) => void | Promise<void>;
  trainEnd: (info: TrainResult, trainer: Trainer<M, B>) => void | Promise<void>;
}

export type TrainerEvent = keyof TrainerEvents<Module, unknown>;

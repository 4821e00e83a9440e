// The Trainer, in the spirit of minGPT's: a model, a batch source, a loss and a config;
// `run()` does forward → backward → (clip) → optimizer step for maxSteps, with gradient
// accumulation, periodic evaluation on a validation source, callbacks (batchEnd, eval,
// epochEnd, checkpoint, trainEnd — minGPT's set_callback), early stopping, and
// checkpoints that hold everything a resumed run needs to continue exactly as an
// uninterrupted one: weights, optimizer state, data positions, the step (the lr schedule
// and the per-step random seed are pure functions of it) and the loss history.
import type { Module } from '@tensorlm/nn';
import { add, div, isTensor, manualSeed, mul, noGrad, type Tensor, tidy } from '@tensorlm/tensor-core';
import {
  BEST_POINTER,
  checkpointName,
  findCheckpoint,
  joinPath,
  loadCheckpoint,
  pruneCheckpoints,
  readPointer,
  saveCheckpoint,
  writePointer,
} from '../checkpoint/checkpoint.js';
import type { BatchSource } from '../data/batch-source.js';
import { NonFiniteLossError, parseWith, TrainerError } from '../errors.js';
import { clipGradNorm } from '../grad/clip.js';
import { Adam, AdamW } from '../optim/adamw.js';
import type { Optimizer } from '../optim/optimizer.js';
import { weightDecayGroups } from '../optim/param-groups.js';
import { SGD } from '../optim/sgd.js';
import { constantLr, type LrSchedule, scheduleFromConfig } from '../schedule/schedules.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import { deriveSeed } from '../util/seed.js';
import { defaultTokenCount, disposeTree } from '../util/tensors.js';
import { type TrainerConfig, type TrainerConfigInput, trainerConfigSchema } from './config.js';
import { ProgressReporter, type ProgressWriter } from './progress.js';

/** Any optimizer of this package (or a subclass of Optimizer). */
// biome-ignore lint/suspicious/noExplicitAny: optimizers differ in their hyperparameter type
export type AnyOptimizer = Optimizer<any>;

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

export interface TrainerSetup<M extends Module, B> {
  model: M;
  train: BatchSource<B>;
  val?: BatchSource<B> | null;
  /** Default: the model's forward on the batch, returning a scalar loss or `{ loss }`. */
  loss?: LossFn<M, B>;
  /** Extra metrics averaged over each evaluation (e.g. causalLmMetrics for both pad losses). */
  evalMetrics?: MetricsFn<M, B>;
  /** An optimizer over the model's parameters, or a factory; default: from `config.optimizer`. */
  optimizer?: AnyOptimizer | ((model: M) => AnyOptimizer);
  /** Overrides `config.schedule` / `config.lr`. */
  schedule?: LrSchedule;
  /** Tokens in a batch (default: size of the id tensor). */
  countTokens?: (batch: B) => number;
  /** Progress output (default process.stdout); false for none. */
  progress?: ProgressWriter | false;
  /** Callbacks to register, as `on(event, fn)` does. */
  callbacks?: { [E in TrainerEvent]?: TrainerEvents<M, B>[E] };
}

const STATE_FORMAT = 'tensorlm-trainer-state';
const STATE_VERSION = 1;

function defaultLoss<M, B>(model: M, batch: B): Tensor {
  const forward = (model as { forward?: (b: B) => unknown }).forward;
  if (typeof forward !== 'function')
    throw new TrainerError('Trainer: the model has no forward(); pass a loss function');
  const out = forward.call(model, batch);
  if (isTensor(out)) return out;
  const loss = (out as { loss?: unknown } | null)?.loss;
  if (isTensor(loss)) return loss;
  throw new TrainerError(
    "Trainer: the model's forward returned neither a loss tensor nor { loss }; pass a loss function",
  );
}

function defaultOptimizer(model: Module, config: TrainerConfig, lr: number): AnyOptimizer {
  const o = config.optimizer;
  const groups =
    o.decay === 'all'
      ? [{ params: model.namedParameters(), weightDecay: o.weightDecay }]
      : weightDecayGroups(model, { weightDecay: o.weightDecay, rule: o.decay }).groups;
  switch (o.kind) {
    case 'adamw':
      return new AdamW(groups, { lr, betas: o.betas, eps: o.eps });
    case 'adam':
      return new Adam(groups, { lr, betas: o.betas, eps: o.eps });
    case 'sgd':
      return new SGD(groups, { lr, momentum: o.momentum, nesterov: o.nesterov });
  }
}

function finite(value: number): boolean {
  return Number.isFinite(value);
}

export class Trainer<M extends Module, B = unknown> {
  readonly config: TrainerConfig;
  readonly model: M;
  readonly optimizer: AnyOptimizer;
  readonly schedule: LrSchedule;
  readonly train: BatchSource<B>;
  readonly val: BatchSource<B> | null;

  /** Optimizer steps completed. */
  step = 0;
  tokensSeen = 0;
  history: LossHistory = { train: [], val: [] };
  bestValLoss: number | null = null;
  bestStep: number | null = null;
  evalsWithoutImprovement = 0;
  lastCheckpoint: string | null = null;
  bestCheckpoint: string | null = null;

  private readonly lossFn: LossFn<M, B>;
  private readonly metricsFn: MetricsFn<M, B> | null;
  private readonly countTokens: (batch: B) => number;
  private readonly progressWriter: ProgressWriter | null;
  private readonly valStart: JsonValue | null;
  private readonly listeners: { [E in TrainerEvent]: TrainerEvents<M, B>[E][] } = {
    batchEnd: [],
    eval: [],
    epochEnd: [],
    checkpoint: [],
    trainEnd: [],
  };
  private stopRequested = false;
  private running = false;
  private lastSavedStep = -1;
  private recent: { tokens: number; ms: number }[] = [];

  constructor(setup: TrainerSetup<M, B>, config: TrainerConfigInput) {
    this.config = parseWith(trainerConfigSchema, config, 'Trainer config');
    if (!setup || typeof setup !== 'object')
      throw new TrainerError('Trainer: setup must be { model, train, … }');
    const { model, train } = setup;
    if (!model || typeof (model as Module).namedParameters !== 'function') {
      throw new TrainerError('Trainer: setup.model must be a Module from @tensorlm/nn');
    }
    const isSource = (s: unknown) =>
      !!s &&
      typeof (s as BatchSource<B>).next === 'function' &&
      typeof (s as BatchSource<B>).state === 'function';
    if (!isSource(train))
      throw new TrainerError('Trainer: setup.train must be a batch source (next, state, restore)');
    if (setup.val && !isSource(setup.val))
      throw new TrainerError('Trainer: setup.val must be a batch source');
    this.model = model;
    this.train = train;
    this.val = setup.val ?? null;
    this.valStart = this.val ? this.val.state() : null;
    this.lossFn = setup.loss ?? defaultLoss;
    this.metricsFn = setup.evalMetrics ?? null;
    this.countTokens = setup.countTokens ?? ((b: B) => defaultTokenCount(b));
    this.schedule =
      setup.schedule ??
      (this.config.schedule ? scheduleFromConfig(this.config.schedule) : constantLr(this.config.lr));
    const initialLr = this.schedule(0);
    const opt = setup.optimizer;
    this.optimizer =
      opt === undefined
        ? defaultOptimizer(model, this.config, initialLr)
        : typeof opt === 'function'
          ? opt(model)
          : opt;
    if (!this.optimizer || typeof this.optimizer.step !== 'function') {
      throw new TrainerError(
        'Trainer: setup.optimizer must be an Optimizer (AdamW, Adam, SGD) or a factory of one',
      );
    }
    this.progressWriter =
      setup.progress === false
        ? null
        : (setup.progress ?? (typeof process !== 'undefined' ? process.stdout : null));
    for (const [event, fn] of Object.entries(setup.callbacks ?? {})) {
      if (fn) this.on(event as TrainerEvent, fn as never);
    }
  }

  /** Registers a callback; returns a function that removes it. */
  on<E extends TrainerEvent>(event: E, fn: TrainerEvents<M, B>[E]): () => void {
    const list = this.listeners[event] as TrainerEvents<M, B>[E][] | undefined;
    if (!list) {
      throw new TrainerError(
        `Trainer.on: unknown event '${String(event)}' (known: ${Object.keys(this.listeners).join(', ')})`,
      );
    }
    list.push(fn);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Replaces the callbacks of an event with `fn` (minGPT's set_callback). */
  setCallback<E extends TrainerEvent>(event: E, fn: TrainerEvents<M, B>[E]): void {
    if (!(event in this.listeners)) this.on(event, fn); // throws the unknown-event error
    (this.listeners[event] as TrainerEvents<M, B>[E][]).splice(0);
    this.on(event, fn);
  }

  /** Asks the loop to stop after the current step (from a callback, or a signal handler). */
  stop(): void {
    this.stopRequested = true;
  }

  private async emit<E extends TrainerEvent>(
    event: E,
    info: Parameters<TrainerEvents<M, B>[E]>[0],
  ): Promise<void> {
    for (const fn of [...this.listeners[event]] as ((i: typeof info, t: this) => void | Promise<void>)[]) {
      await fn(info, this);
    }
  }

  /** Runs training to maxSteps (or early stopping, or `stop()`), resuming first if configured. */
  async run(): Promise<TrainResult> {
    if (this.running) throw new TrainerError('Trainer.run: already running');
    this.running = true;
    this.stopRequested = false;
    const started = performance.now();
    let tokensAtStart = this.tokensSeen;
    const c = this.config;
    const progress = this.progressWriter
      ? new ProgressReporter(this.progressWriter, { totalSteps: c.maxSteps, logInterval: c.logInterval })
      : null;
    let stopReason: StopReason = 'maxSteps';
    let resumedFrom: string | null = null;
    try {
      resumedFrom = await this.resumeIfConfigured();
      // The rate counts this call's tokens, not those a resumed checkpoint had seen.
      tokensAtStart = this.tokensSeen;
      if (resumedFrom) progress?.line(`resumed from ${resumedFrom} at step ${this.step}`);
      if (progress) progress.startStep = this.step;
      this.model.train();
      while (this.step < c.maxSteps) {
        const epochBefore = this.train.epoch;
        const record = await this.trainStep();
        const tokensPerSecond = this.rate();
        progress?.update({
          step: record.step,
          loss: record.loss,
          lr: record.lr,
          tokensPerSecond,
          elapsedMs: performance.now() - started,
        });
        await this.emit('batchEnd', { ...record, tokensPerSecond });
        const epochAfter = this.train.epoch;
        if (epochBefore !== undefined && epochAfter !== undefined && epochAfter > epochBefore) {
          await this.emit('epochEnd', { epoch: epochBefore, step: this.step });
        }
        const evalDue =
          this.val !== null &&
          ((c.evalInterval > 0 && this.step % c.evalInterval === 0) || this.step === c.maxSteps);
        let isBest = false;
        if (evalDue) {
          const info = await this.evaluateAndTrack();
          isBest = info.isBest;
          const metrics = Object.entries(info.metrics)
            .map(([k, v]) => ` · ${k} ${v.toFixed(4)}`)
            .join('');
          progress?.line(
            `step ${this.step}: train loss ${record.loss.toFixed(4)} · val loss ${info.loss.toFixed(4)}${metrics}${isBest ? ' (best)' : ''}`,
          );
          await this.emit('eval', info);
          const patience = c.earlyStopping?.patience;
          if (patience !== undefined && this.evalsWithoutImprovement >= patience)
            stopReason = 'earlyStopping';
        }
        if (this.stopRequested && stopReason === 'maxSteps') stopReason = 'stopped';
        const last = this.step === c.maxSteps || stopReason !== 'maxSteps';
        if (c.checkpointDir) {
          if (isBest && c.saveBest) await this.saveNow('best', isBest);
          else if (c.checkpointInterval > 0 && this.step % c.checkpointInterval === 0)
            await this.saveNow('interval', false);
          else if (last && c.saveFinal) await this.saveNow('final', false);
        }
        if (stopReason !== 'maxSteps') break;
      }
      if (c.checkpointDir && c.saveFinal && this.lastSavedStep !== this.step && this.step > 0) {
        await this.saveNow('final', false);
      }
      if (c.restoreBestAtEnd && this.bestCheckpoint) {
        await loadCheckpoint(this.bestCheckpoint, { model: this.model });
        progress?.line(
          `restored the best weights (step ${this.bestStep}, val loss ${this.bestValLoss?.toFixed(4)})`,
        );
      }
    } finally {
      progress?.finish();
      this.running = false;
      await this.train.close?.();
      await this.val?.close?.();
    }
    const elapsedMs = performance.now() - started;
    const lastTrain = this.history.train.at(-1);
    const result: TrainResult = {
      step: this.step,
      tokensSeen: this.tokensSeen,
      stopReason,
      trainLoss: lastTrain?.loss ?? Number.NaN,
      valLoss: this.history.val.at(-1)?.loss ?? null,
      bestValLoss: this.bestValLoss,
      bestStep: this.bestStep,
      history: this.history,
      elapsedMs,
      tokensPerSecond: ((this.tokensSeen - tokensAtStart) * 1000) / Math.max(elapsedMs, 1e-9),
      lastCheckpoint: this.lastCheckpoint,
      bestCheckpoint: this.bestCheckpoint,
      resumedFrom,
    };
    await this.emit('trainEnd', result);
    return result;
  }

  /** Tokens per second over the last few steps. */
  private rate(): number {
    const tokens = this.recent.reduce((s, r) => s + r.tokens, 0);
    const ms = this.recent.reduce((s, r) => s + r.ms, 0);
    return ms > 0 ? (tokens * 1000) / ms : 0;
  }

  /** One optimizer step over gradAccumulationSteps micro-batches. */
  private async trainStep(): Promise<TrainRecord> {
    const c = this.config;
    const t0 = performance.now();
    const lr = this.schedule(this.step);
    this.optimizer.setLr(lr);
    if (c.seed !== null) manualSeed(deriveSeed(c.seed, 'step', this.step));
    const n = c.gradAccumulationSteps;
    let total: Tensor | null = null;
    let tokens = 0;
    let norm: Tensor | null = null;
    try {
      for (let k = 0; k < n; k++) {
        const batch = await this.train.next();
        try {
          tokens += this.countTokens(batch);
          const loss = tidy(() => {
            const l = this.lossFn(this.model, batch);
            if (!isTensor(l) || l.size !== 1) {
              throw new TrainerError(
                `Trainer: the loss must be a scalar tensor, got ${isTensor(l) ? `shape [${l.shape.join(', ')}]` : typeof l}`,
              );
            }
            if (!l.requiresGrad) {
              throw new TrainerError('Trainer: the loss does not depend on any parameter that requires grad');
            }
            // Each micro-batch contributes 1/N of the gradient, so N half batches add up to one full batch.
            (n > 1 ? mul(l, 1 / n) : l).backward();
            return l.detach();
          });
          if (total === null) total = loss;
          else {
            const previous: Tensor = total;
            total = noGrad(() => add(previous, loss));
            previous.dispose();
            loss.dispose();
          }
        } finally {
          disposeTree(batch);
        }
      }
      const mean: Tensor = n > 1 ? noGrad(() => div(total!, n)) : total!;
      if (mean !== total) {
        total!.dispose();
        total = mean;
      }
      if (c.gradClip !== null) norm = clipGradNorm(this.optimizer.params(), c.gradClip);
      const lossValue = await total!.item();
      const normValue = norm ? await norm.item() : undefined;
      const stepNumber = this.step + 1;
      if (!finite(lossValue) || (normValue !== undefined && !finite(normValue))) {
        this.optimizer.zeroGrad();
        const bad = !finite(lossValue) ? lossValue : normValue!;
        throw new NonFiniteLossError(
          stepNumber,
          bad,
          finite(lossValue) ? 'gradient norm' : 'loss',
          this.lastCheckpoint,
        );
      }
      this.optimizer.step();
      this.optimizer.zeroGrad();
      this.step = stepNumber;
      this.tokensSeen += tokens;
      const ms = performance.now() - t0;
      this.recent.push({ tokens, ms });
      if (this.recent.length > 10) this.recent.shift();
      const record: TrainRecord = { step: this.step, loss: lossValue, lr, tokens: this.tokensSeen, ms };
      if (normValue !== undefined) record.gradNorm = normValue;
      this.history.train.push(record);
      return record;
    } catch (error) {
      this.optimizer.zeroGrad();
      throw error;
    } finally {
      total?.dispose();
      norm?.dispose();
    }
  }

  /**
   * Mean loss (and metrics) over evalIters validation batches, in eval mode without
   * gradients; the model's mode is restored afterwards. Does not touch best/early stopping.
   */
  async evaluate(): Promise<EvalRecord> {
    const val = this.val;
    if (!val) throw new TrainerError('Trainer.evaluate: no validation source was given');
    const c = this.config;
    if (c.evalSameBatches && this.valStart !== null) val.restore(this.valStart);
    const wasTraining = this.model.training;
    this.model.eval();
    let lossSum = 0;
    const metricSums: Record<string, number> = {};
    try {
      for (let i = 0; i < c.evalIters; i++) {
        const batch = await val.next();
        try {
          const out = noGrad(() =>
            tidy(() => ({
              loss: this.lossFn(this.model, batch),
              metrics: this.metricsFn?.(this.model, batch) ?? {},
            })),
          );
          try {
            lossSum += await out.loss.item();
            for (const [k, t] of Object.entries(out.metrics))
              metricSums[k] = (metricSums[k] ?? 0) + (await t.item());
          } finally {
            out.loss.dispose();
            for (const t of Object.values(out.metrics)) t.dispose();
          }
        } finally {
          disposeTree(batch);
        }
      }
    } finally {
      this.model.train(wasTraining);
    }
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(metricSums)) metrics[k] = v / c.evalIters;
    return { step: this.step, loss: lossSum / c.evalIters, tokens: this.tokensSeen, metrics };
  }

  private async evaluateAndTrack(): Promise<EvalInfo> {
    const record = await this.evaluate();
    if (!finite(record.loss)) {
      throw new NonFiniteLossError(this.step, record.loss, 'loss', this.lastCheckpoint);
    }
    this.history.val.push(record);
    const minDelta = this.config.earlyStopping?.minDelta ?? 0;
    const isBest = this.bestValLoss === null || record.loss < this.bestValLoss - minDelta;
    if (isBest) {
      this.bestValLoss = record.loss;
      this.bestStep = this.step;
      this.evalsWithoutImprovement = 0;
    } else {
      this.evalsWithoutImprovement++;
    }
    return {
      ...record,
      isBest,
      bestLoss: this.bestValLoss!,
      evalsWithoutImprovement: this.evalsWithoutImprovement,
    };
  }

  /** Everything besides tensors that a resumed run needs (JSON). */
  stateJSON(): JsonObject {
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      step: this.step,
      tokensSeen: this.tokensSeen,
      trainPosition: this.train.state(),
      valPosition: this.val ? this.val.state() : null,
      history: this.history as unknown as JsonValue,
      bestValLoss: this.bestValLoss,
      bestStep: this.bestStep,
      bestCheckpoint: this.bestCheckpoint ? this.bestCheckpoint.split(/[\\/]/).pop()! : null,
      evalsWithoutImprovement: this.evalsWithoutImprovement,
      config: this.config as unknown as JsonValue,
    };
  }

  private restoreStateJSON(state: JsonObject, where: string): void {
    if (state.format !== STATE_FORMAT || state.version !== STATE_VERSION) {
      throw new TrainerError(`resume: ${where} is not a version ${STATE_VERSION} ${STATE_FORMAT} file`);
    }
    const num = (key: string): number => {
      const v = state[key];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TrainerError(`resume: ${where}: '${key}' must be a number`);
      return v;
    };
    this.step = num('step');
    this.tokensSeen = num('tokensSeen');
    this.train.restore(state.trainPosition ?? null);
    if (this.val && state.valPosition !== null && state.valPosition !== undefined)
      this.val.restore(state.valPosition);
    const history = state.history as unknown as LossHistory | undefined;
    this.history = {
      train: Array.isArray(history?.train) ? history.train : [],
      val: Array.isArray(history?.val) ? history.val : [],
    };
    this.bestValLoss = typeof state.bestValLoss === 'number' ? state.bestValLoss : null;
    this.bestStep = typeof state.bestStep === 'number' ? state.bestStep : null;
    this.evalsWithoutImprovement =
      typeof state.evalsWithoutImprovement === 'number' ? state.evalsWithoutImprovement : 0;
    const dir = this.config.checkpointDir;
    this.bestCheckpoint =
      dir && typeof state.bestCheckpoint === 'string' ? joinPath(dir, state.bestCheckpoint) : null;
    this.lastSavedStep = this.step;
  }

  /** Loads the configured checkpoint, if any; returns its path. */
  private async resumeIfConfigured(): Promise<string | null> {
    const { resume, checkpointDir } = this.config;
    if (resume === false) return null;
    let path: string | null;
    if (resume === true || resume === 'latest') path = await findCheckpoint(checkpointDir!, 'latest');
    else if (resume === 'best') {
      path = await findCheckpoint(checkpointDir!, 'best');
      if (!path) throw new TrainerError(`resume: ${joinPath(checkpointDir!, BEST_POINTER)} does not exist`);
    } else path = resume;
    if (!path) return null; // nothing to resume yet: a fresh start
    return this.resumeFrom(path);
  }

  /** Restores model, optimizer and trainer state from a checkpoint folder; returns its path. */
  async resumeFrom(path: string): Promise<string> {
    const state = await loadCheckpoint(path, { model: this.model, optimizer: this.optimizer });
    if (!state) throw new TrainerError(`resume: ${path} has no trainer_state.json (it holds weights only)`);
    this.restoreStateJSON(state, joinPath(path, 'trainer_state.json'));
    this.lastCheckpoint = path;
    return path;
  }

  /** Writes a checkpoint of the current step into the run directory and updates the pointers. */
  private async saveNow(reason: CheckpointInfo['reason'], isBest: boolean): Promise<string> {
    const dir = this.config.checkpointDir!;
    const name = checkpointName(this.step);
    if (isBest) this.bestCheckpoint = joinPath(dir, name);
    const path = await saveCheckpoint(dir, name, {
      model: this.model,
      optimizer: this.optimizer,
      trainerState: this.stateJSON(),
      metadata: { step: String(this.step) },
    });
    await writePointer(dir, 'latest', { checkpoint: name, step: this.step });
    if (isBest)
      await writePointer(dir, 'best', { checkpoint: name, step: this.step, valLoss: this.bestValLoss });
    this.lastCheckpoint = path;
    this.lastSavedStep = this.step;
    const best = await readPointer(dir, 'best');
    await pruneCheckpoints(dir, this.config.keepCheckpoints, best ? [best.checkpoint] : []);
    await this.emit('checkpoint', { path, step: this.step, reason });
    return path;
  }
}

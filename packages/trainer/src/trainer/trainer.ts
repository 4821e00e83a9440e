// The Trainer, in the spirit of minGPT's: a model, a batch source, a loss and a config;
// `run()` does forward → backward → (clip) → optimizer step for maxSteps, with gradient
// accumulation, periodic evaluation on a validation source, callbacks (batchEnd, eval,
// epochEnd, checkpoint, trainEnd — minGPT's set_callback), early stopping, and
// checkpoints that hold everything a resumed run needs to continue exactly as an
// uninterrupted one. This file is the loop; one step is step.ts, evaluation
// evaluation.ts, early stopping early-stopping.ts, when and how to save
// checkpoint-policy.ts, the saved state state.ts, and the run folder (manifest, lock,
// resume point) ../run/run-folder.ts.
import { joinPath, type Module } from '@tensorlm/nn';
import { isTensor, type Tensor } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { BEST_POINTER, loadCheckpoint, TRAINER_STATE_FILE } from '../checkpoint/checkpoint.js';
import type { BatchSource } from '../data/batch-source.js';
import { NonFiniteLossError, parseWith, TrainerError } from '../errors.js';
import { Adam, AdamW } from '../optim/adamw.js';
import type { Optimizer } from '../optim/optimizer.js';
import { weightDecayGroups } from '../optim/param-groups.js';
import { SGD } from '../optim/sgd.js';
import { openRunFolder, type RunFolder } from '../run/run-folder.js';
import { constantLr, type LrSchedule, scheduleFromConfig } from '../schedule/schedules.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import { defaultTokenCount } from '../util/tensors.js';
import { dueSave, type SaveReason, saveTrainingCheckpoint } from './checkpoint-policy.js';
import { type TrainerConfig, type TrainerConfigInput, trainerConfigSchema } from './config.js';
import { patienceExhausted, trackBest } from './early-stopping.js';
import { evaluateBatches } from './evaluation.js';
import { ProgressReporter, type ProgressWriter } from './progress.js';
import { parseTrainerState, trainerStateJSON } from './state.js';
import { optimizerStep, type StepContext } from './step.js';
import type {
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
} from './types.js';

/** Any optimizer of this package (or a subclass of Optimizer). */
// biome-ignore lint/suspicious/noExplicitAny: optimizers differ in their hyperparameter type
export type AnyOptimizer = Optimizer<any>;

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
  /**
   * The run folder of `config.checkpointDir`, already opened (openRunFolder) by the caller,
   * who closes it. Without one, `run()` opens checkpointDir itself — refusing a folder that
   * is not a run, or a run when `config.resume` is false — and closes it at the end.
   */
  runFolder?: RunFolder;
  /**
   * The tokenizer of the model's ids: saved into every checkpoint (tokenizer.json in
   * Hugging Face's form), so each checkpoint-N loads with its tokenizer.
   */
  tokenizer?: Tokenizer | null;
}

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
  private readonly givenFolder: RunFolder | null;
  private readonly tokenizer: Tokenizer | null;
  private readonly stepContext: StepContext<M, B>;
  private folder: RunFolder | null = null;
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
    if (setup.runFolder && setup.runFolder.dir !== this.config.checkpointDir) {
      throw new TrainerError(
        `Trainer: setup.runFolder is ${setup.runFolder.dir} but config.checkpointDir is ${String(this.config.checkpointDir)}`,
      );
    }
    this.model = model;
    this.train = train;
    this.val = setup.val ?? null;
    this.valStart = this.val ? this.val.state() : null;
    this.lossFn = setup.loss ?? defaultLoss;
    this.metricsFn = setup.evalMetrics ?? null;
    this.countTokens = setup.countTokens ?? ((b: B) => defaultTokenCount(b));
    this.givenFolder = setup.runFolder ?? null;
    this.tokenizer = setup.tokenizer ?? null;
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
    this.stepContext = {
      config: this.config,
      model,
      optimizer: this.optimizer,
      schedule: this.schedule,
      train,
      lossFn: this.lossFn,
      countTokens: this.countTokens,
    };
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
    const log = (line: string) => progress?.line(line);
    let stopReason: StopReason = 'maxSteps';
    let resumedFrom: string | null = null;
    try {
      // A trainer that has taken steps (an earlier run(), or resumeFrom()) continues its own run.
      const continuing = c.resume !== false || this.step > 0;
      this.folder =
        this.givenFolder ??
        (c.checkpointDir ? await openRunFolder(c.checkpointDir, { resume: continuing, log }) : null);
      resumedFrom = await this.resumeIfConfigured();
      await this.folder?.begin();
      // The rate counts this call's tokens, not those a resumed checkpoint had seen.
      tokensAtStart = this.tokensSeen;
      if (resumedFrom) log(`resumed from ${resumedFrom} at step ${this.step}`);
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
          log(
            `step ${this.step}: train loss ${record.loss.toFixed(4)} · val loss ${info.loss.toFixed(4)}${metrics}${isBest ? ' (best)' : ''}`,
          );
          await this.emit('eval', info);
          if (patienceExhausted(this, c.earlyStopping?.patience)) stopReason = 'earlyStopping';
        }
        if (this.stopRequested && stopReason === 'maxSteps') stopReason = 'stopped';
        const last = this.step === c.maxSteps || stopReason !== 'maxSteps';
        const save = dueSave(c, this.step, isBest, last);
        if (save) await this.saveNow(save, save === 'best');
        if (stopReason !== 'maxSteps') break;
      }
      if (c.checkpointDir && c.saveFinal && this.lastSavedStep !== this.step && this.step > 0) {
        await this.saveNow('final', false);
      }
      if (c.restoreBestAtEnd && this.bestCheckpoint) {
        await loadCheckpoint(this.bestCheckpoint, { model: this.model });
        log(`restored the best weights (step ${this.bestStep}, val loss ${this.bestValLoss?.toFixed(4)})`);
      }
    } finally {
      progress?.finish();
      this.running = false;
      if (this.folder && this.folder !== this.givenFolder) await this.folder.close();
      this.folder = null;
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

  /** One optimizer step over gradAccumulationSteps micro-batches, recorded in the history. */
  private async trainStep(): Promise<TrainRecord> {
    const outcome = await optimizerStep(this.stepContext, this.step, this.lastCheckpoint);
    this.step += 1;
    this.tokensSeen += outcome.tokens;
    this.recent.push({ tokens: outcome.tokens, ms: outcome.ms });
    if (this.recent.length > 10) this.recent.shift();
    const record: TrainRecord = {
      step: this.step,
      loss: outcome.loss,
      lr: outcome.lr,
      tokens: this.tokensSeen,
      ms: outcome.ms,
    };
    if (outcome.gradNorm !== undefined) record.gradNorm = outcome.gradNorm;
    this.history.train.push(record);
    return record;
  }

  /**
   * Mean loss (and metrics) over evalIters validation batches, in eval mode without
   * gradients; the model's mode is restored afterwards. Does not touch best/early stopping.
   */
  async evaluate(): Promise<EvalRecord> {
    const val = this.val;
    if (!val) throw new TrainerError('Trainer.evaluate: no validation source was given');
    const { loss, metrics } = await evaluateBatches({
      model: this.model,
      val,
      lossFn: this.lossFn,
      metricsFn: this.metricsFn,
      iters: this.config.evalIters,
      rewindTo: this.config.evalSameBatches ? this.valStart : null,
    });
    return { step: this.step, loss, tokens: this.tokensSeen, metrics };
  }

  private async evaluateAndTrack(): Promise<EvalInfo> {
    const record = await this.evaluate();
    if (!Number.isFinite(record.loss)) {
      throw new NonFiniteLossError(this.step, record.loss, 'loss', this.lastCheckpoint);
    }
    this.history.val.push(record);
    const { state, isBest } = trackBest(
      this,
      this.step,
      record.loss,
      this.config.earlyStopping?.minDelta ?? 0,
    );
    this.bestValLoss = state.bestValLoss;
    this.bestStep = state.bestStep;
    this.evalsWithoutImprovement = state.evalsWithoutImprovement;
    return {
      ...record,
      isBest,
      bestLoss: this.bestValLoss!,
      evalsWithoutImprovement: this.evalsWithoutImprovement,
    };
  }

  /** Everything besides tensors that a resumed run needs (JSON). */
  stateJSON(): JsonObject {
    return trainerStateJSON({
      step: this.step,
      tokensSeen: this.tokensSeen,
      trainPosition: this.train.state(),
      valPosition: this.val ? this.val.state() : null,
      history: this.history,
      bestValLoss: this.bestValLoss,
      bestStep: this.bestStep,
      bestCheckpoint: this.bestCheckpoint ? this.bestCheckpoint.split(/[\\/]/).pop()! : null,
      evalsWithoutImprovement: this.evalsWithoutImprovement,
      config: this.config as unknown as JsonValue,
    });
  }

  private restoreStateJSON(json: JsonObject, where: string): void {
    const state = parseTrainerState(json, where);
    this.step = state.step;
    this.tokensSeen = state.tokensSeen;
    this.train.restore(state.trainPosition);
    if (this.val && state.valPosition !== null) this.val.restore(state.valPosition);
    this.history = state.history;
    this.bestValLoss = state.bestValLoss;
    this.bestStep = state.bestStep;
    this.evalsWithoutImprovement = state.evalsWithoutImprovement;
    const dir = this.config.checkpointDir;
    this.bestCheckpoint = dir && state.bestCheckpoint ? joinPath(dir, state.bestCheckpoint) : null;
    this.lastSavedStep = this.step;
  }

  /** Loads the configured checkpoint, if any; returns its path. */
  private async resumeIfConfigured(): Promise<string | null> {
    const { resume, checkpointDir } = this.config;
    if (resume === false) return null;
    if (typeof resume === 'string' && resume !== 'latest' && resume !== 'best')
      return this.resumeFrom(resume);
    const which = resume === 'best' ? 'best' : 'latest';
    const point = await this.folder!.resumePoint(which);
    if (!point && which === 'best')
      throw new TrainerError(`resume: ${joinPath(checkpointDir!, BEST_POINTER)} does not exist`);
    return point ? this.resumeFrom(point.path) : null; // nothing to resume yet: a fresh start
  }

  /** Restores model, optimizer and trainer state from a checkpoint folder; returns its path. */
  async resumeFrom(path: string): Promise<string> {
    const state = await loadCheckpoint(path, { model: this.model, optimizer: this.optimizer });
    if (!state) throw new TrainerError(`resume: ${path} has no trainer_state.json (it holds weights only)`);
    this.restoreStateJSON(state, joinPath(path, TRAINER_STATE_FILE));
    this.lastCheckpoint = path;
    return path;
  }

  /** Writes a checkpoint of the current step into the run folder and updates the pointers. */
  private async saveNow(reason: SaveReason, isBest: boolean): Promise<string> {
    const folder = this.folder!;
    const path = await saveTrainingCheckpoint({
      folder,
      step: this.step,
      model: this.model,
      optimizer: this.optimizer,
      tokenizer: this.tokenizer,
      trainerState: () => {
        if (isBest) this.bestCheckpoint = joinPath(folder.dir, `checkpoint-${this.step}`);
        return this.stateJSON();
      },
      isBest,
      bestValLoss: this.bestValLoss,
      keepCheckpoints: this.config.keepCheckpoints,
    });
    this.lastCheckpoint = path;
    this.lastSavedStep = this.step;
    await this.emit('checkpoint', { path, step: this.step, reason });
    return path;
  }
}

// trainer_state.json: everything besides tensors that a resumed run needs — the step (the
// lr schedule and the per-step seed are pure functions of it), tokens seen, the data
// positions, the loss history, the best validation loss and where its checkpoint is.
import { TrainerError } from '../errors.js';
import { CHECKPOINT_NAME } from '../run/manifest.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import type { BestState } from './early-stopping.js';
import type { LossHistory } from './types.js';

const STATE_FORMAT = 'tensorlm-trainer-state';
const STATE_VERSION = 1;

export interface TrainerStateFields extends BestState {
  step: number;
  tokensSeen: number;
  trainPosition: JsonValue;
  valPosition: JsonValue | null;
  history: LossHistory;
  /** Folder name (inside the run folder) of the best checkpoint. */
  bestCheckpoint: string | null;
  config: JsonValue;
}

export function trainerStateJSON(s: TrainerStateFields): JsonObject {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    step: s.step,
    tokensSeen: s.tokensSeen,
    trainPosition: s.trainPosition,
    valPosition: s.valPosition,
    history: s.history as unknown as JsonValue,
    bestValLoss: s.bestValLoss,
    bestStep: s.bestStep,
    bestCheckpoint: s.bestCheckpoint,
    evalsWithoutImprovement: s.evalsWithoutImprovement,
    config: s.config,
  };
}

/** Reads a trainer state; `where` (the file) names it in errors. */
export function parseTrainerState(state: JsonObject, where: string): Omit<TrainerStateFields, 'config'> {
  if (state.format !== STATE_FORMAT || state.version !== STATE_VERSION) {
    throw new TrainerError(`resume: ${where} is not a version ${STATE_VERSION} ${STATE_FORMAT} file`);
  }
  const num = (key: string): number => {
    const v = state[key];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TrainerError(`resume: ${where}: '${key}' must be a number`);
    return v;
  };
  const history = state.history as unknown as LossHistory | undefined;
  const best = state.bestCheckpoint;
  if (typeof best === 'string' && !CHECKPOINT_NAME.test(best)) {
    throw new TrainerError(
      `resume: ${where}: 'bestCheckpoint' is '${best}', not a checkpoint-<step> folder of the run`,
    );
  }
  return {
    step: num('step'),
    tokensSeen: num('tokensSeen'),
    trainPosition: state.trainPosition ?? null,
    valPosition: state.valPosition ?? null,
    history: {
      train: Array.isArray(history?.train) ? history.train : [],
      val: Array.isArray(history?.val) ? history.val : [],
    },
    bestValLoss: typeof state.bestValLoss === 'number' ? state.bestValLoss : null,
    bestStep: typeof state.bestStep === 'number' ? state.bestStep : null,
    bestCheckpoint: typeof best === 'string' ? best : null,
    evalsWithoutImprovement:
      typeof state.evalsWithoutImprovement === 'number' ? state.evalsWithoutImprovement : 0,
  };
}

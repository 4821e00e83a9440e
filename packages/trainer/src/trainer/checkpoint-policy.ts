// When the Trainer saves, and what a save does in the run folder (each checkpoint a Hugging
// Face folder with the tokenizer, when the Trainer was given one). After a step, at most one
// save: on a new best validation loss (saveBest), else every checkpointInterval steps,
// else at the last step (saveFinal). A save claims its name in the run's manifest first,
// writes the checkpoint atomically, moves latest.json (and best.json) to it, then prunes
// this run's own checkpoints beyond keepCheckpoints — never the best, never one the run
// did not create.
import type { Module } from '@tensorlm/nn';
import type { Tokenizer } from '@tensorlm/tokenizers';
import {
  checkpointName,
  pruneCheckpoints,
  readPointer,
  saveCheckpoint,
  writePointer,
} from '../checkpoint/checkpoint.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { RunFolder } from '../run/run-folder.js';
import type { JsonObject } from '../util/json.js';
import type { TrainerConfig } from './config.js';
import type { CheckpointInfo } from './types.js';

export type SaveReason = CheckpointInfo['reason'];

/** The save due after `step` (null: none). `last`: training ends after this step. */
export function dueSave(c: TrainerConfig, step: number, isBest: boolean, last: boolean): SaveReason | null {
  if (!c.checkpointDir) return null;
  if (isBest && c.saveBest) return 'best';
  if (c.checkpointInterval > 0 && step % c.checkpointInterval === 0) return 'interval';
  if (last && c.saveFinal) return 'final';
  return null;
}

export interface SaveRequest {
  folder: RunFolder;
  step: number;
  model: Module;
  // biome-ignore lint/suspicious/noExplicitAny: optimizers differ in their hyperparameter type
  optimizer: Optimizer<any>;
  /** Saved into the checkpoint beside the model, when given. */
  tokenizer: Tokenizer | null;
  /** trainer_state.json's content (read after `isBest` updated the best checkpoint's name). */
  trainerState: () => JsonObject;
  isBest: boolean;
  bestValLoss: number | null;
  keepCheckpoints: number;
}

/** Writes the checkpoint of `step` into the run folder (see the header); returns its path. */
export async function saveTrainingCheckpoint(r: SaveRequest): Promise<string> {
  const { folder, step } = r;
  const dir = folder.dir;
  const name = checkpointName(step);
  await folder.claim(name);
  const path = await saveCheckpoint(dir, name, {
    model: r.model,
    optimizer: r.optimizer,
    tokenizer: r.tokenizer,
    trainerState: r.trainerState(),
    metadata: { step: String(step) },
  });
  await writePointer(dir, 'latest', { checkpoint: name, step });
  if (r.isBest) await writePointer(dir, 'best', { checkpoint: name, step, valLoss: r.bestValLoss });
  const best = await readPointer(dir, 'best');
  const removed = await pruneCheckpoints(dir, r.keepCheckpoints, {
    owned: folder.checkpoints,
    pinned: best ? [best.checkpoint] : [],
  });
  await folder.forget(removed);
  return path;
}

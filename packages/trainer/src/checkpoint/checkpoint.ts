// Checkpoints on disk. A run directory holds one folder per checkpoint and two pointer
// files:
//
//   <runDir>/checkpoint-<step>/config.json, model.safetensors, generation_config.json,
//                             tokenizer.json (+ tokenizer_config.json, special_tokens_map.json)
//                                                   a Hugging Face folder, written by
//                                                   @tensorlm/hub-loader's savePretrained
//                             /optimizer.safetensors  optimizer tensors; its JSON scalars in __metadata__
//                             /trainer_state.json     step, data positions, loss history, best, config
//   <runDir>/latest.json                              { "checkpoint": "checkpoint-<step>", "step": … }
//   <runDir>/best.json                                the same for the best validation loss
//
// So every checkpoint loads in `transformers` and through hub-loader's fromPretrained as it
// is. A model whose class no architecture is registered for gets its weights only
// (model.safetensors). A checkpoint folder is written under a temporary name and renamed
// into place only once every file in it is complete (each file itself written atomically
// with fsync); the pointers are replaced atomically afterwards. So a crash at any moment
// leaves the previous checkpoint and pointers intact; a staging folder a kill leaves behind
// is removed by the next save of the same name (or by the run folder's sweep at the next
// start, see run/temporaries.ts). The pointer rules (a pointer names a `checkpoint-<step>`
// folder of its own run and nothing else) are hub-loader's, the one reader of run folders.
import {
  architectureOfModel,
  BEST_POINTER,
  CHECKPOINT_NAME,
  type CheckpointPointer,
  LATEST_POINTER,
  ModelFolderError,
  pointerPath,
  readRunPointer,
  SAFETENSORS_WEIGHTS,
  savePretrained,
} from '@tensorlm/hub-loader';
import {
  joinPath,
  loadSafetensors,
  type Module,
  safetensorsToStateDict,
  saveSafetensors,
  writeFileAtomic,
} from '@tensorlm/nn';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { TrainerError } from '../errors.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { RunFolderError } from '../run/errors.js';
import { checkpointStep } from '../run/manifest.js';
import type { JsonObject } from '../util/json.js';

export { BEST_POINTER, type CheckpointPointer, LATEST_POINTER };
export const MODEL_FILE = SAFETENSORS_WEIGHTS;
export const MODEL_CONFIG_FILE = 'config.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const TRAINER_STATE_FILE = 'trainer_state.json';
const OPTIMIZER_META_KEY = 'tensorlm.optimizer';
const CHECKPOINT_PREFIX = 'checkpoint-';
const TEMP_PREFIX = '.tmp-';
/**
 * A checkpoint's weights stay one file whatever their size (transformers reads an
 * unsharded file of any size), so the resume check and loadCheckpoint have one file to read.
 */
const NO_SHARDING = Number.MAX_SAFE_INTEGER;

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/** The folder name of the checkpoint after `step` optimizer steps. */
export function checkpointName(step: number): string {
  return `${CHECKPOINT_PREFIX}${step}`;
}

export interface SaveCheckpointOptions {
  model: Module;
  optimizer?: Optimizer<{ lr: number }> | null;
  /** Saved in the checkpoint (tokenizer.json in Hugging Face's form, with its config files). */
  tokenizer?: Tokenizer | null;
  /** JSON written to trainer_state.json. */
  trainerState?: JsonObject;
  /** Extra string metadata for model.safetensors. */
  metadata?: Readonly<Record<string, string>>;
}

/** Whether an architecture is registered for the model's class (so savePretrained can describe it). */
function isRegistered(model: Module): boolean {
  try {
    architectureOfModel(model);
    return true;
  } catch (error) {
    if (error instanceof ModelFolderError && error.code === 'MODEL_ARCHITECTURE_UNKNOWN') return false;
    throw error;
  }
}

/**
 * Writes the model into the fresh staging folder `dir`: a Hugging Face folder through
 * savePretrained (config, weights, tokenizer, generation config), or the weights alone
 * for a model no architecture is registered for.
 */
async function writeModel(dir: string, options: SaveCheckpointOptions): Promise<void> {
  const { model } = options;
  const metadata = options.metadata ?? {};
  if (isRegistered(model)) {
    await savePretrained(dir, {
      model,
      tokenizer: options.tokenizer ?? null,
      metadata,
      maxShardBytes: NO_SHARDING,
    });
    return;
  }
  const stateDict = model.stateDict({ dedupeTied: true });
  try {
    await saveSafetensors(joinPath(dir, MODEL_FILE), stateDict, { metadata: { format: 'pt', ...metadata } });
  } finally {
    for (const t of stateDict.values()) t.dispose();
  }
}

async function writeOptimizer(dir: string, optimizer: Optimizer<{ lr: number }>): Promise<void> {
  const state = optimizer.stateDict();
  try {
    await saveSafetensors(joinPath(dir, OPTIMIZER_FILE), state.tensors, {
      metadata: { [OPTIMIZER_META_KEY]: JSON.stringify(state.meta) },
    });
  } finally {
    for (const t of state.tensors.values()) t.dispose();
  }
}

/** Best-effort fsync of a directory, so a rename inside it survives a power cut. */
async function syncDir(dir: string): Promise<void> {
  const f = await fs();
  try {
    const handle = await f.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported on every platform (Windows); the rename is still atomic.
  }
}

/**
 * Writes checkpoint `name` into `runDir` atomically (see the file header) and returns its
 * path. An existing checkpoint of that name is replaced only after the new one is complete.
 */
export async function saveCheckpoint(
  runDir: string,
  name: string,
  options: SaveCheckpointOptions,
): Promise<string> {
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) {
    throw new TrainerError(`saveCheckpoint: invalid checkpoint name '${name}'`);
  }
  const f = await fs();
  await f.mkdir(runDir, { recursive: true });
  await removeStaleStaging(runDir, name);
  const temp = joinPath(
    runDir,
    `${TEMP_PREFIX}${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
  );
  const final = joinPath(runDir, name);
  await f.mkdir(temp);
  try {
    await writeModel(temp, options);
    if (options.optimizer) await writeOptimizer(temp, options.optimizer);
    if (options.trainerState) {
      await writeFileAtomic(joinPath(temp, TRAINER_STATE_FILE), `${JSON.stringify(options.trainerState)}\n`);
    }
    await syncDir(temp);
    let trash: string | null = null;
    if (await exists(final)) {
      trash = joinPath(runDir, `${TEMP_PREFIX}old-${name}-${Date.now().toString(36)}`);
      await f.rename(final, trash);
    }
    await f.rename(temp, final);
    await syncDir(runDir);
    if (trash) await f.rm(trash, { recursive: true, force: true });
  } catch (error) {
    await f.rm(temp, { recursive: true, force: true }).catch(() => {});
    throw error;
  }
  return final;
}

async function exists(path: string): Promise<boolean> {
  const f = await fs();
  try {
    await f.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the staging folders a crashed save of checkpoint `name` left behind
 * (`.tmp-<name>-<suffix>`, `.tmp-old-<name>-<suffix>`); nothing else, so a user's
 * `.tmp-cache/` survives.
 */
async function removeStaleStaging(runDir: string, name: string): Promise<void> {
  const f = await fs();
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const staging = new RegExp(`^\\${TEMP_PREFIX}(old-)?${escaped}-[0-9a-z]+$`);
  for (const entry of await f.readdir(runDir)) {
    if (staging.test(entry)) await f.rm(joinPath(runDir, entry), { recursive: true, force: true });
  }
}

/** Atomically points `latest.json` or `best.json` at a checkpoint folder of the run. */
export async function writePointer(
  runDir: string,
  which: 'latest' | 'best',
  pointer: CheckpointPointer,
): Promise<void> {
  if (!CHECKPOINT_NAME.test(pointer.checkpoint)) {
    throw new TrainerError(
      `writePointer: '${pointer.checkpoint}' is not a checkpoint-<step> folder name; a pointer may only name a checkpoint of its own run`,
    );
  }
  await writeFileAtomic(pointerPath(runDir, which), `${JSON.stringify(pointer)}\n`);
}

/**
 * The pointer's content, or null when the run has none yet. Read by hub-loader's rules; a
 * pointer that is malformed or leaves the run folder is a RunFolderError naming the file.
 */
export async function readPointer(
  runDir: string,
  which: 'latest' | 'best',
): Promise<CheckpointPointer | null> {
  try {
    return await readRunPointer(runDir, which);
  } catch (error) {
    if (error instanceof ModelFolderError && error.code === 'MODEL_RUN_POINTER_INVALID') {
      throw new RunFolderError(
        'RUN_FOLDER_BAD_POINTER',
        error.path ?? pointerPath(runDir, which),
        error.message,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** The path of the latest (or best) checkpoint of a run directory, or null when it has none. */
export async function findCheckpoint(
  runDir: string,
  which: 'latest' | 'best' = 'latest',
): Promise<string | null> {
  const pointer = await readPointer(runDir, which);
  return pointer ? joinPath(runDir, pointer.checkpoint) : null;
}

/** Checkpoint folders of a run directory, oldest step first. */
export async function listCheckpoints(
  runDir: string,
): Promise<{ name: string; step: number; path: string }[]> {
  const f = await fs();
  let entries: string[];
  try {
    entries = await f.readdir(runDir);
  } catch {
    return [];
  }
  return entries
    .filter((e) => CHECKPOINT_NAME.test(e))
    .map((name) => ({ name, step: checkpointStep(name), path: joinPath(runDir, name) }))
    .sort((a, b) => a.step - b.step);
}

export interface PruneOptions {
  /**
   * The checkpoints the caller's run created (its manifest's list): only these are ever
   * removed, so checkpoints the run did not create survive whatever their step.
   */
  owned: readonly string[];
  /** Names never removed (the best checkpoint). */
  pinned?: readonly string[];
}

/**
 * Deletes the `owned` checkpoint folders other than the `keepLast` newest of them and the
 * `pinned` ones; returns the removed names.
 */
export async function pruneCheckpoints(
  runDir: string,
  keepLast: number,
  options: PruneOptions,
): Promise<string[]> {
  const f = await fs();
  const owned = new Set(options.owned);
  const mine = (await listCheckpoints(runDir)).filter((c) => owned.has(c.name));
  const keep = new Set([
    ...mine.slice(Math.max(0, mine.length - keepLast)).map((c) => c.name),
    ...(options.pinned ?? []),
  ]);
  const removed: string[] = [];
  for (const c of mine) {
    if (keep.has(c.name)) continue;
    await f.rm(c.path, { recursive: true, force: true });
    removed.push(c.name);
  }
  return removed;
}

export interface LoadCheckpointOptions {
  /** Receives the weights (strict: every key must fit). */
  model: Module;
  /** Receives the optimizer state when given (the checkpoint must hold one). */
  optimizer?: Optimizer<{ lr: number }> | null;
}

/**
 * Loads a checkpoint folder into a model (and optimizer) on the current backend and
 * returns its trainer state (null when it has none). Every file is read and parsed
 * before anything is loaded; the model and the optimizer each check that everything fits
 * before changing a value.
 */
export async function loadCheckpoint(
  path: string,
  options: LoadCheckpointOptions,
): Promise<JsonObject | null> {
  const f = await fs();
  const weightsPath = joinPath(path, MODEL_FILE);
  if (!(await exists(weightsPath))) throw new TrainerError(`loadCheckpoint: ${weightsPath} does not exist`);
  const modelFile = await loadSafetensors(weightsPath);
  let optimizerState: OptimizerStateDict | null = null;
  if (options.optimizer) {
    const optimizerPath = joinPath(path, OPTIMIZER_FILE);
    if (!(await exists(optimizerPath))) {
      throw new TrainerError(
        `loadCheckpoint: ${optimizerPath} does not exist (the checkpoint has no optimizer state)`,
      );
    }
    const file = await loadSafetensors(optimizerPath);
    const metaText = file.metadata[OPTIMIZER_META_KEY];
    if (!metaText)
      throw new TrainerError(`loadCheckpoint: ${optimizerPath} lacks the '${OPTIMIZER_META_KEY}' metadata`);
    optimizerState = { tensors: safetensorsToStateDict(file), meta: JSON.parse(metaText) as JsonObject };
  }
  let trainerState: JsonObject | null = null;
  const statePath = joinPath(path, TRAINER_STATE_FILE);
  if (await exists(statePath)) {
    try {
      trainerState = JSON.parse(await f.readFile(statePath, 'utf8')) as JsonObject;
    } catch (error) {
      throw new TrainerError(`loadCheckpoint: ${statePath} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const weights = safetensorsToStateDict(modelFile);
  try {
    try {
      options.model.loadStateDict(weights, { strict: true });
    } catch (error) {
      throw new TrainerError(
        `loadCheckpoint: ${weightsPath} does not fit the model: ${(error as Error).message}`,
      );
    }
    if (optimizerState) options.optimizer!.loadStateDict(optimizerState);
  } finally {
    for (const t of weights.values()) t.dispose();
    if (optimizerState) for (const t of optimizerState.tensors.values()) t.dispose();
  }
  return trainerState;
}

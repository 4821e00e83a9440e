// Opening a folder for training. A run folder is recognised by its manifest
// (tensorlm-run.json); training refuses a non-empty folder that is not a run (touching
// nothing in it), refuses a run it was not asked to resume or overwrite, holds the run's
// lock while it trains, sweeps up the temporaries a kill left, and `overwrite` moves the
// old run aside (`<dir>.old-<time>`) instead of deleting it.
//
// Runs written before manifests existed (a latest.json naming a checkpoint-N folder that
// holds trainer_state.json) are recognised as runs too, and adopted on the next training:
// a manifest listing their checkpoint-N folders is written, so pruning may then remove
// those (they were the old run's own).
//
// Opening is two-phase, so a caller can check everything before writing anything:
// `openRunFolder` only reads and takes the lock (a failed check then `close()`s, leaving
// the folder as it was); `begin()` does the writes (move aside, sweep, manifest).
import { joinPath } from '@tensorlm/nn';
import {
  BEST_POINTER,
  LATEST_POINTER,
  MODEL_CONFIG_FILE,
  MODEL_FILE,
  OPTIMIZER_FILE,
  readPointer,
  TRAINER_STATE_FILE,
} from '../checkpoint/checkpoint.js';
import { checkpointProblem } from '../checkpoint/verify.js';
import { RunFolderError } from './errors.js';
import { acquireRunLock, RUN_LOCK, type RunLock } from './lock.js';
import {
  CHECKPOINT_NAME,
  checkpointStep,
  newManifest,
  RUN_MANIFEST,
  type RunManifest,
  readManifest,
  writeManifest,
} from './manifest.js';
import { isFileTemporary, removeTemporaries } from './temporaries.js';

/** Files the run folder itself writes (their temporaries are swept at the next start). */
export const RUN_FILES: readonly string[] = [RUN_MANIFEST, RUN_LOCK, LATEST_POINTER, BEST_POINTER];

/**
 * missing / empty: a new run; run: it has a manifest; legacy-run: an older tensorlm's run
 * (see the header); not-a-run: anything else with files in it.
 */
export type RunFolderKind = 'missing' | 'empty' | 'run' | 'legacy-run' | 'not-a-run';

export interface RunFolderInspection {
  dir: string;
  kind: RunFolderKind;
  manifest: RunManifest | null;
  /** The step of the run's latest checkpoint (0 for a run without one, or no run). */
  step: number;
  /** The folder's entries, sorted (empty when missing). */
  entries: string[];
}

/** How messages tell the user to resume or overwrite (the CLI's flags, or the library's options). */
export interface RunFolderHints {
  resume: string;
  overwrite: string;
  out: string;
}

const LIBRARY_HINTS: RunFolderHints = {
  resume: 'resume: true',
  overwrite: 'overwrite: true',
  out: 'checkpointDir',
};

export interface OpenRunFolderOptions {
  /** Continue the run in the folder (a missing or empty folder starts a new one). */
  resume?: boolean;
  /** Move a run in the folder aside (`<dir>.old-<time>`) and start a new one. */
  overwrite?: boolean;
  /** Other files the caller writes into the run (tokenizer, task): their temporaries are swept too. */
  ownFiles?: readonly string[];
  /** Where notices go (stale lock taken over, temporaries removed, a damaged checkpoint skipped…). */
  log?: (line: string) => void;
  hints?: RunFolderHints;
}

export interface ResumePoint {
  name: string;
  path: string;
  step: number;
}

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await (await fs()).stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await fs()).stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Entries that a kill during the very first start can leave in a folder that has no manifest yet. */
function isStartupLeftover(entry: string): boolean {
  return entry === RUN_LOCK || isFileTemporary(entry, RUN_FILES);
}

/** What the folder holds, read only. Throws on a damaged manifest or a pointer leaving the folder. */
export async function inspectRunFolder(dir: string): Promise<RunFolderInspection> {
  const f = await fs();
  let entries: string[];
  try {
    entries = (await f.readdir(dir)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { dir, kind: 'missing', manifest: null, step: 0, entries: [] };
    if (code === 'ENOTDIR')
      throw new RunFolderError('RUN_FOLDER_NOT_A_RUN', dir, `${dir} is a file, not a folder`);
    throw error;
  }
  const manifest = await readManifest(dir);
  if (manifest) {
    // Without latest.json (a kill between a save and its pointer), the newest checkpoint
    // of this run that exists; a claimed one whose save never completed does not count.
    const latest = await readPointer(dir, 'latest');
    const present = manifest.checkpoints.filter((name) => entries.includes(name));
    const step = latest?.step ?? Math.max(0, ...present.map(checkpointStep));
    return { dir, kind: 'run', manifest, step, entries };
  }
  if (entries.every(isStartupLeftover)) return { dir, kind: 'empty', manifest: null, step: 0, entries };
  if (entries.includes(LATEST_POINTER)) {
    let latest: Awaited<ReturnType<typeof readPointer>> = null;
    try {
      latest = await readPointer(dir, 'latest');
    } catch {
      latest = null; // not a pointer we wrote: the folder is no run of ours
    }
    if (latest && (await exists(joinPath(joinPath(dir, latest.checkpoint), TRAINER_STATE_FILE))))
      return { dir, kind: 'legacy-run', manifest: null, step: latest.step, entries };
  }
  return { dir, kind: 'not-a-run', manifest: null, step: 0, entries };
}

function listed(entries: readonly string[]): string {
  const shown = entries.slice(0, 5).join(', ');
  return entries.length > 5 ? `${shown}, … ${entries.length - 5} more` : shown;
}

/** `<dir>.old-20250102T030405Z`, or with `-2`, `-3`… when that exists. */
async function asideName(dir: string): Promise<string> {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const base = `${dir.replace(/[\\/]+$/, '')}.old-${stamp}`;
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await exists(candidate))) return candidate;
  }
}

/**
 * Opens `dir` for training: refuses what must not be trained into (see the file header)
 * and takes the lock. Nothing is written but the lock (and the folder itself when it was
 * missing) until `begin()`.
 */
export async function openRunFolder(dir: string, options: OpenRunFolderOptions = {}): Promise<RunFolder> {
  const hints = options.hints ?? LIBRARY_HINTS;
  if (options.resume && options.overwrite) {
    throw new RunFolderError(
      'RUN_FOLDER_OPTIONS',
      dir,
      `${hints.resume} continues the run in ${dir} and ${hints.overwrite} moves it aside: give one of them`,
    );
  }
  const inspection = await inspectRunFolder(dir);
  const isRun = inspection.kind === 'run' || inspection.kind === 'legacy-run';
  if (inspection.kind === 'not-a-run') {
    throw new RunFolderError(
      'RUN_FOLDER_NOT_A_RUN',
      dir,
      `${dir} is not a tensorlm run folder (it has ${listed(inspection.entries)}); ` +
        `choose an empty or new ${hints.out}. Nothing in it was changed.`,
    );
  }
  if (isRun && !options.resume && !options.overwrite && inspection.step > 0) {
    throw new RunFolderError(
      'RUN_FOLDER_HOLDS_RUN',
      dir,
      `${dir} holds a run at step ${inspection.step}: pass ${hints.resume} to continue, or ${hints.overwrite} to start again (the old run is moved aside, not deleted)`,
    );
  }
  const f = await fs();
  let created = false;
  if (inspection.kind === 'missing') {
    await f.mkdir(dir, { recursive: true });
    created = true;
  }
  const log = options.log ?? (() => {});
  const lock = await acquireRunLock(dir, log);
  return new RunFolder(dir, inspection, lock, created, options, log);
}

export class RunFolder {
  private manifest: RunManifest | null;
  private begun = false;
  private closed = false;
  private resumeCache = new Map<'latest' | 'best', Promise<ResumePoint | null>>();

  constructor(
    readonly dir: string,
    readonly inspection: RunFolderInspection,
    private lock: RunLock,
    /** Whether opening created the folder (it is removed again if still empty at close). */
    readonly created: boolean,
    private readonly options: OpenRunFolderOptions,
    private readonly log: (line: string) => void,
  ) {
    this.manifest = inspection.manifest;
  }

  /** Whether training continues an existing run (rather than starting a new one). */
  get resuming(): boolean {
    const { kind, step } = this.inspection;
    return this.options.resume === true && (kind === 'run' || kind === 'legacy-run') && step > 0;
  }

  /** The checkpoints this run created, oldest first. */
  get checkpoints(): readonly string[] {
    return this.manifest?.checkpoints ?? [];
  }

  /**
   * The checkpoint to resume from: the one `latest.json` (or `best.json`) names, and when
   * that one is damaged the newest intact older one of this run, saying so through `log`.
   * Null when the run has no checkpoint yet. Only headers and JSON are read.
   */
  resumePoint(which: 'latest' | 'best' = 'latest'): Promise<ResumePoint | null> {
    let cached = this.resumeCache.get(which);
    if (!cached) {
      cached = this.findResumePoint(which);
      this.resumeCache.set(which, cached);
    }
    return cached;
  }

  private async findResumePoint(which: 'latest' | 'best'): Promise<ResumePoint | null> {
    const pointer = await readPointer(this.dir, which);
    const pointerFile = joinPath(this.dir, which === 'latest' ? LATEST_POINTER : BEST_POINTER);
    const owned = [
      ...this.checkpoints,
      ...(this.inspection.kind === 'legacy-run' ? await this.onDisk() : []),
    ];
    const older = [...new Set(owned)]
      .filter((name) => name !== pointer?.checkpoint && (!pointer || checkpointStep(name) < pointer.step))
      .sort((a, b) => checkpointStep(b) - checkpointStep(a));
    // best.json names one particular checkpoint: an older one is no substitute.
    const candidates =
      which === 'best'
        ? pointer
          ? [pointer.checkpoint]
          : []
        : [...(pointer ? [pointer.checkpoint] : []), ...older];
    const damaged: string[] = [];
    for (const name of candidates) {
      const path = joinPath(this.dir, name);
      const named = name === pointer?.checkpoint;
      // A listed checkpoint that is not there was pruned, or its save never completed.
      if (!named && !(await isDirectory(path))) continue;
      const problem = (await isDirectory(path))
        ? await checkpointProblem(path, {
            safetensors: [MODEL_FILE, OPTIMIZER_FILE],
            json: [TRAINER_STATE_FILE, MODEL_CONFIG_FILE],
            optional: [MODEL_CONFIG_FILE],
          })
        : 'the folder is missing';
      if (problem === null) {
        if (damaged.length > 0) this.log(`${damaged.join('; ')}; resuming from ${name}`);
        return { name, path, step: checkpointStep(name) };
      }
      damaged.push(`${name} is damaged (${problem})`);
    }
    if (damaged.length > 0) {
      throw new RunFolderError(
        'RUN_FOLDER_DAMAGED',
        which === 'best' ? pointerFile : this.dir,
        `no intact checkpoint to resume from in ${this.dir}: ${damaged.join('; ')}`,
      );
    }
    return null;
  }

  private async onDisk(): Promise<string[]> {
    return (await (await fs()).readdir(this.dir)).filter((e) => CHECKPOINT_NAME.test(e));
  }

  /**
   * Starts writing: moves an old run aside (overwrite), sweeps temporaries, and writes the
   * manifest (new run, or adoption of an older tensorlm's run). Idempotent.
   */
  async begin(): Promise<void> {
    if (this.closed)
      throw new RunFolderError('RUN_FOLDER_OPTIONS', this.dir, `${this.dir}: the run folder was closed`);
    if (this.begun) return;
    this.begun = true;
    const { kind, step } = this.inspection;
    if (this.options.overwrite && (kind === 'run' || kind === 'legacy-run')) {
      await this.moveAside(step);
      this.manifest = newManifest();
      await writeManifest(this.dir, this.manifest);
      return;
    }
    const removed = await removeTemporaries(this.dir, [...RUN_FILES, ...(this.options.ownFiles ?? [])]);
    if (removed.length > 0)
      this.log(`removed what an interrupted run left in ${this.dir}: ${listed(removed)}`);
    if (kind === 'legacy-run') {
      this.manifest = newManifest(await this.onDisk(), 'a run written before tensorlm-run.json existed');
      await writeManifest(this.dir, this.manifest);
      this.log(
        `${this.dir} was written by an older tensorlm: adopted it as a run (${RUN_MANIFEST} lists its ${this.manifest.checkpoints.length} checkpoints)`,
      );
      return;
    }
    if (kind === 'run' && !this.resuming) {
      // Only a run without a checkpoint gets here (openRunFolder refuses the others).
      this.log(`${this.dir} holds a run stopped before its first checkpoint: starting it again`);
    }
    if (!this.manifest || !this.resuming) {
      this.manifest = newManifest();
      await writeManifest(this.dir, this.manifest);
    }
  }

  private async moveAside(step: number): Promise<void> {
    const f = await fs();
    const aside = await asideName(this.dir);
    await f.rename(this.dir, aside);
    // The lock moved with the folder: drop it there, and lock the new folder.
    await f.rm(joinPath(aside, RUN_LOCK), { force: true });
    await f.mkdir(this.dir, { recursive: true });
    this.lock = await acquireRunLock(this.dir, this.log);
    this.log(`moved the previous run (step ${step}) in ${this.dir} aside to ${aside}`);
  }

  /** Whether `name` is a checkpoint this run created. */
  owns(name: string): boolean {
    return this.checkpoints.includes(name);
  }

  /**
   * Records `name` as this run's before it is written (so a kill mid-save leaves nothing
   * unowned). Refuses a checkpoint folder of that name that the run did not create.
   */
  async claim(name: string): Promise<void> {
    if (!this.begun) await this.begin();
    if (!CHECKPOINT_NAME.test(name))
      throw new RunFolderError('RUN_FOLDER_OPTIONS', this.dir, `'${name}' is not a checkpoint-<step> name`);
    if (this.owns(name)) return;
    if (await exists(joinPath(this.dir, name))) {
      throw new RunFolderError(
        'RUN_FOLDER_NOT_A_RUN',
        joinPath(this.dir, name),
        `${joinPath(this.dir, name)} exists but this run did not create it (${RUN_MANIFEST} does not list it); refusing to replace it`,
      );
    }
    this.manifest = {
      ...this.manifest!,
      checkpoints: [...this.checkpoints, name].sort((a, b) => checkpointStep(a) - checkpointStep(b)),
    };
    await writeManifest(this.dir, this.manifest);
  }

  /** Drops pruned checkpoints from the manifest. */
  async forget(names: readonly string[]): Promise<void> {
    if (names.length === 0 || !this.manifest) return;
    const gone = new Set(names);
    this.manifest = { ...this.manifest, checkpoints: this.checkpoints.filter((n) => !gone.has(n)) };
    await writeManifest(this.dir, this.manifest);
  }

  /** Releases the lock; a folder that opening created and nothing filled is removed again. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lock.release();
    if (this.created && !this.begun) await (await fs()).rmdir(this.dir).catch(() => {});
  }
}

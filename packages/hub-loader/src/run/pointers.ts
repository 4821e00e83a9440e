// The model-folder side of a tensorlm run folder: the `checkpoint-<step>` names a run
// creates and the `latest.json` / `best.json` pointers that name one of them. A pointer may
// only name a `checkpoint-<step>` folder of its own run — never `../elsewhere` or an
// absolute path — so loading a run can never read weights from outside it. The trainer
// writes these files; this is the one reader of their rules.
import { joinPath } from '@tensorlm/nn';
import { z } from 'zod';
import { ModelFolderError } from '../errors.js';

/** `checkpoint-<step>`: the only names a run creates, points to or prunes. */
export const CHECKPOINT_NAME = /^checkpoint-(0|[1-9]\d*)$/;
export const LATEST_POINTER = 'latest.json';
export const BEST_POINTER = 'best.json';
/** The manifest that makes a folder a run (written by the trainer). */
export const RUN_MANIFEST = 'tensorlm-run.json';

const pointerSchema = z.looseObject({ checkpoint: z.string(), step: z.number() });

export interface CheckpointPointer {
  /** Folder name inside the run directory. */
  checkpoint: string;
  step: number;
  [key: string]: unknown;
}

/** The pointer file's path for `which`. */
export function pointerPath(runDir: string, which: 'latest' | 'best'): string {
  return joinPath(runDir, which === 'latest' ? LATEST_POINTER : BEST_POINTER);
}

/**
 * The content of a run's `latest.json` / `best.json`, or null when there is none. A pointer
 * that is not JSON, lacks its fields, or names anything but a `checkpoint-<step>` folder
 * of this run is an error naming the file.
 */
export async function readRunPointer(
  runDir: string,
  which: 'latest' | 'best',
): Promise<CheckpointPointer | null> {
  const fs = await import('node:fs/promises');
  const path = pointerPath(runDir, which);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ModelFolderError(
      'MODEL_RUN_POINTER_INVALID',
      `cannot read ${path}: ${(error as Error).message}`,
      {
        path,
        cause: error,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFolderError(
      'MODEL_RUN_POINTER_INVALID',
      `checkpoint pointer ${path} is not valid JSON: ${(error as Error).message}`,
      { path },
    );
  }
  const parsed = pointerSchema.safeParse(json);
  if (!parsed.success) {
    throw new ModelFolderError(
      'MODEL_RUN_POINTER_INVALID',
      `checkpoint pointer ${path} lacks 'checkpoint' (string) or 'step' (number)`,
      { path },
    );
  }
  if (!CHECKPOINT_NAME.test(parsed.data.checkpoint)) {
    throw new ModelFolderError(
      'MODEL_RUN_POINTER_INVALID',
      `${path} names '${parsed.data.checkpoint}', which is not a checkpoint-<step> folder of ${runDir}; ` +
        'a pointer may only name a checkpoint inside its own run folder',
      { path },
    );
  }
  return parsed.data as CheckpointPointer;
}

/**
 * The checkpoint folder a run folder loads from: best.json's, else latest.json's (or only
 * latest's with `which: 'latest'`); null when the folder has no pointer (not a run).
 */
export async function runCheckpoint(
  runDir: string,
  which: 'best' | 'latest' = 'best',
): Promise<{ path: string; pointer: CheckpointPointer; which: 'best' | 'latest' } | null> {
  for (const w of which === 'best' ? (['best', 'latest'] as const) : (['latest'] as const)) {
    const pointer = await readRunPointer(runDir, w);
    if (pointer) return { path: joinPath(runDir, pointer.checkpoint), pointer, which: w };
  }
  return null;
}

// The run manifest, `tensorlm-run.json`: written when a run starts, it is what makes a
// folder recognisable as a tensorlm run, and it lists the checkpoints this run created.
// Pruning removes only checkpoints listed here, so a folder the user put beside them
// (or a checkpoint copied in from elsewhere) is never deleted.
import { CHECKPOINT_NAME, RUN_MANIFEST } from '@tensorlm/hub-loader';
import { joinPath, writeFileAtomic } from '@tensorlm/nn';
import { formatZodIssues } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { RunFolderError } from './errors.js';

// The names are hub-loader's (the reader of run folders): one definition for both sides.
export { CHECKPOINT_NAME, RUN_MANIFEST };

const MANIFEST_FORMAT = 'tensorlm-run';
const MANIFEST_VERSION = 1;

export const runManifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    version: z.literal(MANIFEST_VERSION),
    /** When the run started (ISO 8601). */
    created: z.string(),
    /** Checkpoint folders this run created (and has not pruned), oldest first. */
    checkpoints: z.array(z.string().regex(CHECKPOINT_NAME, 'must be a checkpoint-<step> name')),
    /** Set when the run was written by an older tensorlm without a manifest and adopted. */
    adopted: z.string().optional(),
  })
  .strict();

export type RunManifest = z.infer<typeof runManifestSchema>;

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/** The step of a `checkpoint-<step>` name (NaN for other names). */
export function checkpointStep(name: string): number {
  return CHECKPOINT_NAME.test(name) ? Number(name.slice('checkpoint-'.length)) : Number.NaN;
}

export function newManifest(checkpoints: readonly string[] = [], adopted?: string): RunManifest {
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    created: new Date().toISOString(),
    checkpoints: [...checkpoints].sort((a, b) => checkpointStep(a) - checkpointStep(b)),
    ...(adopted ? { adopted } : {}),
  };
}

/** The folder's manifest; null when it has none; an error naming the file when it is damaged. */
export async function readManifest(dir: string): Promise<RunManifest | null> {
  const path = joinPath(dir, RUN_MANIFEST);
  let text: string;
  try {
    text = await (await fs()).readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RunFolderError('RUN_FOLDER_DAMAGED', path, `cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RunFolderError(
      'RUN_FOLDER_DAMAGED',
      path,
      `${path} is not valid JSON (${(error as Error).message}); it is the run's manifest — restore it or move the folder aside`,
    );
  }
  const parsed = runManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new RunFolderError(
      'RUN_FOLDER_DAMAGED',
      path,
      `${path} is not a version ${MANIFEST_VERSION} tensorlm run manifest: ${formatZodIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}

export async function writeManifest(dir: string, manifest: RunManifest): Promise<void> {
  await writeFileAtomic(joinPath(dir, RUN_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

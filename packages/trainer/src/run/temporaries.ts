// What a kill leaves behind in a run folder, and its removal on the next start. Only names
// this program's own writers make are recognised — a file temporary of writeFileAtomic
// (`<name>.<time36>-<random36>.tmp`) for a file the run writes, and a checkpoint's staging
// folder (`.tmp-checkpoint-<step>-<suffix>`, `.tmp-old-checkpoint-<step>-<suffix>`) — so a
// user's `.tmp-cache/` or `notes.tmp` is never touched.
import { joinPath } from '@tensorlm/nn';

/** `.tmp-checkpoint-12-lz0c8a1b2c3d` (a checkpoint being written) or `.tmp-old-…` (one being replaced). */
export const CHECKPOINT_STAGING = /^\.tmp-(old-)?checkpoint-(0|[1-9]\d*)-[0-9a-z]+$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `entry` is writeFileAtomic's temporary for one of `files`. */
export function isFileTemporary(entry: string, files: readonly string[]): boolean {
  return files.some((name) => new RegExp(`^${escapeRegExp(name)}\\.[0-9a-z]+-[0-9a-z]+\\.tmp$`).test(entry));
}

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/**
 * Removes the temporaries of an interrupted run from `dir`: staging folders of checkpoints
 * and file temporaries of `files` (the names the run writes). Returns the removed names.
 * Call only while holding the run's lock, so a live writer's temporaries are never taken.
 */
export async function removeTemporaries(dir: string, files: readonly string[]): Promise<string[]> {
  const f = await fs();
  const removed: string[] = [];
  for (const entry of await f.readdir(dir, { withFileTypes: true })) {
    const ours = entry.isDirectory()
      ? CHECKPOINT_STAGING.test(entry.name)
      : entry.isFile() && isFileTemporary(entry.name, files);
    if (!ours) continue;
    await f.rm(joinPath(dir, entry.name), { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed.sort();
}

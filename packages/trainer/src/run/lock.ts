// The run lock, `tensorlm-run.lock`: held by one training for its whole duration, so a
// second training into the same folder is refused with the holder's pid instead of both
// overwriting each other's checkpoints. The lock file appears atomically with its content
// (written under a temporary name, then hard-linked into place, which fails if a lock
// exists), so a reader never sees a half-written lock. A lock whose process is gone (a
// kill -9, a power cut) is stale: it is taken over, and the taker says so.
import { hostname } from 'node:os';
import { joinPath } from '@tensorlm/nn';
import { z } from 'zod';
import { RunFolderError } from './errors.js';

export const RUN_LOCK = 'tensorlm-run.lock';

const lockSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  started: z.string(),
});

export type LockHolder = z.infer<typeof lockSchema>;

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/** Whether a process with this pid runs on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<LockHolder | 'damaged' | null> {
  let text: string;
  try {
    text = await (await fs()).readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed = lockSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'damaged';
  } catch {
    return 'damaged';
  }
}

export interface RunLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock (only if it is still ours). */
  release(): Promise<void>;
}

/**
 * Takes the lock of `dir` (which must exist). Refuses with RUN_FOLDER_LOCKED when a live
 * process on this host holds it, or any process on another host (whose liveness cannot be
 * checked); takes over a stale or damaged lock, reporting it through `log`.
 */
export async function acquireRunLock(dir: string, log: (line: string) => void = () => {}): Promise<RunLock> {
  const f = await fs();
  const path = joinPath(dir, RUN_LOCK);
  const holder: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  // The temporary follows nn's writeFileAtomic naming, which the temporaries sweep knows.
  const temp = `${path}.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.tmp`;
  await f.writeFile(temp, `${JSON.stringify(holder)}\n`, { flag: 'wx' });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await f.link(temp, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (attempt >= 3) {
          throw new RunFolderError(
            'RUN_FOLDER_LOCKED',
            dir,
            `${dir} is in use: another process keeps taking ${path}`,
          );
        }
      }
      const current = await readHolder(path);
      if (current === null) continue; // released between our link and our read
      if (current !== 'damaged') {
        const sameHost = current.host === holder.host;
        if (!sameHost || processAlive(current.pid)) {
          const who = current.pid === process.pid && sameHost ? ' (this process)' : '';
          throw new RunFolderError(
            'RUN_FOLDER_LOCKED',
            dir,
            `${dir} is in use: another training (pid ${current.pid}${who} on ${current.host}, since ${current.started}) holds ${path}. ` +
              (sameHost
                ? 'Wait for it to finish or stop it, or choose another --out.'
                : `If nothing trains there any more, delete ${path}.`),
          );
        }
        log(`taking over the stale lock of pid ${current.pid} (no longer running) in ${dir}`);
      } else {
        log(`taking over the damaged lock file ${path}`);
      }
      await f.rm(path, { force: true });
    }
  } finally {
    await f.rm(temp, { force: true });
  }
  return {
    path,
    holder,
    async release() {
      const current = await readHolder(path);
      if (
        current !== null &&
        current !== 'damaged' &&
        current.pid === holder.pid &&
        current.started === holder.started
      )
        await f.rm(path, { force: true });
    },
  };
}

// A lock file that keeps two processes (or two calls in one process) from writing the
// same blob at once: `<blob>.lock`, created exclusively, holding the owner's pid, host and
// a token. A waiter breaks a lock whose owner is gone — a dead pid on this host, or a
// file its owner has not refreshed for `staleMs` (another host, or a frozen owner) — so a
// download killed with kill -9 never blocks the next one. Node only.
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  since: string;
}

export interface FileLockOptions {
  signal?: AbortSignal | undefined;
  /** A lock not refreshed for this long is abandoned (default 10 minutes). */
  staleMs?: number;
  /** Called once when the lock is held by someone else and this call starts waiting. */
  onWait?: (owner: LockOwner | undefined) => void;
}

const DEFAULT_STALE_MS = 10 * 60_000;

/** Whether a process with this pid exists (EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(owner.pid) && typeof owner.host === 'string' && typeof owner.token === 'string')
      return owner as LockOwner;
  } catch {
    // Being written right now, or not ours: judged by its age alone.
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Moves an abandoned lock aside; puts it back if it turns out to be a fresh one taken meanwhile. */
async function breakLock(path: string, seen: string): Promise<void> {
  const aside = `${path}.${randomUUID()}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else broke or released it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => seen);
  if (moved !== seen) await link(aside, path).catch(() => {});
  await rm(aside, { force: true });
}

/**
 * Runs `fn` holding the lock at `path`, waiting (polling, abortable) while another live
 * owner holds it; the lock is removed afterwards whatever `fn` does.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const { signal, staleMs = DEFAULT_STALE_MS } = options;
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
  };
  const mine = JSON.stringify(me);
  await mkdir(dirname(path), { recursive: true });
  let pollMs = 25;
  let told = false;
  for (;;) {
    signal?.throwIfAborted();
    try {
      await writeFile(path, mine, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let text: string;
    let age: number;
    try {
      [text, age] = await Promise.all([
        readFile(path, 'utf8'),
        stat(path).then((s) => Date.now() - s.mtimeMs),
      ]);
    } catch {
      continue; // released between our attempt and the read
    }
    const owner = parseOwner(text);
    const deadHere = owner !== undefined && owner.host === me.host && !processAlive(owner.pid);
    if (deadHere || age > staleMs) {
      await breakLock(path, text);
      continue;
    }
    if (!told) options.onWait?.(owner);
    told = true;
    await sleep(pollMs, signal);
    pollMs = Math.min(pollMs * 2, 1000);
  }
  // A long download keeps its lock fresh so no waiter on another host takes it for abandoned.
  const refresh = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => {});
    },
    Math.max(1000, staleMs / 4),
  );
  refresh.unref();
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    if ((await readFile(path, 'utf8').catch(() => '')) === mine) await rm(path, { force: true });
  }
}

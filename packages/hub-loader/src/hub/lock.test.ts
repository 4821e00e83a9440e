// The blob lock against real processes: a live owner (a child process) makes a caller
// wait until the lock file goes, an abort ends the wait without touching the owner's
// lock, and an abandoned lock — a dead pid on this host, or one not refreshed for
// `staleMs` on another host — is taken over.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LockOwner, processAlive, withFileLock } from './lock.node.js';

let dir: string;
let child: ChildProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-lock-'));
  child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
});
afterAll(async () => {
  child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const ownerFile = (pid: number, host = hostname()) =>
  JSON.stringify({ pid, host, token: 'other', since: '' });

describe('withFileLock', () => {
  it('writes its owner into the lock while running and removes it afterwards', async () => {
    const path = join(dir, 'a.lock');
    const seen = await withFileLock(path, async () => JSON.parse(await readFile(path, 'utf8')) as LockOwner);
    expect(seen.pid).toBe(process.pid);
    expect(seen.host).toBe(hostname());
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('waits while a live process holds the lock, and runs once the lock is gone', async () => {
    const path = join(dir, 'b.lock');
    await writeFile(path, ownerFile(child.pid!));
    expect(processAlive(child.pid!)).toBe(true);
    const events: string[] = [];
    const result = await withFileLock(
      path,
      async () => {
        events.push('run');
        return 42;
      },
      {
        onWait: (owner) => {
          events.push(`wait for ${owner?.pid}`);
          void rm(path); // the owner finishes
        },
      },
    );
    expect(result).toBe(42);
    expect(events).toEqual([`wait for ${child.pid}`, 'run']);
  });

  it('an abort ends the wait with its reason and leaves the owner’s lock alone', async () => {
    const path = join(dir, 'c.lock');
    await writeFile(path, ownerFile(child.pid!));
    const controller = new AbortController();
    const run = withFileLock(path, async () => 'ran', {
      signal: controller.signal,
      onWait: () => controller.abort(new Error('stopped')),
    });
    await expect(run).rejects.toThrow('stopped');
    expect(await readFile(path, 'utf8')).toBe(ownerFile(child.pid!));
  });

  it('takes over a lock whose owner died, and one from another host not refreshed for staleMs', async () => {
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
    );
    expect(processAlive(dead)).toBe(false);
    const path = join(dir, 'd.lock');
    await writeFile(path, ownerFile(dead));
    expect(await withFileLock(path, async () => 'mine')).toBe('mine');

    await writeFile(path, ownerFile(child.pid!, 'another-host'));
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    expect(await withFileLock(path, async () => 'mine too', { staleMs: 30_000 })).toBe('mine too');
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });
});

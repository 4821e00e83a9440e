// Run folders keep a user's files: a folder that is not a run is refused and left byte for
// byte as it was; a finished run is not trained over without resume, and overwrite moves
// it aside; a second training into a locked folder is refused naming the holder's pid, and
// a dead holder's lock is taken over; a kill's temporaries are swept but a user's
// `.tmp-cache/` is not; a truncated newest checkpoint falls back to the newest intact one;
// pointers never leave the folder; a run from before manifests is adopted.
import '@tensorlm/backend-cpu';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@tensorlm/tensor-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { snapshotFolder } from '../../../../tooling/vitest/folder-snapshot.js';
import { countingSource, tinyGpt } from '../../test/fixtures.js';
import { causalLmLoss } from '../lm/causal-lm.js';
import type { TrainerConfigInput } from '../trainer/config.js';
import { Trainer } from '../trainer/trainer.js';
import { RunFolderError } from './errors.js';
import { acquireRunLock, RUN_LOCK } from './lock.js';
import { openRunFolder } from './run-folder.js';
import { removeTemporaries } from './temporaries.js';

let dir: string;
beforeAll(async () => {
  await setBackend('cpu');
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function trainer(checkpointDir: string, config: Partial<TrainerConfigInput> = {}, lines: string[] = []) {
  return new Trainer(
    {
      model: tinyGpt(0, 0),
      train: countingSource(1, 2, 6),
      loss: causalLmLoss(),
      progress: { write: (t: string) => void lines.push(t.replace(/\n$/, '')) },
    },
    { maxSteps: 3, lr: 1e-2, checkpointDir, checkpointInterval: 1, keepCheckpoints: 2, ...config },
  );
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('a folder that is not a run', () => {
  it('is refused, naming what it holds, and left byte-identical (nothing deleted or overwritten)', async () => {
    const out = join(dir, 'mine');
    await mkdir(join(out, 'checkpoint-1'), { recursive: true });
    await writeFile(join(out, 'checkpoint-1', 'weights.bin'), 'precious');
    await mkdir(join(out, 'checkpoint-7'));
    await mkdir(join(out, '.tmp-cache'));
    await writeFile(join(out, '.tmp-cache', 'blob'), 'cached');
    await writeFile(join(out, 'notes.txt'), 'my notes');
    await writeFile(join(out, 'loss.svg'), '<svg>mine</svg>');
    const before = await snapshotFolder(out);
    const error = await trainer(out)
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFolderError);
    expect((error as RunFolderError).code).toBe('RUN_FOLDER_NOT_A_RUN');
    expect((error as Error).message).toBe(
      `${out} is not a tensorlm run folder (it has .tmp-cache, checkpoint-1, checkpoint-7, loss.svg, notes.txt); ` +
        'choose an empty or new checkpointDir. Nothing in it was changed.',
    );
    // overwrite does not apply to it either
    await expect(openRunFolder(out, { overwrite: true })).rejects.toThrow(/is not a tensorlm run folder/);
    expect(await snapshotFolder(out)).toEqual(before);
  });
});

describe('a finished run', () => {
  it('is not trained over without resume; overwrite moves it aside and starts a new run', async () => {
    const out = join(dir, 'run');
    expect((await trainer(out).run()).step).toBe(3);
    const before = await snapshotFolder(out);
    const error = await trainer(out, { maxSteps: 2 })
      .run()
      .catch((e: unknown) => e);
    expect((error as RunFolderError).code).toBe('RUN_FOLDER_HOLDS_RUN');
    expect((error as Error).message).toMatch(
      /holds a run at step 3: pass resume: true to continue, or overwrite: true to start again/,
    );
    expect(await snapshotFolder(out)).toEqual(before);

    const lines: string[] = [];
    const folder = await openRunFolder(out, { overwrite: true, log: (l) => lines.push(l) });
    const fresh = new Trainer(
      {
        model: tinyGpt(0, 0),
        train: countingSource(1, 2, 6),
        loss: causalLmLoss(),
        progress: false,
        runFolder: folder,
      },
      { maxSteps: 2, lr: 1e-2, checkpointDir: out, checkpointInterval: 1 },
    );
    try {
      expect((await fresh.run()).step).toBe(2);
    } finally {
      await folder.close();
    }
    const aside = (await readdir(dir)).filter((e) => e.startsWith('run.old-'));
    expect(aside).toHaveLength(1);
    expect(lines.join('\n')).toContain(
      `moved the previous run (step 3) in ${out} aside to ${join(dir, aside[0]!)}`,
    );
    expect(await snapshotFolder(join(dir, aside[0]!))).toEqual(before); // the old run, intact
    expect(JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')).checkpoint).toBe('checkpoint-2');
    expect((await readdir(out)).filter((e) => e.startsWith('checkpoint-')).sort()).toEqual([
      'checkpoint-1',
      'checkpoint-2',
    ]);
  });
});

describe('the run lock', () => {
  it('refuses a second training into a locked folder, naming the pid, and takes over a stale lock', async () => {
    const out = join(dir, 'run');
    const first = await openRunFolder(out);
    const error = await trainer(out)
      .run()
      .catch((e: unknown) => e);
    expect((error as RunFolderError).code).toBe('RUN_FOLDER_LOCKED');
    expect((error as Error).message).toContain(`pid ${process.pid} (this process)`);
    await first.close();
    // Opening created the folder and nothing was written: closing leaves no trace.
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
    await mkdir(out);

    // A holder that died (kill -9) left its lock: the next start takes it over and says so.
    const pid = deadPid();
    await writeFile(
      join(out, RUN_LOCK),
      JSON.stringify({ pid, host: (await import('node:os')).hostname(), started: 'x' }),
    );
    const lines: string[] = [];
    const lock = await acquireRunLock(out, (l) => lines.push(l));
    expect(lines).toEqual([`taking over the stale lock of pid ${pid} (no longer running) in ${out}`]);
    expect(JSON.parse(await readFile(join(out, RUN_LOCK), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });
});

describe('temporaries left by a kill', () => {
  it("are swept at the next start, but only the ones this program's writers name", async () => {
    await mkdir(join(dir, '.tmp-checkpoint-4-lz1abc2def'));
    await mkdir(join(dir, '.tmp-old-checkpoint-3-lz1abc'));
    await mkdir(join(dir, '.tmp-cache'));
    await mkdir(join(dir, '.tmp-checkpoint-x'));
    await writeFile(join(dir, 'tokenizer.json.lz1abc-9xyz.tmp'), '');
    await writeFile(join(dir, 'latest.json.lz1abc-9xyz.tmp'), '{');
    await writeFile(join(dir, 'notes.txt.lz1abc-9xyz.tmp'), 'a user file that looks like ours');
    await writeFile(join(dir, 'draft.tmp'), 'mine');
    expect(await removeTemporaries(dir, ['tokenizer.json', 'latest.json'])).toEqual([
      '.tmp-checkpoint-4-lz1abc2def',
      '.tmp-old-checkpoint-3-lz1abc',
      'latest.json.lz1abc-9xyz.tmp',
      'tokenizer.json.lz1abc-9xyz.tmp',
    ]);
    expect((await readdir(dir)).sort()).toEqual([
      '.tmp-cache',
      '.tmp-checkpoint-x',
      'draft.tmp',
      'notes.txt.lz1abc-9xyz.tmp',
    ]);
  });
});

describe('resuming a damaged run', () => {
  it('falls back from a truncated newest checkpoint to the newest intact one, and says so', async () => {
    const out = join(dir, 'run');
    await trainer(out, { maxSteps: 3 }).run();
    const weights = join(out, 'checkpoint-3', 'model.safetensors');
    const { size } = await stat(weights);
    await truncate(weights, size - 100);
    const lines: string[] = [];
    const resumed = await trainer(out, { maxSteps: 4, resume: true }, lines).run();
    expect(resumed.resumedFrom).toBe(join(out, 'checkpoint-2'));
    expect(resumed.step).toBe(4);
    expect(lines).toContain(
      `checkpoint-3 is damaged (model.safetensors is damaged: ${(size - 100).toLocaleString('en-US')} bytes where its header needs ${size.toLocaleString('en-US')} (truncated)); resuming from checkpoint-2`,
    );
  });

  it('a missing trainer_state.json also falls back; with no intact checkpoint left it fails naming each', async () => {
    const out = join(dir, 'run');
    await trainer(out, { maxSteps: 2 }).run();
    await rm(join(out, 'checkpoint-2', 'trainer_state.json'));
    await writeFile(join(out, 'checkpoint-1', 'optimizer.safetensors'), 'x');
    const error = await trainer(out, { maxSteps: 3, resume: true })
      .run()
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `no intact checkpoint to resume from in ${out}: checkpoint-2 is damaged (trainer_state.json is missing); ` +
        'checkpoint-1 is damaged (optimizer.safetensors is damaged: 1 bytes, shorter than the 8-byte header length (truncated))',
    );
  });
});

describe('pointers', () => {
  it('a best.json naming a checkpoint outside the run is refused, naming the pointer file', async () => {
    const out = join(dir, 'run');
    await trainer(out, { maxSteps: 1 }).run();
    const elsewhere = join(dir, 'elsewhere');
    await trainer(elsewhere, { maxSteps: 1 }).run(); // a real, loadable checkpoint outside `out`
    await writeFile(
      join(out, 'best.json'),
      JSON.stringify({ checkpoint: '../elsewhere/checkpoint-1', step: 1 }),
    );
    const error = await trainer(out, { maxSteps: 2, resume: 'best' })
      .run()
      .catch((e: unknown) => e);
    expect((error as RunFolderError).code).toBe('RUN_FOLDER_BAD_POINTER');
    expect((error as Error).message).toContain(`${join(out, 'best.json')} names '../elsewhere/checkpoint-1'`);
  });
});

describe('a run written before manifests existed', () => {
  it('is recognised by latest.json → checkpoint-N/trainer_state.json and adopted when resumed', async () => {
    const out = join(dir, 'run');
    await trainer(out, { maxSteps: 2 }).run();
    await rm(join(out, 'tensorlm-run.json')); // as the previous version wrote it
    await expect(trainer(out, { maxSteps: 3 }).run()).rejects.toThrow(/holds a run at step 2/);
    const lines: string[] = [];
    const resumed = await trainer(out, { maxSteps: 3, resume: true }, lines).run();
    expect(resumed.resumedFrom).toBe(join(out, 'checkpoint-2'));
    expect(lines.some((l) => l.includes('written by an older tensorlm: adopted it as a run'))).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, 'tensorlm-run.json'), 'utf8'));
    expect(manifest.checkpoints).toEqual(['checkpoint-2', 'checkpoint-3']); // checkpoint-1 pruned (keep 2)
  });
});

// The data-safety rules of `tensorlm train`, one test per failure observed in issue 11,
// each reproducing it and checking the fix: a folder that is not a run is refused and
// left byte-identical; a finished run is not trained over (--overwrite moves it aside); a
// failed --resume leaves the run byte-identical; a kill -9 at start-up leaves no 0-byte
// tokenizer.json and the next start sweeps its temporaries; a truncated newest checkpoint
// falls back to the newest intact one; Ctrl-C saves, prints the resume command and exits
// 130; a second training into a busy folder is refused naming the pid; a best.json that
// points outside the run is refused. Real child processes where a kill or signal matters
// (test/train-child.ts stops them at a known point, never after a sleep).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFolder } from '../../../../tooling/vitest/folder-snapshot.js';
import { main } from '../cli.js';

const CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SMALL = ['--batch-size', '4', '--samples', '0', '--eval-iters', '1', '--backend', 'cpu'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-safety-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tensorlm(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

interface Child {
  process: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves when stderr has shown `marker`. */
  waitFor(marker: string): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnTensorlm(argv: string[], env: Record<string, string>): Child {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'test/train-child.ts', ...argv],
    {
      cwd: CLI_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const state: Child = {
    process: child,
    stdout: '',
    stderr: '',
    waitFor: (marker) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (state.stderr.includes(marker)) resolve();
        };
        child.stderr!.on('data', check);
        child.on('exit', () => reject(new Error(`exited before '${marker}': ${state.stderr}`)));
        check();
      }),
    exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on('data', (d) => {
    state.stdout += String(d);
  });
  child.stderr!.on('data', (d) => {
    state.stderr += String(d);
  });
  return state;
}

describe('tensorlm train keeps the files of its run folder safe', () => {
  it('1. refuses a folder that is not a run and leaves it byte-identical', async () => {
    const out = join(dir, 'not-a-run');
    await mkdir(join(out, 'checkpoint-1'), { recursive: true });
    await writeFile(join(out, 'checkpoint-1', 'model.safetensors'), 'not ours');
    await mkdir(join(out, 'checkpoint-7'));
    await mkdir(join(out, '.tmp-cache'));
    await writeFile(join(out, '.tmp-cache', 'blob'), 'cached');
    await writeFile(join(out, 'notes.txt'), 'my notes');
    await writeFile(join(out, 'loss.svg'), '<svg>mine</svg>');
    const before = await snapshotFolder(out);
    const { code, err } = await tensorlm(['train', 'grammar', '--steps', '2', '--out', out, ...SMALL]);
    expect(code).toBe(1);
    expect(err[0]).toBe(
      `tensorlm train grammar: ${out} is not a tensorlm run folder (it has .tmp-cache, checkpoint-1, checkpoint-7, loss.svg, notes.txt); ` +
        'choose an empty or new --out. Nothing in it was changed.',
    );
    expect(await snapshotFolder(out)).toEqual(before);
  });

  it('2. refuses to train over a finished run without --resume; --overwrite moves it aside', async () => {
    const out = join(dir, 'finished');
    expect((await tensorlm(['train', 'grammar', '--steps', '3', '--out', out, ...SMALL])).code).toBe(0);
    const before = await snapshotFolder(out);
    const again = await tensorlm(['train', 'grammar', '--steps', '2', '--out', out, ...SMALL]);
    expect(again.code).toBe(1);
    expect(again.err[0]).toBe(
      `tensorlm train grammar: ${out} holds a run at step 3: pass --resume to continue, or --overwrite to start again (the old run is moved aside, not deleted)`,
    );
    expect(await snapshotFolder(out)).toEqual(before);

    const fresh = await tensorlm(['train', 'grammar', '--steps', '2', '--overwrite', '--out', out, ...SMALL]);
    expect(fresh.code).toBe(0);
    const aside = (await readdir(dir)).filter((e) => e.startsWith('finished.old-'));
    expect(aside).toHaveLength(1);
    expect(fresh.out).toContain(`moved the previous run (step 3) in ${out} aside to ${join(dir, aside[0]!)}`);
    expect(await snapshotFolder(join(dir, aside[0]!))).toEqual(before);
    // The new run's final checkpoint survives its own pruning, so it resumes.
    expect(JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')).checkpoint).toBe('checkpoint-2');
    const resumed = await tensorlm(['train', 'grammar', '--steps', '3', '--resume', '--out', out, ...SMALL]);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain(`resumed from ${join(out, 'checkpoint-2')} at step 2`);
  });

  it('3a. a failed `train text … --resume` into a grammar run leaves the run byte-identical', async () => {
    const out = join(dir, 'grammar-run');
    expect((await tensorlm(['train', 'grammar', '--steps', '2', '--out', out, ...SMALL])).code).toBe(0);
    const before = await snapshotFolder(out);
    const corpus = join(dir, 'story.txt');
    await writeFile(corpus, 'I had always thought Jack Gisburn rather a cheap genius. '.repeat(20));
    const failed = await tensorlm([
      'train',
      'text',
      '--file',
      corpus,
      '--tokenizer',
      'char',
      '--config',
      'gpt-nano',
      '--context',
      '16',
      '--steps',
      '3',
      '--resume',
      '--out',
      out,
      ...SMALL.filter((w) => w !== '--samples' && w !== '0'),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.err[0]).toBe(
      `tensorlm train text: cannot resume ${out}: it holds a 'grammar' run (${join(out, 'tensorlm-task.json')}), not a 'text' one. ` +
        'Nothing in the run was changed; train into another --out to start a new run.',
    );
    expect(await snapshotFolder(out)).toEqual(before);
  });

  it('3b. a kill -9 during start-up leaves no 0-byte tokenizer.json; the next start sweeps the temporaries', async () => {
    const out = join(dir, 'killed');
    const child = spawnTensorlm(['train', 'grammar', '--steps', '2', '--out', out, ...SMALL], {
      TENSORLM_TEST_PAUSE_RENAME_TO: 'tokenizer.json',
    });
    await child.waitFor('PAUSED'); // the tokenizer's temporary is written, its rename not done
    child.process.kill('SIGKILL');
    expect((await child.exit).signal).toBe('SIGKILL');
    const left = await readdir(out);
    expect(left).not.toContain('tokenizer.json');
    const temporary = left.find((e) => /^tokenizer\.json\.[0-9a-z]+-[0-9a-z]+\.tmp$/.test(e));
    expect(temporary).toBeDefined();
    expect(JSON.parse(await readFile(join(out, 'tensorlm-run.lock'), 'utf8')).pid).toBe(child.process.pid);

    const next = await tensorlm(['train', 'grammar', '--steps', '2', '--out', out, ...SMALL]);
    expect(next.code).toBe(0);
    expect(next.out).toContain(
      `taking over the stale lock of pid ${child.process.pid} (no longer running) in ${out}`,
    );
    expect(next.out).toContain(`removed what an interrupted run left in ${out}: ${temporary}`);
    const after = await readdir(out);
    expect(after.filter((e) => e.endsWith('.tmp') || e === 'tensorlm-run.lock')).toEqual([]);
    expect(JSON.parse(await readFile(join(out, 'tokenizer.json'), 'utf8')).kind).toBeDefined();
  });

  it('4. --resume falls back from a truncated newest checkpoint to the newest intact one, and says so', async () => {
    const out = join(dir, 'damaged');
    const first = await tensorlm([
      'train',
      'grammar',
      '--steps',
      '4',
      '--save-every',
      '1',
      '--out',
      out,
      ...SMALL,
    ]);
    expect(first.code).toBe(0);
    const weights = join(out, 'checkpoint-4', 'model.safetensors');
    const { size } = await stat(weights);
    await truncate(weights, Math.floor(size / 2));
    const resumed = await tensorlm(['train', 'grammar', '--steps', '5', '--resume', '--out', out, ...SMALL]);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain(
      `checkpoint-4 is damaged (model.safetensors is damaged: ${Math.floor(size / 2).toLocaleString('en-US')} bytes where its header needs ${size.toLocaleString('en-US')} (truncated)); resuming from checkpoint-3`,
    );
    expect(resumed.out).toContain(`resumed from ${join(out, 'checkpoint-3')} at step 3`);
  });

  it('5. SIGINT saves a checkpoint after the current step, prints how to resume and exits 130', async () => {
    const out = join(dir, 'interrupted');
    const go = join(dir, 'go-interrupted');
    const child = spawnTensorlm(['train', 'grammar', '--steps', '6', '--out', out, ...SMALL], {
      TENSORLM_TEST_BLOCK_AT: 'step 1/6',
      TENSORLM_TEST_GO_FILE: go,
    });
    await child.waitFor('READY'); // step 1 is done and reported; step 2 has not started
    child.process.kill('SIGINT');
    await writeFile(go, '');
    expect(await child.exit).toEqual({ code: 130, signal: null });
    expect(child.stdout).toContain(
      'SIGINT: stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)',
    );
    const hint = /to continue: (.*)\n/.exec(child.stdout)?.[1] ?? '';
    expect(hint.startsWith(`tensorlm train grammar --out ${out} `)).toBe(true);
    expect(hint.endsWith(' --resume')).toBe(true);
    for (const option of ['--steps 6', '--batch-size 4', '--samples 0', '--eval-iters 1'])
      expect(hint).toContain(option);
    expect(child.stderr).toContain(
      `tensorlm train grammar: stopped by SIGINT at step 1; saved ${join(out, 'checkpoint-1')}.`,
    );
    expect(JSON.parse(await readFile(join(out, 'latest.json'), 'utf8'))).toEqual({
      checkpoint: 'checkpoint-1',
      step: 1,
    });
    // The printed command continues the run.
    const resumed = await tensorlm(hint.split(' ').slice(1));
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain(`resumed from ${join(out, 'checkpoint-1')} at step 1`);
  });

  it('6. a second training into a folder in use is refused, naming the pid (exit 1)', async () => {
    const out = join(dir, 'busy');
    const go = join(dir, 'go-busy');
    const child = spawnTensorlm(['train', 'grammar', '--steps', '3', '--out', out, ...SMALL], {
      TENSORLM_TEST_BLOCK_AT: 'step 1/3',
      TENSORLM_TEST_GO_FILE: go,
    });
    await child.waitFor('READY');
    const second = await tensorlm(['train', 'grammar', '--steps', '3', '--resume', '--out', out, ...SMALL]);
    expect(second.code).toBe(1);
    expect(second.err[0]).toMatch(
      new RegExp(
        `^tensorlm train grammar: ${out} is in use: another training \\(pid ${child.process.pid} on .*\\) holds ${join(out, 'tensorlm-run.lock')}\\.`,
      ),
    );
    child.process.kill('SIGTERM');
    await writeFile(go, '');
    expect((await child.exit).code).toBe(143);
  });

  it('7. a best.json that points outside the run is refused, naming the pointer', async () => {
    const out = join(dir, 'pointed');
    expect((await tensorlm(['train', 'grammar', '--steps', '2', '--out', out, ...SMALL])).code).toBe(0);
    await writeFile(
      join(out, 'best.json'),
      JSON.stringify({ checkpoint: '../finished/checkpoint-2', step: 2 }),
    );
    const generated = await tensorlm([
      'generate',
      '--checkpoint',
      out,
      '--prompt',
      'the dog',
      '--backend',
      'cpu',
    ]);
    expect(generated.code).toBe(1);
    expect(generated.err[0]).toContain(
      `${join(out, 'best.json')} names '../finished/checkpoint-2', which is not a checkpoint-<step> folder`,
    );
  });
});

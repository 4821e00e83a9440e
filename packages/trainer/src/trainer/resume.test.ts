// Resuming is exact: a run killed after step 7 (its last checkpoint at step 5) and resumed
// — into a model initialised differently, so nothing survives but the checkpoint —
// reproduces the uninterrupted run's losses for steps 6…10 bit for bit, with dropout,
// a warmup-cosine schedule, gradient clipping, accumulation and evaluations all in play.
// And a NaN loss stops training with an error naming the step, keeping the last checkpoint.
import '@tensorlm/backend-cpu';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mul, setBackend, type Tensor } from '@tensorlm/tensor-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countingSource, tinyGpt } from '../../test/fixtures.js';
import { NonFiniteLossError } from '../errors.js';
import { causalLmLoss } from '../lm/causal-lm.js';
import type { TrainerConfigInput } from './config.js';
import { Trainer } from './trainer.js';

let dir: string;
beforeAll(async () => {
  await setBackend('cpu');
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-resume-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (checkpointDir: string): TrainerConfigInput => ({
  maxSteps: 10,
  schedule: { kind: 'cosine', lr: 2e-2, minLr: 2e-3, warmupSteps: 3, decaySteps: 10 },
  gradClip: 1,
  gradAccumulationSteps: 2,
  evalInterval: 3,
  evalIters: 2,
  evalSameBatches: false, // the validation position must then be restored too
  checkpointDir,
  checkpointInterval: 5,
  saveBest: false,
  seed: 42,
  resume: true,
});

function makeTrainer(modelSeed: number, checkpointDir: string) {
  return new Trainer(
    {
      model: tinyGpt(modelSeed, 0.1), // dropout on: the per-step seed must be replayed
      train: countingSource(1),
      val: countingSource(2),
      loss: causalLmLoss(),
      progress: false,
    },
    config(checkpointDir),
  );
}

async function weights(model: { namedParameters(): [string, Tensor][] }): Promise<number[]> {
  const out: number[] = [];
  for (const [, p] of model.namedParameters()) out.push(...(await p.data()));
  return out;
}

describe('resume', () => {
  it('continues exactly where a killed run left off', async () => {
    const straightTrainer = makeTrainer(0, join(dir, 'straight'));
    const straight = await straightTrainer.run();
    expect(straight.step).toBe(10);

    const killedDir = join(dir, 'killed');
    const killed = makeTrainer(0, killedDir);
    killed.on('batchEnd', (info) => {
      if (info.step === 7) throw new Error('killed');
    });
    await expect(killed.run()).rejects.toThrow('killed');
    expect(JSON.parse(await readFile(join(killedDir, 'latest.json'), 'utf8'))).toEqual({
      checkpoint: 'checkpoint-5',
      step: 5,
    });

    const resumedTrainer = makeTrainer(123, killedDir); // other init: only the checkpoint carries state
    const resumed = await resumedTrainer.run();
    expect(resumed.resumedFrom).toBe(join(killedDir, 'checkpoint-5'));
    expect(resumed.step).toBe(10);
    const losses = (r: typeof straight) => r.history.train.map((t) => t.loss);
    expect(losses(resumed)).toEqual(losses(straight)); // steps 1–5 from the checkpoint, 6–10 recomputed
    expect(resumed.history.train.map((t) => t.gradNorm)).toEqual(
      straight.history.train.map((t) => t.gradNorm),
    );
    expect(resumed.history.val.map((v) => [v.step, v.loss])).toEqual(
      straight.history.val.map((v) => [v.step, v.loss]),
    );
    expect(resumed.tokensSeen).toBe(straight.tokensSeen);
    // Recomputed, not copied: the resumed run itself took steps 6…10.
    expect(resumed.history.train.slice(5).every((t) => t.ms >= 0)).toBe(true);
    expect(await weights(resumedTrainer.model)).toEqual(await weights(straightTrainer.model));
    // Final checkpoint written; older ones pruned to keepCheckpoints (2).
    expect((await readdir(killedDir)).filter((e) => e.startsWith('checkpoint-')).sort()).toEqual([
      'checkpoint-10',
      'checkpoint-5',
    ]);
  });

  it('a NaN loss stops with an error naming the step and leaves the last checkpoint in place', async () => {
    const base = causalLmLoss();
    let calls = 0;
    const trainer = new Trainer(
      {
        model: tinyGpt(0),
        train: countingSource(1),
        // The 4th step's loss is NaN.
        loss: (model, batch) => {
          calls++;
          return calls === 4 ? mul(base(model, batch), Number.NaN) : base(model, batch);
        },
        progress: false,
      },
      { maxSteps: 10, checkpointDir: dir, checkpointInterval: 2, lr: 1e-2 },
    );
    let afterStep3: number[] = [];
    trainer.on('batchEnd', async (info, t) => {
      if (info.step === 3) afterStep3 = await weights(t.model);
    });
    const error = await trainer.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const e = error as NonFiniteLossError;
    expect(e.step).toBe(4);
    expect(e.message).toMatch(/loss is NaN at step 4/);
    expect(e.lastCheckpoint).toBe(join(dir, 'checkpoint-2'));
    expect(e.message).toContain(join(dir, 'checkpoint-2'));
    expect(trainer.step).toBe(3);
    expect(await weights(trainer.model)).toEqual(afterStep3); // the bad update was not applied
    // The run's manifest lists its one checkpoint; the lock was released.
    expect((await readdir(dir)).sort()).toEqual(['checkpoint-2', 'latest.json', 'tensorlm-run.json']);
    const manifest = JSON.parse(await readFile(join(dir, 'tensorlm-run.json'), 'utf8'));
    expect(manifest.checkpoints).toEqual(['checkpoint-2']);
  });
});

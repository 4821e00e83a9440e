// The Trainer loop: callbacks and history, gradient accumulation (2 half batches = 1 full
// batch), early stopping, config errors, and the generic (non-GPT) path with epochs.
import '@tensorlm/backend-cpu';
import { add, setBackend, type Tensor, tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countingRows, countingSource, Regression, tinyGpt } from '../../test/fixtures.js';
import { datasetSource, indexedSource, padBatch } from '../data/batch-source.js';
import { causalLmLoss, causalLmMetrics } from '../lm/causal-lm.js';
import { warmupCosineLr } from '../schedule/schedules.js';
import { Trainer } from './trainer.js';

beforeAll(async () => {
  await setBackend('cpu');
});

async function weights(model: { namedParameters(): [string, Tensor][] }): Promise<number[]> {
  const out: number[] = [];
  for (const [, p] of model.namedParameters()) out.push(...(await p.data()));
  return out;
}

describe('Trainer loop', () => {
  it('runs maxSteps with evaluations, callbacks in order, lr from the schedule and a falling loss', async () => {
    const model = tinyGpt(0);
    const events: string[] = [];
    const lines: string[] = [];
    const schedule = warmupCosineLr({ lr: 1e-2, warmupSteps: 3, decaySteps: 30, minLr: 1e-3 });
    const trainer = new Trainer(
      {
        model,
        train: countingSource(1),
        val: countingSource(99),
        loss: causalLmLoss(),
        evalMetrics: causalLmMetrics({ padId: 0 }),
        schedule,
        progress: { write: (s: string) => lines.push(s), isTTY: false },
        callbacks: { eval: (info) => void events.push(`eval@${info.step}`) },
      },
      { maxSteps: 30, evalInterval: 10, evalIters: 2, logInterval: 10 },
    );
    trainer.on('batchEnd', (info) => {
      if (info.step <= 2 || info.step === 30) events.push(`batch@${info.step}`);
    });
    trainer.on('trainEnd', (r) => void events.push(`end@${r.step}`));
    const result = await trainer.run();
    expect(events).toEqual(['batch@1', 'batch@2', 'eval@10', 'eval@20', 'batch@30', 'eval@30', 'end@30']);
    expect(result.stopReason).toBe('maxSteps');
    expect(result.history.train.map((r) => r.lr)).toEqual(Array.from({ length: 30 }, (_, s) => schedule(s)));
    expect(result.tokensSeen).toBe(30 * 4 * 8);
    expect(result.history.train.at(-1)!.tokens).toBe(30 * 4 * 8);
    expect(result.history.val.map((v) => v.step)).toEqual([10, 20, 30]);
    // Counting mod 13 is easy: the loss drops well below ln 13 ≈ 2.56.
    expect(result.history.train[0]!.loss).toBeGreaterThan(2.2);
    expect(result.trainLoss).toBeLessThan(1.6);
    // No padding in this data, so both pad conventions agree with the loss itself.
    const last = result.history.val.at(-1)!;
    expect(last.metrics.lossPadIncluded).toBeCloseTo(last.loss, 5);
    expect(last.metrics.lossPadIgnored).toBeCloseTo(last.loss, 5);
    expect(lines.filter((l) => l.startsWith('step 10/30')).length).toBe(1);
    expect(lines.some((l) => /^step 30: train loss [\d.]+ · val loss [\d.]+ · lossPadIncluded/.test(l))).toBe(
      true,
    );
  });

  it('accumulating 2 half batches gives the same update as 1 full batch', async () => {
    const rows = countingRows(8, 5, 8);
    const full = new Trainer(
      {
        model: tinyGpt(3, 0),
        train: indexedSource(() => padBatch(rows, 8)),
        loss: causalLmLoss(),
        progress: false,
      },
      { maxSteps: 2, lr: 1e-2, gradClip: 0.5 },
    );
    const halves = new Trainer(
      {
        model: tinyGpt(3, 0),
        train: indexedSource((i) => padBatch(i % 2 === 0 ? rows.slice(0, 4) : rows.slice(4), 8)),
        loss: causalLmLoss(),
        progress: false,
      },
      { maxSteps: 2, lr: 1e-2, gradClip: 0.5, gradAccumulationSteps: 2 },
    );
    const a = await full.run();
    const b = await halves.run();
    expect(b.tokensSeen).toBe(a.tokensSeen);
    a.history.train.forEach((r, i) => {
      expect(b.history.train[i]!.loss).toBeCloseTo(r.loss, 6);
      expect(b.history.train[i]!.gradNorm).toBeCloseTo(r.gradNorm!, 5);
    });
    const wa = await weights(full.model);
    const wb = await weights(halves.model);
    const worst = Math.max(...wa.map((v, i) => Math.abs(v - wb[i]!)));
    expect(worst).toBeLessThan(1e-6);
  });

  it('stops early after `patience` evaluations without a new best', async () => {
    let evals = 0;
    const base = causalLmLoss();
    // Validation loss rises by 1 at every evaluation, so the first one stays the best.
    const loss = (model: ReturnType<typeof tinyGpt>, batch: Tensor) =>
      model.training ? base(model, batch) : add(base(model, batch), evals);
    const trainer = new Trainer(
      { model: tinyGpt(0), train: countingSource(1), val: countingSource(2), loss, progress: false },
      { maxSteps: 100, evalInterval: 2, evalIters: 1, earlyStopping: { patience: 2 } },
    );
    trainer.on('eval', () => void evals++);
    const result = await trainer.run();
    expect(result.stopReason).toBe('earlyStopping');
    expect(result.step).toBe(6); // evals at 2 (best), 4, 6 → two without improvement
    expect(result.bestStep).toBe(2);
    expect(result.bestValLoss).toBe(result.history.val[0]!.loss);
  });

  it('stop() from a callback ends the run after that step', async () => {
    const trainer = new Trainer(
      { model: tinyGpt(0), train: countingSource(1), loss: causalLmLoss(), progress: false },
      { maxSteps: 50 },
    );
    trainer.on('batchEnd', (info, t) => {
      if (info.step === 3) t.stop();
    });
    const result = await trainer.run();
    expect(result.step).toBe(3);
    expect(result.stopReason).toBe('stopped');
  });

  it("trains a model whose forward returns { loss }, with datasetSource's epochs", async () => {
    // y = 2·x0 − x1 + 0.5·x2 + 1, exactly.
    const items = Array.from({ length: 12 }, (_, i) => {
      const x = [Math.sin(i), Math.cos(2 * i), (i % 5) / 5];
      return { x, y: 2 * x[0]! - x[1]! + 0.5 * x[2]! + 1 };
    });
    const collate = (batch: typeof items) => ({
      x: tensor(
        batch.flatMap((b) => b.x),
        [batch.length, 3],
      ),
      y: tensor(
        batch.map((b) => b.y),
        [batch.length, 1],
      ),
    });
    const epochs: number[] = [];
    const model = new Regression();
    const trainer = new Trainer(
      {
        model,
        train: datasetSource(
          { length: items.length, get: (i) => items[i]! },
          { batchSize: 4, seed: 1, collate },
        ),
        countTokens: (b) => b.x.shape[0]!,
        progress: false,
      },
      { maxSteps: 300, lr: 0.05, optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 0 }, seed: null },
    );
    trainer.on('epochEnd', (info) => void epochs.push(info.epoch));
    const result = await trainer.run();
    expect(epochs.slice(0, 3)).toEqual([0, 1, 2]); // 3 batches per epoch
    expect(epochs).toHaveLength(100);
    expect(result.tokensSeen).toBe(1200);
    expect(result.trainLoss).toBeLessThan(1e-3);
    const w = await weights(model);
    expect(w[0]).toBeCloseTo(2, 1);
    expect(w[1]).toBeCloseTo(-1, 1);
    expect(w[3]).toBeCloseTo(1, 1); // bias
  });
});

describe('Trainer config', () => {
  const setup = () => ({ model: tinyGpt(0), train: countingSource(1), progress: false as const });

  it('rejects bad configs naming the field', () => {
    expect(() => new Trainer(setup(), { maxSteps: 0 })).toThrow(/maxSteps/);
    expect(() => new Trainer(setup(), { maxSteps: 5, checkpointInterval: 2 })).toThrow(
      /checkpointDir: is required/,
    );
    expect(() => new Trainer(setup(), { maxSteps: 5, optimizer: { kind: 'lion' as 'sgd' } })).toThrow(
      /optimizer\.kind/,
    );
    expect(() => new Trainer(setup(), { maxSteps: 5, evalIter: 3 } as never)).toThrow(/evalIter/);
    expect(
      () => new Trainer(setup(), { maxSteps: 5, schedule: { kind: 'cosine', lr: 1, decaySteps: -1 } }),
    ).toThrow(/schedule\.decaySteps/);
    expect(() => new Trainer({ ...setup(), train: {} as never }, { maxSteps: 5 })).toThrow(/setup\.train/);
  });

  it('builds the default optimizer as minGPT: AdamW, betas (0.9, 0.95), decay on linear weights only', () => {
    const t = new Trainer(setup(), { maxSteps: 5, lr: 5e-4 });
    expect(t.optimizer.kind).toBe('adamw');
    const [decay, noDecay] = t.optimizer.paramGroups;
    expect(decay!.hyper).toEqual({ lr: 5e-4, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1 });
    expect(noDecay!.hyper.weightDecay).toBe(0);
    expect(noDecay!.keys).toContain('transformer.wte.weight');
  });

  it('says clearly when the loss is not a scalar', async () => {
    const t = new Trainer(
      { ...setup(), loss: (m, b) => (m.forward(b) as { logits: Tensor }).logits },
      { maxSteps: 1 },
    );
    await expect(t.run()).rejects.toThrow(/loss must be a scalar tensor, got shape \[4, 8, 13\]/);
  });
});

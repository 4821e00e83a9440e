// The same training run on the WebGPU backend and on the CPU reference: the losses of a
// few Trainer steps (forward, backward, clipping, AdamW) must agree to f32 tolerance,
// and no tensor may accumulate per step on either backend.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { memory, setBackend } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { countingSource, tinyGpt } from '../../test/fixtures.js';
import { causalLmLoss } from '../lm/causal-lm.js';
import { Trainer } from './trainer.js';

async function losses(backend: string) {
  await setBackend(backend);
  const trainer = new Trainer(
    { model: tinyGpt(0, 0), train: countingSource(1), loss: causalLmLoss(), progress: false },
    { maxSteps: 6, lr: 1e-2, gradClip: 1, optimizer: { betas: [0.9, 0.95] } },
  );
  const live: number[] = [];
  trainer.on('batchEnd', () => void live.push(memory().numTensors));
  const result = await trainer.run();
  trainer.model.dispose();
  trainer.optimizer.dispose();
  return {
    losses: result.history.train.map((r) => r.loss),
    norms: result.history.train.map((r) => r.gradNorm!),
    live,
  };
}

describe('Trainer on webgpu', () => {
  it('matches the CPU reference step for step', async () => {
    const cpu = await losses('cpu');
    const gpu = await losses('webgpu');
    gpu.losses.forEach((l, i) => {
      expect(l).toBeCloseTo(cpu.losses[i]!, 3);
    });
    gpu.norms.forEach((n, i) => {
      expect(n).toBeCloseTo(cpu.norms[i]!, 3);
    });
    expect(cpu.losses.at(-1)!).toBeLessThan(cpu.losses[0]!);
    for (const run of [cpu, gpu]) expect(new Set(run.live.slice(1)).size).toBe(1);
  });
});

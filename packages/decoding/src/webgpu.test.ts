// The same decoding checks on the WebGPU backend (no adapter: fails under CI, skipped
// with a printed reason elsewhere — the one policy of tooling/vitest/requirements.ts):
// KV cache against full recomputation and against the CPU run of the same weights
// (tensor-core's seeded init gives every backend the same weights), left padding, and
// seeded sampling, which by default runs on the CPU backend (see README: llvmpipe
// truncates the WebGPU topk / multinomial loops on GPT-2-sized rows).
import '@tensorlm/backend-cpu';
import type { WebGPUBackend } from '@tensorlm/backend-webgpu';
import '@tensorlm/backend-webgpu';
import { getBackend, memory, setBackend } from '@tensorlm/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { requiresWebGPU } from '../../../tooling/vitest/requirements.js';
import { referenceGreedy, tinyGpt } from '../test/helpers.js';
import { generate } from './generate.js';

const available = requiresWebGPU(
  await setBackend('webgpu').then(
    () => true,
    () => false,
  ),
);

describe.runIf(available)('generate on webgpu', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  async function onBoth<T>(run: () => Promise<T>): Promise<{ gpu: T; cpu: T }> {
    await setBackend('webgpu');
    const gpu = await run();
    await setBackend('cpu');
    const cpu = await run();
    await setBackend('webgpu');
    return { gpu, cpu };
  }

  it('KV cache = full recomputation = the minGPT reference = the CPU run (greedy, 50 tokens)', async () => {
    const prompt = [1, 2, 3, 4];
    const { gpu, cpu } = await onBoth(async () => {
      const model = tinyGpt({ vocabSize: 37, blockSize: 64 });
      const cached = await generate(model, prompt, { maxNewTokens: 50 });
      const full = await generate(model, prompt, { maxNewTokens: 50, useCache: false });
      const reference = await referenceGreedy(model, prompt, 50);
      model.dispose();
      return { cached: cached.sequences[0], full: full.sequences[0], reference };
    });
    expect(gpu.cached).toEqual(gpu.reference);
    expect(gpu.full).toEqual(gpu.reference);
    expect(gpu.cached).toEqual(cpu.cached);
  });

  it('left-padded batches with cropping give each prompt its own tokens', async () => {
    const model = tinyGpt({ vocabSize: 37, blockSize: 12, seed: 3 });
    const prompts = [[4, 8, 15], [16, 23, 5, 1, 9], [30]];
    const alone = await Promise.all(prompts.map((p) => referenceGreedy(model, p, 16)));
    expect((await generate(model, prompts, { maxNewTokens: 16 })).sequences).toEqual(alone);
    model.dispose();
  });

  it('seeded sampling gives the CPU run’s tokens, and memory returns to where it was', async () => {
    const options = { maxNewTokens: 20, doSample: true, topK: 8, topP: 0.9, temperature: 0.9, seed: 4 };
    const { gpu, cpu } = await onBoth(async () => {
      const model = tinyGpt({ vocabSize: 37, blockSize: 64 });
      const before = memory().numTensors;
      const out = await generate(model, [[1, 2, 3], [7]], options);
      const leaked = memory().numTensors - before;
      model.dispose();
      return { sequences: out.sequences, leaked };
    });
    expect(gpu.sequences).toEqual(cpu.sequences);
    expect(gpu.leaked).toBe(0);
  });

  it('samples on the device over a GPT-2-wide vocabulary: the CPU sampler’s tokens, one submit per token', async () => {
    await setBackend('webgpu');
    const runtime = (getBackend() as WebGPUBackend).runtime;
    const model = tinyGpt({ vocabSize: 50_257, blockSize: 64 });
    const prompt = [464, 2068, 7586];
    for (const sampling of [{ topK: 50 }, { topP: 0.9 }]) {
      const options = { maxNewTokens: 6, doSample: true, temperature: 0.8, seed: 5, ...sampling };
      const onCpu = await generate(model, prompt, { ...options, sampleOnCpu: true });
      const submits = runtime.submits;
      const onDevice = await generate(model, prompt, { ...options, sampleOnCpu: false });
      expect(runtime.submits - submits).toBe(6);
      expect(onDevice.sequences).toEqual(onCpu.sequences);
    }
    model.dispose();
  });
});

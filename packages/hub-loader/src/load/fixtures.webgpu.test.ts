// Every fixture folder of fixtures/make_fixtures.py (PyTorch, an independent float64
// forward) loaded by `fromPretrained` onto the WebGPU backend: logits / hidden states within
// 1e-4 of the reference and GPT-2's 20-token greedy continuation identical — the same checks
// as the cpu run (./fixtures.test.ts and the .bin tests), through test/fixture-checks.ts;
// and savePretrained → fromPretrained on webgpu giving identical logits.
// No adapter: fails under CI, skipped with a printed reason elsewhere
// (tooling/vitest/requirements.ts).
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { getBackend, setBackend } from '@tensorlm/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { requiresWebGPU } from '../../../../tooling/vitest/requirements.js';
import { BERT_FIXTURES, compareFixture, GPT2_FIXTURES } from '../../test/fixture-checks.js';
import { logitsOf, tempDir, tinyBertMlm, tinyGpt } from '../../test/tiny.js';
import { savePretrained } from '../save/save-pretrained.js';
import { fromPretrained } from './from-pretrained.js';

const available = requiresWebGPU(
  await setBackend('webgpu').then(
    () => true,
    () => false,
  ),
);

describe.runIf(available)('fixtures from the independent script on webgpu', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  it.each(GPT2_FIXTURES)('%s: logits within 1e-4, 20-token greedy continuation identical', async (name) => {
    expect(getBackend().name).toBe('webgpu');
    const result = await compareFixture(name);
    expect(result.shapes).toEqual(result.expectedShapes);
    expect(result.worstAbsDiff.logits).toBeLessThan(1e-4);
    expect(result.greedy!.ours).toEqual(result.greedy!.expected);
  });

  it.each(BERT_FIXTURES)('%s: every output within 1e-4', async (name) => {
    const result = await compareFixture(name);
    expect(result.shapes).toEqual(result.expectedShapes);
    expect(Object.keys(result.worstAbsDiff).length).toBe(2);
    for (const worst of Object.values(result.worstAbsDiff)) expect(worst).toBeLessThan(1e-4);
  });

  it.each([
    ['GPT2LMHeadModel', () => tinyGpt(41)],
    ['BertForMaskedLM', () => tinyBertMlm(42)],
  ] as const)('%s: savePretrained then fromPretrained on webgpu gives identical logits', async (_, make) => {
    const model = make();
    const dir = await tempDir('webgpu-round-trip');
    try {
      await savePretrained(join(dir, 'model'), { model });
      const back = await fromPretrained(join(dir, 'model'));
      expect(await logitsOf(back.model as typeof model)).toEqual(await logitsOf(model));
      back.model.dispose();
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

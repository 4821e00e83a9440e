// The same independent-reference checks as ./fixtures.test.ts, with the models on WebGPU:
// fill-mask, mean-pooled + normalized embeddings and classification probabilities within
// 1e-4 of fixtures/make_fixtures.py. No adapter: fails under CI, skipped with a printed
// reason elsewhere (tooling/vitest/requirements.ts).
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { getBackend, setBackend } from '@tensorlm/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { requiresWebGPU } from '../../../../tooling/vitest/requirements.js';
import { classificationResults, embeddingResults, fillMaskResults } from '../../test/pipeline-fixtures.js';

const available = requiresWebGPU(
  await setBackend('webgpu').then(
    () => true,
    () => false,
  ),
);

describe.runIf(available)('pipelines against the independent PyTorch reference (webgpu)', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('fill-mask: candidates in order, strings and sequences equal, scores within 1e-4', async () => {
    expect(getBackend().name).toBe('webgpu');
    for (const r of await fillMaskResults()) {
      expect(r.shape).toEqual(r.expectedShape);
      expect(r.labels).toEqual(r.expectedLabels);
      expect(r.worstScore).toBeLessThan(1e-4);
    }
  });

  it('feature-extraction: mean + normalize and cls of a padded batch within 1e-4', async () => {
    const r = await embeddingResults();
    expect(r.worstMean).toBeLessThan(1e-4);
    expect(r.worstCls).toBeLessThan(1e-4);
    expect(r.worstTokens).toBeLessThan(1e-4);
  });

  it('text-classification: labels in order, probabilities within 1e-4', async () => {
    const r = await classificationResults();
    expect(r.labels).toEqual(r.expectedLabels);
    expect(r.worst).toBeLessThan(1e-4);
  });
});

// The pipelines on cpu against fixtures/make_fixtures.py (PyTorch float64 forward, its own
// BERT tokenizer and transformers' pipeline post-processing): fill-mask scores, order,
// strings and sequences; mean-pooled + normalized and [CLS] embeddings of a padded batch;
// classification probabilities and labels from id2label — all within 1e-4.
import '@tensorlm/backend-cpu';
import { setBackend } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { classificationResults, embeddingResults, fillMaskResults } from '../../test/pipeline-fixtures.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('pipelines against the independent PyTorch reference (cpu)', () => {
  it('fill-mask: ids, candidates in order, token strings, sequences, scores within 1e-4', async () => {
    for (const r of await fillMaskResults()) {
      expect(r.ids, r.text).toEqual(r.expectedIds);
      expect(r.nested).toBe(r.expectedNested);
      expect(r.shape).toEqual(r.expectedShape);
      expect(r.labels).toEqual(r.expectedLabels);
      expect(r.worstScore).toBeLessThan(1e-4);
    }
  });

  it('feature-extraction: mean + normalize, cls and per-token vectors of a padded batch within 1e-4', async () => {
    const r = await embeddingResults();
    expect(r.ids).toEqual(r.expectedIds);
    expect(r.worstMean).toBeLessThan(1e-4);
    expect(r.worstCls).toBeLessThan(1e-4);
    expect(r.worstTokens).toBeLessThan(1e-4);
  });

  it('text-classification: labels from id2label in order, probabilities within 1e-4', async () => {
    const r = await classificationResults();
    expect(r.labels).toEqual(r.expectedLabels);
    expect(r.worst).toBeLessThan(1e-4);
  });
});

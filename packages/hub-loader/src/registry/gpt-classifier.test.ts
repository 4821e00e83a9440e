// GPT2ForSequenceClassification as a model folder: savePretrained writes the config.json
// transformers writes for it (architectures, id2label / label2id with string keys,
// pad_token_id; tensorlm_pooling only for mean pooling) and `score.weight` without a bias;
// fromPretrained rebuilds the same model (same logits); a bad id2label is refused by name.
import '@tensorlm/backend-cpu';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT2ForSequenceClassification } from '@tensorlm/nn';
import { manualSeed, noGrad, tensor, tidy } from '@tensorlm/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { fromPretrained } from '../load/from-pretrained.js';
import { savePretrained } from '../save/save-pretrained.js';

const root = mkdtempSync(join(tmpdir(), 'tensorlm-gpt-classifier-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CONFIG = { vocabSize: 17, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, padTokenId: 0 };

async function logits(model: GPT2ForSequenceClassification): Promise<number[]> {
  model.eval();
  const out = noGrad(() => tidy(() => model.forward(tensor([[3, 4, 2, 9, 0, 0]], { dtype: 'i32' })).logits));
  const values = [...((await out.data()) as Float32Array)];
  out.dispose();
  return values;
}

describe('GPT2ForSequenceClassification model folders', () => {
  for (const pooling of ['last', 'mean'] as const) {
    it(`saves and loads back with the same logits (${pooling}-token pooling)`, async () => {
      manualSeed(2);
      const model = new GPT2ForSequenceClassification({
        ...CONFIG,
        id2label: ['negative', 'positive'],
        pooling,
      });
      const dir = join(root, pooling);
      await savePretrained(dir, { model });
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect(config).toMatchObject({
        architectures: ['GPT2ForSequenceClassification'],
        model_type: 'gpt2',
        id2label: { 0: 'negative', 1: 'positive' },
        label2id: { negative: 0, positive: 1 },
        pad_token_id: 0,
      });
      expect(config.tensorlm_pooling).toBe(pooling === 'mean' ? 'mean' : undefined);
      const loaded = await fromPretrained<GPT2ForSequenceClassification>(dir);
      expect(loaded.model).toBeInstanceOf(GPT2ForSequenceClassification);
      expect(loaded.model.config).toEqual(model.config);
      expect(loaded.model.namedParameters().map(([n]) => n)).toContain('score.weight');
      expect(loaded.model.score.bias).toBeNull();
      expect(await logits(loaded.model)).toEqual(await logits(model));
      model.dispose();
      loaded.model.dispose();
    });
  }

  it('refuses an id2label that does not name labels 0, 1, … in order', async () => {
    manualSeed(1);
    const model = new GPT2ForSequenceClassification(CONFIG);
    const dir = join(root, 'bad');
    await savePretrained(dir, { model });
    model.dispose();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, id2label: { 0: 'a', 2: 'b' } }));
    await expect(fromPretrained(dir)).rejects.toThrow(/config\.json field 'id2label'/);
  });
});

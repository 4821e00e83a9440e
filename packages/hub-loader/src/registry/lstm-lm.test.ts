// The LSTM LM as a model folder: savePretrained writes config.json with tensorlm's own
// model_type and PyTorch's tensor names; fromPretrained rebuilds the same model (same
// logits), tied or not; a bad config field is refused by name.
import '@tensorlm/backend-cpu';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LSTMLanguageModel } from '@tensorlm/nn';
import { manualSeed, noGrad, tensor, tidy } from '@tensorlm/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { fromPretrained } from '../load/from-pretrained.js';
import { savePretrained } from '../save/save-pretrained.js';

const root = mkdtempSync(join(tmpdir(), 'tensorlm-lstm-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function logits(model: LSTMLanguageModel): Promise<number[]> {
  const out = noGrad(() => tidy(() => model.forward(tensor([[1, 4, 2, 9]], { dtype: 'i32' })).logits));
  const values = [...((await out.data()) as Float32Array)];
  out.dispose();
  return values;
}

describe('LSTMLanguageModel model folders', () => {
  for (const tie of [false, true]) {
    it(`saves and loads back with the same logits (tied head: ${tie})`, async () => {
      manualSeed(3);
      const model = new LSTMLanguageModel({
        vocabSize: 13,
        embeddingSize: 6,
        hiddenSize: 6,
        numLayers: 2,
        dropout: 0.2,
        tieWordEmbeddings: tie,
      });
      const dir = join(root, `tied-${tie}`);
      await savePretrained(dir, { model });
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect(config).toMatchObject({
        architectures: ['LSTMLanguageModel'],
        model_type: 'tensorlm-lstm',
        vocab_size: 13,
        num_layers: 2,
        tie_word_embeddings: tie,
      });
      const loaded = await fromPretrained<LSTMLanguageModel>(dir);
      expect(loaded.model).toBeInstanceOf(LSTMLanguageModel);
      expect(loaded.model.config).toEqual(model.config);
      model.eval();
      loaded.model.eval();
      expect(await logits(loaded.model)).toEqual(await logits(model));
      if (tie) expect(loaded.model.decoder.weight).toBe(loaded.model.encoder.weight);
      model.dispose();
      loaded.model.dispose();
    });
  }

  it('refuses a config.json whose fields it cannot build, naming the field', async () => {
    const dir = join(root, 'bad');
    manualSeed(1);
    const model = new LSTMLanguageModel({ vocabSize: 5, embeddingSize: 3, hiddenSize: 4 });
    await savePretrained(dir, { model });
    model.dispose();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, num_layers: 0 }));
    await expect(fromPretrained(dir)).rejects.toThrow(/numLayers/);
  });
});

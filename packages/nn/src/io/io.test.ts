// saveModel / loadModel round trips, refusal of truncated or mismatched files, atomic writes.
import '@tensorlm/backend-cpu';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, memory, tensor, tidy } from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomizeWeights, TINY_BERT, TINY_GPT } from '../../test/model-parity.js';
import { BertForMaskedLM, BertForSequenceClassification } from '../models/bert.js';
import { GPT2LMHeadModel } from '../models/gpt.js';
import { parseSafetensors } from '../safetensors/read.js';
import { loadSafetensors, saveSafetensors, writeFileAtomic } from './fs.js';
import { loadModel, saveModel } from './model-io.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tensorlm-nn-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('saveModel / loadModel', () => {
  it('a GPT round-trips: same config, bit-identical weights and logits; tied head stored once', async () => {
    manualSeed(51);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 700);
    const dir = join(root, 'gpt');
    const { weightsPath, configPath } = await saveModel(model, dir);
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    expect(config).toMatchObject({
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      n_embd: 16,
      n_layer: 2,
    });
    const file = parseSafetensors(await readFile(weightsPath));
    expect(file.metadata.format).toBe('pt');
    expect(file.names()).toContain('transformer.wte.weight');
    expect(file.names()).not.toContain('lm_head.weight');

    const loaded = await loadModel(dir, GPT2LMHeadModel);
    expect(loaded.training).toBe(false);
    expect(loaded.config).toEqual(model.config);
    expect(loaded.lm_head.weight).toBe(loaded.transformer.wte.weight);
    const ids = tensor([[1, 2, 3, 4]], { dtype: 'i32' });
    const [a, b] = tidy(() => [model.forward(ids).logits, loaded.forward(ids).logits]);
    expect(await b!.data()).toEqual(await a!.data());
    model.dispose();
    loaded.dispose();
  });

  it('BERT masked-LM and classification models round-trip', async () => {
    manualSeed(52);
    const mlm = new BertForMaskedLM(TINY_BERT);
    randomizeWeights(mlm, 800);
    await saveModel(mlm, join(root, 'bert-mlm'));
    const back = await loadModel(join(root, 'bert-mlm'));
    expect(back).toBeInstanceOf(BertForMaskedLM);
    const sdA = mlm.stateDict();
    const sdB = (back as BertForMaskedLM).stateDict();
    for (const [name, t] of sdA) expect(await sdB.get(name)!.data(), name).toEqual(await t.data());
    const clf = new BertForSequenceClassification({ ...TINY_BERT, numLabels: 5 });
    await saveModel(clf, join(root, 'bert-clf'));
    const clfBack = await loadModel(join(root, 'bert-clf'), BertForSequenceClassification);
    expect(clfBack.config.numLabels).toBe(5);
    for (const m of [mlm, back, clf, clfBack]) m.dispose();
  });

  it('a truncated weights file fails with the file and the tensor named, and leaves no model or tensors', async () => {
    manualSeed(53);
    const model = new GPT2LMHeadModel(TINY_GPT);
    const dir = join(root, 'truncated');
    const { weightsPath } = await saveModel(model, dir);
    model.dispose();
    const bytes = await readFile(weightsPath);
    await writeFile(weightsPath, bytes.subarray(0, bytes.length - 100));
    const before = memory().numTensors;
    // The last two tensors are ln_f.weight and ln_f.bias, 64 bytes each: cutting 100 bytes
    // reaches into ln_f.weight, the first tensor (by offset) that runs past the end.
    await expect(loadModel(dir)).rejects.toThrow(
      `${weightsPath}: tensor 'transformer.ln_f.weight': data_offsets [28736, 28800] run past the end of the 28764-byte data section (file truncated?)`,
    );
    expect(memory().numTensors).toBe(before);
  });

  it('weights that do not fit the config are refused before anything is loaded', async () => {
    const dir = join(root, 'mismatch');
    const model = new GPT2LMHeadModel(TINY_GPT);
    await saveModel(model, dir);
    model.dispose();
    const configPath = join(dir, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    await writeFile(configPath, JSON.stringify({ ...config, n_positions: 32 }));
    const before = memory().numTensors;
    await expect(loadModel(dir)).rejects.toThrow(
      /does not fit GPT2LMHeadModel: .*shape mismatches: transformer\.wpe\.weight \(model \[32, 16\], given \[16, 16\]\)/,
    );
    expect(memory().numTensors).toBe(before);
    await expect(loadModel(join(root, 'nowhere'))).rejects.toThrow(/cannot read .*nowhere\/config\.json/);
  });
});

describe('atomic writes', () => {
  it('writes through a temporary file and leaves nothing else behind', async () => {
    const dir = join(root, 'atomic');
    await mkdir(dir);
    await writeFileAtomic(join(dir, 'a.bin'), new Uint8Array([1, 2, 3]));
    await writeFileAtomic(join(dir, 'a.bin'), new Uint8Array([4, 5]));
    expect([...(await readFile(join(dir, 'a.bin')))]).toEqual([4, 5]);
    expect(await readdir(dir)).toEqual(['a.bin']);
  });

  it('a failed write leaves the destination untouched and no temp file', async () => {
    const dir = join(root, 'atomic-fail');
    await mkdir(join(dir, 'target'), { recursive: true });
    await writeFile(join(dir, 'target', 'keep.txt'), 'kept');
    // Renaming a file over a non-empty directory fails.
    await expect(writeFileAtomic(join(dir, 'target'), 'new')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['target']);
    expect(await readFile(join(dir, 'target', 'keep.txt'), 'utf8')).toBe('kept');
  });

  it('saveSafetensors / loadSafetensors name the path in errors', async () => {
    const path = join(root, 'x.safetensors');
    await saveSafetensors(path, { w: tensor([1, 2]) }, { metadata: { format: 'pt' } });
    expect([...(await loadSafetensors(path)).get('w').data]).toEqual([1, 2]);
    await writeFile(path, 'nonsense');
    await expect(loadSafetensors(path)).rejects.toThrow(`${path}: header length`);
  });
});

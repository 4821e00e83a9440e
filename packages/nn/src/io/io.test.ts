// State dicts through safetensors files (round trips into shape-only models, truncated or
// mismatched files refused), atomic writes. Whole model folders are @tensorlm/hub-loader's.
import '@tensorlm/backend-cpu';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, memory, tensor, tidy } from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomizeWeights, TINY_BERT, TINY_GPT } from '../../test/model-parity.js';
import { BertForMaskedLM, BertForSequenceClassification } from '../models/bert.js';
import { GPT2LMHeadModel } from '../models/gpt.js';
import { gptConfigFromHF, gptConfigToHF } from '../models/gpt-config.js';
import { type Module, onMeta } from '../module/module.js';
import { parseSafetensors } from '../safetensors/read.js';
import { safetensorsToStateDict } from '../safetensors/state-dict.js';
import { loadSafetensors, saveSafetensors, writeFileAtomic } from './fs.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tensorlm-nn-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('state dicts through safetensors files', () => {
  it('a GPT round-trips into a shape-only model: bit-identical logits, tied head stored once', async () => {
    manualSeed(51);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 700);
    const path = join(root, 'gpt.safetensors');
    const stateDict = model.stateDict({ dedupeTied: true });
    await saveSafetensors(path, stateDict, { metadata: { format: 'pt' } });
    for (const t of stateDict.values()) t.dispose();
    const file = parseSafetensors(await readFile(path));
    expect(file.metadata.format).toBe('pt');
    expect(file.names()).toContain('transformer.wte.weight');
    expect(file.names()).not.toContain('lm_head.weight');

    const loaded = onMeta(() => new GPT2LMHeadModel(gptConfigFromHF(gptConfigToHF(model.config)))).eval();
    const weights = safetensorsToStateDict(await loadSafetensors(path));
    loaded.loadStateDict(weights, { strict: true });
    for (const t of weights.values()) t.dispose();
    expect(loaded.config).toEqual(model.config);
    expect(loaded.lm_head.weight).toBe(loaded.transformer.wte.weight);
    const ids = tensor([[1, 2, 3, 4]], { dtype: 'i32' });
    const [a, b] = tidy(() => [model.forward(ids).logits, loaded.forward(ids).logits]);
    expect(await b!.data()).toEqual(await a!.data());
    model.dispose();
    loaded.dispose();
  });

  it('BERT masked-LM and classification state dicts round-trip', async () => {
    manualSeed(52);
    const mlm = new BertForMaskedLM(TINY_BERT);
    randomizeWeights(mlm, 800);
    const clf = new BertForSequenceClassification({ ...TINY_BERT, numLabels: 5 });
    const cases: [string, Module, () => Module][] = [
      ['bert-mlm', mlm, () => new BertForMaskedLM(TINY_BERT)],
      ['bert-clf', clf, () => new BertForSequenceClassification({ ...TINY_BERT, numLabels: 5 })],
    ];
    for (const [name, original, build] of cases) {
      const path = join(root, `${name}.safetensors`);
      const sd = original.stateDict({ dedupeTied: true });
      await saveSafetensors(path, sd);
      const back = onMeta(build);
      const weights = safetensorsToStateDict(await loadSafetensors(path));
      back.loadStateDict(weights, { strict: true });
      for (const [key, t] of original.stateDict())
        expect(await back.stateDict().get(key)!.data(), key).toEqual(await t.data());
      for (const t of [...sd.values(), ...weights.values()]) t.dispose();
      back.dispose();
    }
    mlm.dispose();
    clf.dispose();
  });

  it('a truncated weights file fails with the file and the tensor named, and leaves no tensors', async () => {
    manualSeed(53);
    const model = new GPT2LMHeadModel(TINY_GPT);
    const path = join(root, 'truncated.safetensors');
    const sd = model.stateDict({ dedupeTied: true });
    await saveSafetensors(path, sd);
    for (const t of sd.values()) t.dispose();
    model.dispose();
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 100));
    const before = memory().numTensors;
    // The last two tensors are ln_f.weight and ln_f.bias, 64 bytes each: cutting 100 bytes
    // reaches into ln_f.weight, the first tensor (by offset) that runs past the end.
    await expect(loadSafetensors(path)).rejects.toThrow(
      `${path}: tensor 'transformer.ln_f.weight': data_offsets [28736, 28800] run past the end of the 28764-byte data section (file truncated?)`,
    );
    expect(memory().numTensors).toBe(before);
  });

  it('weights that do not fit the model are refused before anything is loaded', async () => {
    const model = new GPT2LMHeadModel(TINY_GPT);
    const sd = model.stateDict({ dedupeTied: true });
    const other = onMeta(() => new GPT2LMHeadModel({ ...TINY_GPT, blockSize: 32 }));
    const before = memory().numTensors;
    expect(() => other.loadStateDict(sd, { strict: true })).toThrow(
      /shape mismatches: transformer\.wpe\.weight \(model \[32, 16\], given \[16, 16\]\)/,
    );
    expect(memory().numTensors).toBe(before);
    for (const t of sd.values()) t.dispose();
    model.dispose();
    other.dispose();
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

// Run folders: fromPretrained(run) loads the best checkpoint (else the latest) through the
// pointers, with the tokenizer kept in the run folder; a checkpoint-N folder loads alone
// too; a pointer naming anything outside the run is refused; a path that does not exist
// is never sent to the Hub.
import '@tensorlm/backend-cpu';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GPT2LMHeadModel } from '@tensorlm/nn';
import { CharTokenizer } from '@tensorlm/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logitsOf, tempDir, tinyGpt } from '../../test/tiny.js';
import type { ModelFolderError } from '../errors.js';
import { savePretrained } from '../save/save-pretrained.js';
import { fromPretrained } from './from-pretrained.js';

let root = '';
beforeAll(async () => {
  root = await tempDir('runs');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('run folders', () => {
  it('loads the best checkpoint through best.json, the tokenizer from the run folder', async () => {
    const run = join(root, 'run');
    const best = tinyGpt(51);
    const last = tinyGpt(52);
    await savePretrained(join(run, 'checkpoint-10'), { model: best });
    await savePretrained(join(run, 'checkpoint-20'), { model: last });
    await writeFile(join(run, 'best.json'), JSON.stringify({ checkpoint: 'checkpoint-10', step: 10 }));
    await writeFile(join(run, 'latest.json'), JSON.stringify({ checkpoint: 'checkpoint-20', step: 20 }));
    const tokenizer = CharTokenizer.fromCorpus('abcdefghij');
    await writeFile(join(run, 'tokenizer.json'), JSON.stringify(tokenizer.toJSON()));

    const loaded = await fromPretrained<GPT2LMHeadModel>(run);
    expect(loaded.report.source).toBe('run');
    expect(loaded.report.folder).toBe(join(run, 'checkpoint-10'));
    expect(await logitsOf(loaded.model)).toEqual(await logitsOf(best));
    expect(loaded.tokenizer?.encode('cab')).toEqual(tokenizer.encode('cab'));
    loaded.model.dispose();

    const direct = await fromPretrained<GPT2LMHeadModel>(join(run, 'checkpoint-20'));
    expect(direct.report.source).toBe('run');
    expect(await logitsOf(direct.model)).toEqual(await logitsOf(last));
    expect(direct.tokenizer?.encode('cab')).toEqual(tokenizer.encode('cab'));
    direct.model.dispose();
    best.dispose();
    last.dispose();
  });

  it('a pointer naming a folder outside the run is refused', async () => {
    const run = join(root, 'evil');
    await mkdir(run, { recursive: true });
    await writeFile(join(run, 'best.json'), JSON.stringify({ checkpoint: '../run/checkpoint-10', step: 10 }));
    const error = (await fromPretrained(run).catch((e: unknown) => e)) as ModelFolderError;
    expect(error.code).toBe('MODEL_RUN_POINTER_INVALID');
    expect(error.message).toMatch(
      /names '\.\.\/run\/checkpoint-10', which is not a checkpoint-<step> folder/,
    );
  });

  it('a folder with neither config.json nor pointers, and a missing path, are clear errors', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(fromPretrained(empty)).rejects.toThrow(
      /has no config\.json, and no best\.json \/ latest\.json of a tensorlm run/,
    );
    const error = (await fromPretrained(join(root, 'nowhere')).catch((e: unknown) => e)) as ModelFolderError;
    expect(error.code).toBe('MODEL_SOURCE_NOT_FOUND');
  });

  it('a folder without weights lists every file name looked for', async () => {
    const dir = join(root, 'no-weights');
    await mkdir(dir);
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        architectures: ['GPT2LMHeadModel'],
        model_type: 'gpt2',
        vocab_size: 5,
        n_positions: 4,
        n_embd: 4,
        n_layer: 1,
        n_head: 1,
      }),
    );
    await expect(fromPretrained(dir)).rejects.toThrow(
      /no weights in .*no-weights: looked for model\.safetensors\.index\.json, model\.safetensors, pytorch_model\.bin\.index\.json, pytorch_model\.bin/,
    );
  });
});

// fromPretrained over the files of a model folder as Blobs — what a browser gets when a user
// drops a Hugging Face folder onto the page — run in Node, which has Blob and File: the
// PyTorch-written fixtures (fixtures/make_fixtures.py) load to their logits within 1e-4 from
// File[] and from name → Blob, sharded and pytorch_model.bin included; the errors of a bad
// drop name the file at fault.
import '@tensorlm/backend-cpu';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GPT2LMHeadModel } from '@tensorlm/nn';
import { tensor, tidy } from '@tensorlm/tensor-core';
import { CharTokenizer } from '@tensorlm/tokenizers';
import { describe, expect, it } from 'vitest';
import type { ModelFolderError } from '../errors.js';
import { fromPretrained } from './from-pretrained.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

/** The fixture's files (expected.json left out) as dropped Files, under the folder's name. */
async function dropped(fixture: string): Promise<File[]> {
  const names = (await readdir(join(FIXTURES, fixture))).filter((n) => n !== 'expected.json');
  return Promise.all(
    names.map(async (name) => {
      const file = new File([await readFile(join(FIXTURES, fixture, name))], name);
      Object.defineProperty(file, 'webkitRelativePath', { value: `${fixture}/${name}` });
      return file;
    }),
  );
}

async function worstLogitDiff(fixture: string, model: GPT2LMHeadModel): Promise<number> {
  const want = JSON.parse(await readFile(join(FIXTURES, fixture, 'expected.json'), 'utf8'));
  const input = tensor(want.input_ids as number[][], { dtype: 'i32' });
  const logits = tidy(() => model.forward(input).logits);
  const ours = await logits.data();
  const theirs = (want.logits as unknown[]).flat(3) as number[];
  expect(ours.length).toBe(theirs.length);
  logits.dispose();
  input.dispose();
  return Math.max(...theirs.map((v, i) => Math.abs(v - ours[i]!)));
}

describe('fromPretrained from Blobs (a dropped folder)', () => {
  it.each([
    ['gpt2-official-safetensors', 'model.safetensors'],
    ['gpt2-sharded-safetensors', 'model.safetensors.index.json'],
    ['gpt2-official-bin', 'pytorch_model.bin'],
    ['gpt2-sharded-bin', 'pytorch_model.bin.index.json'],
  ])('%s as File[]: logits within 1e-4 of PyTorch, read from %s', async (fixture, weights) => {
    const { model, report } = await fromPretrained<GPT2LMHeadModel>(await dropped(fixture));
    expect(report.source).toBe('files');
    expect(report.weights).toBe(`the given files: ${weights}`);
    expect(await worstLogitDiff(fixture, model)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('name → Blob with a tokenizer.json: the tokenizer comes along; subfolder files are left out', async () => {
    const tokenizer = CharTokenizer.fromCorpus('the cat sat');
    const files = new Map<string, Blob>(
      (await dropped('gpt2-official-safetensors')).map((f) => [f.name, f as Blob]),
    );
    files.set('tokenizer.json', new Blob([JSON.stringify(tokenizer.toJSON())]));
    const loaded = await fromPretrained<GPT2LMHeadModel>(files);
    expect(loaded.tokenizer?.encode('the cat')).toEqual(tokenizer.encode('the cat'));
    loaded.model.dispose();

    // A file inside a subfolder of the dropped folder is not the model's (as in transformers).
    const nested = new File(['{}'], 'config.json');
    Object.defineProperty(nested, 'webkitRelativePath', { value: 'gpt2/old/config.json' });
    const withNested = await fromPretrained<GPT2LMHeadModel>([
      ...(await dropped('gpt2-official-safetensors')),
      nested,
    ]);
    withNested.model.dispose();
  });

  it('a bad drop is an error naming what is wrong', async () => {
    const files = await dropped('gpt2-sharded-safetensors');
    const noConfig = files.filter((f) => f.name !== 'config.json');
    await expect(fromPretrained(noConfig)).rejects.toMatchObject({
      code: 'MODEL_CONFIG_MISSING',
      message: 'the given files is not a model folder: it has no config.json',
    } satisfies Partial<ModelFolderError>);
    const noShard = files.filter((f) => f.name !== 'model-00002-of-00002.safetensors');
    await expect(fromPretrained(noShard)).rejects.toThrow(
      "names shard 'model-00002-of-00002.safetensors', which does not exist in the given files",
    );
    const twice = [...files, new File(['{}'], 'config.json')];
    await expect(fromPretrained(twice)).rejects.toThrow("the given files hold two files named 'config.json'");
    const noWeights = files.filter((f) => f.name === 'config.json');
    await expect(fromPretrained(noWeights)).rejects.toThrow(
      'no weights in the given files: looked for model.safetensors.index.json, model.safetensors',
    );
    await expect(fromPretrained({ '../config.json': new Blob(['{}']) })).rejects.toThrow(
      "'../config.json' is not a plain file name",
    );
  });
});

// Checkpoints: exact round trips of weights and optimizer state, a Hugging Face folder
// (tokenizer included) that hub-loader's fromPretrained reads, and atomicity — a save that fails half-way leaves the previous
// checkpoint, the pointers and the folder exactly as they were.
import '@tensorlm/backend-cpu';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromPretrained } from '@tensorlm/hub-loader';
import type { GPT2LMHeadModel } from '@tensorlm/nn';
import { setBackend, type Tensor, tidy } from '@tensorlm/tensor-core';
import { WordTokenizer } from '@tensorlm/tokenizers';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countingSource, Regression, tinyGpt } from '../../test/fixtures.js';
import { causalLmLoss } from '../lm/causal-lm.js';
import { AdamW } from '../optim/adamw.js';
import {
  checkpointName,
  findCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
  writePointer,
} from './checkpoint.js';

let dir: string;
beforeAll(async () => {
  await setBackend('cpu');
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function weights(model: { namedParameters(): [string, Tensor][] }): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, p] of model.namedParameters()) out[name] = Array.from(await p.data());
  return out;
}

/** A GPT and an AdamW that has taken two steps (so the moments are non-zero). */
async function trainedPair(seed: number) {
  const model = tinyGpt(seed);
  const opt = new AdamW(model.namedParameters(), { lr: 1e-2 });
  const source = countingSource(seed);
  const loss = causalLmLoss();
  for (let i = 0; i < 2; i++) {
    const batch = await source.next();
    tidy(() => loss(model, batch).backward());
    batch.dispose();
    opt.step();
    opt.zeroGrad();
  }
  return { model, opt };
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips weights, optimizer state and trainer state exactly', async () => {
    const { model, opt } = await trainedPair(1);
    const path = await saveCheckpoint(dir, checkpointName(2), {
      model,
      optimizer: opt,
      trainerState: { step: 2, note: 'hello' },
    });
    expect(path).toBe(join(dir, 'checkpoint-2'));
    expect((await readdir(path)).sort()).toEqual([
      '.tensorlm-saved.json',
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'optimizer.safetensors',
      'trainer_state.json',
    ]);
    const other = await trainedPair(2); // different weights and moments
    const state = await loadCheckpoint(path, { model: other.model, optimizer: other.opt });
    expect(state).toEqual({ step: 2, note: 'hello' });
    expect(await weights(other.model)).toEqual(await weights(model));
    const a = opt.stateDict();
    const b = other.opt.stateDict();
    expect(b.meta).toEqual(a.meta);
    for (const [name, t] of a.tensors)
      expect(Array.from(await b.tensors.get(name)!.data())).toEqual(Array.from(await t.data()));
  });

  it('writes a Hugging Face folder, with the tokenizer, that fromPretrained reads', async () => {
    const { model, opt } = await trainedPair(3);
    // Ids 0–12 as the tiny GPT's vocabulary (13), with pad and end tokens.
    const words = ['[Pad]', '[End]', ...'abcdefghijk'.split('')];
    const tokenizer = WordTokenizer.fromVocab(words, { specialTokens: { pad: '[Pad]', eos: '[End]' } });
    const path = await saveCheckpoint(dir, 'checkpoint-7', { model, optimizer: opt, tokenizer });
    const loaded = await fromPretrained<GPT2LMHeadModel>(path);
    expect(loaded.report.architecture).toBe('GPT2LMHeadModel');
    expect(await weights(loaded.model)).toEqual(await weights(model));
    expect(loaded.tokenizer?.encode('a b k', { addSpecialTokens: false })).toEqual([2, 3, 12]);
    expect(loaded.rawConfig).toMatchObject({ architectures: ['GPT2LMHeadModel'], vocab_size: 13 });
    loaded.model.dispose();
  });

  it('saves weights only for models nn cannot describe, and loads them strictly', async () => {
    const model = new Regression();
    const path = await saveCheckpoint(dir, 'checkpoint-1', { model });
    expect((await readdir(path)).sort()).toEqual(['model.safetensors']);
    const other = new Regression();
    await loadCheckpoint(path, { model: other });
    expect(await weights(other)).toEqual(await weights(model));
    await expect(loadCheckpoint(path, { model: tinyGpt(0) })).rejects.toThrow(
      /model\.safetensors does not fit the model/,
    );
    await expect(
      loadCheckpoint(path, { model: other, optimizer: new AdamW(other.namedParameters()) }),
    ).rejects.toThrow(/optimizer\.safetensors does not exist/);
    await expect(loadCheckpoint(join(dir, 'nope'), { model })).rejects.toThrow(
      /nope\/model\.safetensors does not exist/,
    );
  });

  it('a save that fails half-way leaves the previous checkpoint and pointer untouched', async () => {
    const { model, opt } = await trainedPair(4);
    const first = await saveCheckpoint(dir, 'checkpoint-5', {
      model,
      optimizer: opt,
      trainerState: { step: 5 },
    });
    await writePointer(dir, 'latest', { checkpoint: 'checkpoint-5', step: 5 });
    const before = await readFile(join(first, 'model.safetensors'));
    // The optimizer's state cannot be read: the save dies after the weights were written.
    const broken = Object.create(opt) as AdamW;
    broken.stateDict = () => {
      throw new Error('disk on fire');
    };
    await expect(
      saveCheckpoint(dir, 'checkpoint-5', { model: tinyGpt(9), optimizer: broken }),
    ).rejects.toThrow(/disk on fire/);
    await expect(saveCheckpoint(dir, 'checkpoint-6', { model, optimizer: broken })).rejects.toThrow(
      /disk on fire/,
    );
    expect((await readdir(dir)).sort()).toEqual(['checkpoint-5', 'latest.json']); // no temp folder, no checkpoint-6
    expect(await readFile(join(first, 'model.safetensors'))).toEqual(before);
    expect(await findCheckpoint(dir)).toBe(join(dir, 'checkpoint-5'));
  });

  it('removes only its own staging folders, and prunes only the owned checkpoints but the newest and pinned', async () => {
    const model = new Regression();
    const { mkdir } = await import('node:fs/promises');
    await writeFile(join(dir, 'unrelated.txt'), 'keep me');
    await mkdir(join(dir, '.tmp-checkpoint-3-crashed')); // a kill during a save of checkpoint-3
    await mkdir(join(dir, '.tmp-cache')); // the user's
    await mkdir(join(dir, 'checkpoint-9')); // not this run's
    for (const step of [1, 2, 3, 4]) await saveCheckpoint(dir, checkpointName(step), { model });
    expect((await readdir(dir)).filter((e) => e.startsWith('.tmp-'))).toEqual(['.tmp-cache']);
    const owned = ['checkpoint-1', 'checkpoint-2', 'checkpoint-3', 'checkpoint-4'];
    // Newest two of the owned ones (3, 4) and the pinned 1 stay; checkpoint-9 is not ours.
    expect(await pruneCheckpoints(dir, 2, { owned, pinned: ['checkpoint-1'] })).toEqual(['checkpoint-2']);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([1, 3, 4, 9]);
    expect(await readFile(join(dir, 'unrelated.txt'), 'utf8')).toBe('keep me');
    await expect(saveCheckpoint(dir, '../evil', { model })).rejects.toThrow(/invalid checkpoint name/);
  });

  it('refuses a pointer that leaves the run folder, naming the pointer file', async () => {
    for (const bad of ['../elsewhere/checkpoint-10', '/tmp/checkpoint-10', 'checkpoint-10/..', 'weights']) {
      await writeFile(join(dir, 'best.json'), JSON.stringify({ checkpoint: bad, step: 10 }));
      await expect(findCheckpoint(dir, 'best')).rejects.toThrow(
        `${join(dir, 'best.json')} names '${bad}', which is not a checkpoint-<step> folder`,
      );
    }
    await writeFile(join(dir, 'best.json'), JSON.stringify({ checkpoint: 'checkpoint-10', step: 10 }));
    expect(await findCheckpoint(dir, 'best')).toBe(join(dir, 'checkpoint-10'));
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorlm/backend-cpu';
import { GPT2LMHeadModel, gptConfig, saveModel } from '@tensorlm/nn';
import { setBackend } from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli.js';

let dir: string;

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-inspect-'));
  const model = new GPT2LMHeadModel(
    gptConfig({ vocabSize: 39, blockSize: 128, nEmbd: 64, nLayer: 3, nHead: 8 }),
  );
  await saveModel(model, join(dir, 'model'));
  model.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tensorlm inspect', () => {
  it('prints the module tree and the parameter count of a saved model', async () => {
    const lines: string[] = [];
    expect(await main(['inspect', '--checkpoint', join(dir, 'model')], (l) => lines.push(l))).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/\(wte\): Embedding\(39, 64\)/);
    expect(text).toMatch(/\(h\): ModuleList/);
    // By hand: wte 39·64 + wpe 128·64 + 3 blocks × (2 LN·128 + c_attn 64·192+192 +
    // c_proj 64·64+64 + c_fc 64·256+256 + c_proj 256·64+64) + ln_f 128 = 160,768 (tied head).
    expect(lines.at(-1)).toBe('parameters: 160,768 (0.16M)');
  });

  it('names a missing checkpoint (failure, 1) and a missing --checkpoint (usage, 2)', async () => {
    const errors: string[] = [];
    const io = { out: () => {}, err: (l: string) => errors.push(l) };
    expect(await main(['inspect', '--checkpoint', join(dir, 'nope')], io)).toBe(1);
    expect(await main(['inspect'], io)).toBe(2);
    expect(await main(['inspect', '--checkpoint'], io)).toBe(2);
    expect(errors[0]).toBe(`tensorlm inspect: checkpoint '${join(dir, 'nope')}' does not exist`);
    expect(errors[1]).toBe('tensorlm inspect: --checkpoint: give the checkpoint folder: --checkpoint DIR');
    expect(errors[2]).toBe('tensorlm inspect: --checkpoint needs a value');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorlm/backend-cpu';
import { savePretrained } from '@tensorlm/hub-loader';
import { GPT2LMHeadModel, gptConfig } from '@tensorlm/nn';
import { setBackend } from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli.js';

let dir: string;
let model: string;

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-inspect-'));
  model = join(dir, 'model');
  const gpt = new GPT2LMHeadModel(
    gptConfig({ vocabSize: 39, blockSize: 128, nEmbd: 64, nLayer: 3, nHead: 8 }),
  );
  await savePretrained(model, { model: gpt });
  gpt.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inspect(args: string[]): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await main(['inspect', ...args], { out: (l) => lines.push(l), err: (l) => errors.push(l) });
  return { code, lines, errors };
}

describe('tensorlm inspect', () => {
  it('prints the module tree and the parameter count of a saved model', async () => {
    const { code, lines } = await inspect(['--model', model]);
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/\(wte\): Embedding\(39, 64\)/);
    expect(text).toMatch(/\(h\): ModuleList/);
    // By hand: wte 39·64 + wpe 128·64 + 3 blocks × (2 LN·128 + c_attn 64·192+192 +
    // c_proj 64·64+64 + c_fc 64·256+256 + c_proj 256·64+64) + ln_f 128 = 160,768 (tied head).
    expect(lines.at(-1)).toBe('parameters: 160,768 (0.16M)');
  });

  it('--depth 3 prints three levels: ModuleList lengths, repeated blocks folded, counts by hand', async () => {
    const { code, lines } = await inspect(['--model', model, '--depth', '3']);
    expect(code).toBe(0);
    // One block: 2 LN·128 + c_attn 64·192+192 + c_proj 64·64+64 + c_fc 64·256+256 + c_proj 256·64+64 = 49,984.
    expect(lines).toEqual([
      `model: GPT2LMHeadModel, 160,768 parameters, from ${model}`,
      'weights: tied lm_head.weight to transformer.wte.weight',
      'GPT2LMHeadModel: 160,768 parameters',
      '(transformer): GPT2Model · 160,768',
      '  (wte): Embedding(39, 64) · 2,496',
      '  (wpe): Embedding(128, 64) · 8,192',
      '  (drop): Dropout(p=0.1, inplace=False) · 0',
      '  (h): ModuleList len=3 · 149,952',
      '    (0-2): 3 x GPT2Block · 49,984 each',
      '  (ln_f): LayerNorm((64,), eps=1e-05, elementwise_affine=True) · 128',
      '(lm_head): Linear(in_features=64, out_features=39, bias=False) · 2,496 (tied)',
      'parameters: 160,768 (0.16M)',
    ]);
    const one = await inspect(['--checkpoint', model, '--depth', '1']);
    expect(one.lines.slice(2, -1)).toEqual([
      'GPT2LMHeadModel: 160,768 parameters',
      '(transformer): GPT2Model · 160,768',
      '(lm_head): Linear(in_features=64, out_features=39, bias=False) · 2,496 (tied)',
    ]);
  });

  it('reads a Hugging Face folder in the official GPT-2 layout and reports the renames', async () => {
    const fixture = fileURLToPath(
      new URL('../../../../packages/hub-loader/fixtures/gpt2-official-safetensors', import.meta.url),
    );
    const { code, lines } = await inspect(['--model', fixture, '--depth', '2']);
    expect(code).toBe(0);
    expect(lines[1]).toMatch(/^weights: renamed 28 tensors .*; ignored 2 tensors: .*; tied lm_head\.weight/);
    // By hand: 2 blocks × (2 LN·48 + c_attn 24·72+72 + c_proj 24·24+24 + c_fc 24·96+96 + c_proj 96·24+24).
    expect(lines).toContain('  (h): ModuleList len=2 · 14,448');
    expect(lines.at(-1)).toBe('parameters: 17,184 (0.02M)');
  });

  it('names a missing model (failure, 1), a bad --depth or a missing --model (usage, 2)', async () => {
    const missing = await inspect(['--model', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.errors).toEqual([`tensorlm inspect: model '${join(dir, 'nope')}' does not exist`]);
    for (const [depth, why] of [
      ['0', 'give 1 or more levels, e.g. --depth 2'],
      ['-1', 'give 1 or more levels, e.g. --depth 2'],
      ['1.5', 'give a whole number of levels, e.g. --depth 2'],
      ['deep', 'give the number of levels, e.g. --depth 2'],
    ]) {
      const bad = await inspect(['--model', model, '--depth', depth!]);
      expect(bad.code, depth).toBe(2);
      expect(bad.errors, depth).toEqual([`tensorlm inspect: --depth: ${why}`]);
    }
    const none = await inspect([]);
    expect(none.code).toBe(2);
    expect(none.errors[0]).toBe(
      'tensorlm inspect: give the model: --model DIR|REPO (a model folder, a run folder or a Hub repo id)',
    );
    expect((await inspect(['--model'])).errors[0]).toBe('tensorlm inspect: --model needs a value');
  });
});

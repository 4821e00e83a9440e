// The independent references: folders written by fixtures/make_fixtures.py (PyTorch, its
// own float64 forward written from transformers' modeling code) load here to the same
// logits within 1e-4 and the same 20-token greedy continuation. The safetensors fixtures
// are checked here; the pytorch_model.bin ones with the torch reader.
import '@tensorlm/backend-cpu';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BertModel, GPT2LMHeadModel } from '@tensorlm/nn';
import { tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { fromPretrained } from './from-pretrained.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

async function expected(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(FIXTURES, name, 'expected.json'), 'utf8'));
}

describe('fixtures from the independent script', () => {
  it.each([
    'gpt2-official-safetensors',
    'gpt2-f16-safetensors',
    'gpt2-sharded-safetensors',
    'gpt2-prefixed-lm-head',
  ])('%s: logits within 1e-4, 20-token greedy continuation identical', async (name) => {
    const want = await expected(name);
    const { model } = await fromPretrained<GPT2LMHeadModel>(join(FIXTURES, name));
    const ids = want.input_ids as number[][];
    const input = tensor(ids, { dtype: 'i32' });
    const logits = tidy(() => model.forward(input).logits);
    expect(logits.shape).toEqual(want.logits_shape);
    expect(maxAbsDiff(await logits.data(), flat(want.logits))).toBeLessThan(1e-4);
    logits.dispose();
    input.dispose();

    const greedy = want.greedy as { max_new_tokens: number; new_tokens: number[] };
    const sequence = [...ids[0]!];
    for (let step = 0; step < greedy.max_new_tokens; step++) {
      const x = tensor([sequence], { dtype: 'i32' });
      const out = tidy(() => model.forward(x).logits);
      const all = await out.data();
      const V = model.config.vocabSize;
      const last = all.subarray((sequence.length - 1) * V, sequence.length * V);
      sequence.push(last.indexOf(Math.max(...last)));
      out.dispose();
      x.dispose();
    }
    expect(sequence.slice(ids[0]!.length)).toEqual(greedy.new_tokens);
    model.dispose();
  });

  it('bert-model-no-prefix: last hidden state and pooler output within 1e-4', async () => {
    const want = await expected('bert-model-no-prefix');
    const { model } = await fromPretrained<BertModel>(join(FIXTURES, 'bert-model-no-prefix'));
    const input = tensor(want.input_ids as number[][], { dtype: 'i32' });
    const mask = tensor(want.attention_mask as number[][], { dtype: 'i32' });
    const types = tensor(want.token_type_ids as number[][], { dtype: 'i32' });
    const [hidden, pooled] = tidy(() => {
      const out = model.forward(input, { attentionMask: mask, tokenTypeIds: types });
      return [out.lastHiddenState, out.poolerOutput!];
    });
    expect(maxAbsDiff(await hidden!.data(), flat(want.last_hidden_state))).toBeLessThan(1e-4);
    expect(maxAbsDiff(await pooled!.data(), flat(want.pooler_output))).toBeLessThan(1e-4);
    for (const t of [hidden!, pooled!, input, mask, types]) t.dispose();
    model.dispose();
  });
});

describe('savePretrained against the names transformers wrote (fixtures/names-*.json)', () => {
  it.each([['names-gpt2lmheadmodel.json'], ['names-bertformaskedlm.json']])(
    '%s: same tensor names and shapes, same config.json keys as transformers 4.46',
    async (namesFile) => {
      const { mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const { parseSafetensors } = await import('@tensorlm/nn');
      const { getArchitecture } = await import('../registry/registry.js');
      const { savePretrained } = await import('../save/save-pretrained.js');
      const ref = JSON.parse(await readFile(join(FIXTURES, namesFile), 'utf8')) as {
        architecture: string;
        configs: Record<string, Record<string, unknown>>;
        tensors: Record<string, number[]>;
      };
      const refConfig = ref.configs['4.46.3']!;
      const architecture = getArchitecture(ref.architecture)!;
      const model = architecture.build(architecture.configFromHF(refConfig));
      const dir = await mkdtemp(join(tmpdir(), 'tensorlm-hub-loader-names-'));
      await savePretrained(join(dir, 'out'), { model, extraConfig: refConfig });
      const file = parseSafetensors(await readFile(join(dir, 'out', 'model.safetensors')));
      expect(Object.fromEntries(file.tensors.map((t) => [t.name, [...t.shape]]))).toEqual(ref.tensors);
      const saved = JSON.parse(await readFile(join(dir, 'out', 'config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      const expectedKeys = Object.keys(refConfig).filter((k) => k !== 'transformers_version');
      expect(Object.keys(saved).sort()).toEqual(expectedKeys.sort());
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  );
});

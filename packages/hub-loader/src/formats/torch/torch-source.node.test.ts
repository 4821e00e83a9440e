// pytorch_model.bin end to end: the file-backed source, sharded indexes through the shared
// shard reader, and `fromPretrained` on every .bin fixture giving the logits (within 1e-4)
// and greedy continuation that make_fixtures.py's independent PyTorch forward computed.
import '@tensorlm/backend-cpu';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BertForMaskedLM, GPT2LMHeadModel } from '@tensorlm/nn';
import { tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { fixtureJSON, fixturePath } from '../../../test/torch-fixtures.js';
import { fromPretrained } from '../../load/from-pretrained.js';
import { openShardedSource } from '../sharded.js';
import { openTorchSource } from './torch-source.node.js';

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('openTorchSource', () => {
  it('lists stored dtypes and shapes and reads one tensor at a time', async () => {
    const path = fixturePath('gpt2-official-bin/pytorch_model.bin');
    const source = await openTorchSource(path);
    expect(source.path).toBe(path);
    expect(source.tensors().get('wte.weight')).toEqual({ dtype: 'F32', shape: [80, 24], file: path });
    expect(source.tensors().get('h.0.attn.bias')).toEqual({ dtype: 'U8', shape: [1, 1, 32, 32], file: path });
    const mask = await source.read('h.0.attn.bias');
    // The causal mask: row r has ones in columns 0..r.
    expect([...mask.data.subarray(32 * 5, 32 * 6)]).toEqual(
      Array.from({ length: 32 }, (_, c) => (c <= 5 ? 1 : 0)),
    );
    await source.close();
    await source.close();
  });

  it('reads a sharded pytorch_model.bin.index.json as one source', async () => {
    const index = fixturePath('gpt2-sharded-bin/pytorch_model.bin.index.json');
    const { weight_map } = fixtureJSON<{ weight_map: Record<string, string> }>(
      'gpt2-sharded-bin/pytorch_model.bin.index.json',
    );
    const source = await openShardedSource(index, openTorchSource);
    expect([...source.tensors().keys()].sort()).toEqual(Object.keys(weight_map).sort());
    expect(source.tensors().get('lm_head.weight')!.file).toMatch(/pytorch_model-00003-of-00003\.bin$/);
    // lm_head was saved tied to wte (one storage, written again in the last shard).
    expect((await source.read('lm_head.weight')).data).toEqual(
      (await source.read('transformer.wte.weight')).data,
    );
    await source.close();
  });

  it('refuses an index naming a shard that is not there, naming the shard', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tensorlm-torch-shards-'));
    try {
      const from = fixturePath('gpt2-sharded-bin');
      for (const name of await readdir(from)) {
        if (!name.endsWith('00002-of-00003.bin')) await copyFile(join(from, name), join(dir, name));
      }
      const error = await openShardedSource(join(dir, 'pytorch_model.bin.index.json'), openTorchSource).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'MODEL_INDEX_INVALID' });
      expect((error as Error).message).toMatch(/'pytorch_model-00002-of-00003\.bin'.*does not exist/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a hostile shard inside an index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tensorlm-torch-shards-'));
    try {
      await copyFile(
        fixturePath('torch/hostile/os-system.bin'),
        join(dir, 'pytorch_model-00001-of-00001.bin'),
      );
      await writeFile(
        join(dir, 'pytorch_model.bin.index.json'),
        JSON.stringify({ metadata: {}, weight_map: { w: 'pytorch_model-00001-of-00001.bin' } }),
      );
      await expect(
        openShardedSource(join(dir, 'pytorch_model.bin.index.json'), openTorchSource),
      ).rejects.toMatchObject({
        code: 'TORCH_FORBIDDEN_GLOBAL',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

interface GPTExpected {
  input_ids: number[][];
  logits_shape: number[];
  logits: unknown;
  greedy: { max_new_tokens: number; new_tokens: number[] };
}

describe('fromPretrained on the pytorch_model.bin fixtures', () => {
  it.each(['gpt2-official-bin', 'gpt2-sharded-bin'])(
    '%s: logits within 1e-4, 20-token greedy continuation identical',
    async (name) => {
      const want = JSON.parse(await readFile(fixturePath(`${name}/expected.json`), 'utf8')) as GPTExpected;
      const { model } = await fromPretrained<GPT2LMHeadModel>(fixturePath(name));
      const input = tensor(want.input_ids, { dtype: 'i32' });
      const logits = tidy(() => model.forward(input).logits);
      expect(logits.shape).toEqual(want.logits_shape);
      expect(maxAbsDiff(await logits.data(), flat(want.logits))).toBeLessThan(1e-4);
      logits.dispose();
      input.dispose();

      const sequence = [...want.input_ids[0]!];
      const V = want.logits_shape[2]!;
      for (let step = 0; step < want.greedy.max_new_tokens; step++) {
        const x = tensor([sequence], { dtype: 'i32' });
        const out = tidy(() => model.forward(x).logits);
        const all = await out.data();
        const last = Array.from(all.subarray((sequence.length - 1) * V, sequence.length * V));
        sequence.push(last.indexOf(Math.max(...last)));
        out.dispose();
        x.dispose();
      }
      expect(sequence.slice(want.input_ids[0]!.length)).toEqual(want.greedy.new_tokens);
      model.dispose();
    },
  );

  it.each(['bert-base-uncased-style', 'bert-mlm-bf16-bin'])(
    '%s: masked-LM logits and last hidden state within 1e-4',
    async (name) => {
      const want = JSON.parse(await readFile(fixturePath(`${name}/expected.json`), 'utf8')) as Record<
        string,
        unknown
      >;
      const { model } = await fromPretrained<BertForMaskedLM>(fixturePath(name));
      const input = tensor(want.input_ids as number[][], { dtype: 'i32' });
      const mask = tensor(want.attention_mask as number[][], { dtype: 'i32' });
      const types = tensor(want.token_type_ids as number[][], { dtype: 'i32' });
      const [logits, hidden] = tidy(() => {
        const out = model.forward(input, {
          attentionMask: mask,
          tokenTypeIds: types,
          outputHiddenStates: true,
        });
        return [out.logits, out.hiddenStates!.at(-1)!];
      });
      expect(logits!.shape).toEqual(want.logits_shape);
      expect(maxAbsDiff(await logits!.data(), flat(want.logits))).toBeLessThan(1e-4);
      expect(maxAbsDiff(await hidden!.data(), flat(want.last_hidden_state))).toBeLessThan(1e-4);
      for (const t of [logits!, hidden!, input, mask, types]) t.dispose();
      model.dispose();
    },
  );
});

// Sharded checkpoints: a tensor missing across two shards is reported before a single
// value is read; an index naming a missing shard, or a shard outside the folder, is a
// clear error; F16 and BF16 shards load converted to float32.
import '@tensorlm/backend-cpu';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GPT2LMHeadModel, type HostTensor, onMeta } from '@tensorlm/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpt2ConfigJson } from '../../test/configs.js';
import { hostStateDict, logitsOf, TINY_GPT, tempDir, tinyGpt, writeSafetensors } from '../../test/tiny.js';
import type { ModelFolderError } from '../errors.js';
import { fromPretrained } from '../load/from-pretrained.js';
import { openSafetensorsSource } from './safetensors/safetensors-source.js';
import { openShardedSource } from './sharded.js';
import type { WeightSource } from './source.js';

let root = '';
beforeAll(async () => {
  root = await tempDir('shards');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `sd` as two shards and their index into `dir`. */
async function twoShards(dir: string, sd: Map<string, HostTensor>, indexExtra: Record<string, string> = {}) {
  await mkdir(dir, { recursive: true });
  const entries = [...sd];
  const half = Math.ceil(entries.length / 2);
  const parts = [entries.slice(0, half), entries.slice(half)];
  const weightMap: Record<string, string> = { ...indexExtra };
  for (const [i, part] of parts.entries()) {
    const name = `model-0000${i + 1}-of-00002.safetensors`;
    await writeSafetensors(join(dir, name), new Map(part));
    for (const [key] of part) weightMap[key] = name;
  }
  await writeFile(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  await writeFile(join(dir, 'config.json'), JSON.stringify(gpt2ConfigJson()));
}

describe('sharded safetensors', () => {
  it('loads two shards to identical logits', async () => {
    const model = tinyGpt(41);
    const sd = await hostStateDict(model);
    sd.delete('lm_head.weight');
    const dir = join(root, 'ok');
    await twoShards(dir, sd);
    const { model: loaded, report } = await fromPretrained<GPT2LMHeadModel>(dir);
    expect(report.weights).toBe(join(dir, 'model.safetensors.index.json'));
    expect(await logitsOf(loaded)).toEqual(await logitsOf(model));
    loaded.dispose();
    model.dispose();
  });

  it('a tensor missing across the shards is reported before anything is read', async () => {
    const model = tinyGpt(42);
    const sd = await hostStateDict(model);
    sd.delete('lm_head.weight');
    sd.delete('transformer.h.1.ln_2.bias'); // in the second shard
    const dir = join(root, 'missing');
    await twoShards(dir, sd);
    let reads = 0;
    const counting = async (path: string): Promise<WeightSource> => {
      const inner = await openSafetensorsSource(path);
      return {
        ...inner,
        read: (name) => {
          reads++;
          return inner.read(name);
        },
      };
    };
    const source = await openShardedSource(join(dir, 'model.safetensors.index.json'), counting);
    const target = onMeta(() => new GPT2LMHeadModel(TINY_GPT));
    const infos = source.tensors();
    await expect(
      target.loadStateDictFrom({
        keys: () => infos.keys(),
        shape: (k) => infos.get(k)!.shape,
        get: (k) => source.read(k),
      }),
    ).rejects.toThrow(/nothing was loaded: missing keys: transformer\.h\.1\.ln_2\.bias/);
    expect(reads).toBe(0);
    expect(target.isMeta).toBe(true);
    await source.close();
    await expect(fromPretrained(dir)).rejects.toThrow(/missing keys: transformer\.h\.1\.ln_2\.bias/);
    model.dispose();
  });

  it('an index naming a missing shard is a clear error', async () => {
    const model = tinyGpt(43);
    const sd = await hostStateDict(model);
    const dir = join(root, 'missing-shard');
    await twoShards(dir, sd, {});
    await rm(join(dir, 'model-00002-of-00002.safetensors'));
    const error = (await fromPretrained(dir).catch((e: unknown) => e)) as ModelFolderError;
    expect(error.code).toBe('MODEL_INDEX_INVALID');
    expect(error.message).toMatch(/names shard 'model-00002-of-00002\.safetensors', which does not exist/);
    model.dispose();
  });

  it('an index pointing outside its folder is refused', async () => {
    const dir = join(root, 'escape');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { 'a.weight': '../other/model.safetensors' } }),
    );
    await expect(
      openShardedSource(join(dir, 'model.safetensors.index.json'), openSafetensorsSource),
    ).rejects.toThrow(
      /maps 'a\.weight' to '\.\.\/other\/model\.safetensors', which is not a file name beside the index/,
    );
  });

  it('F16 and BF16 tensors are read as float32', async () => {
    const path = join(root, 'half.safetensors');
    // Hand-laid header and bytes: F16 [1, -2, 0.5] and BF16 [1, -2, 3.140625].
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
      b: { dtype: 'BF16', shape: [3], data_offsets: [6, 12] },
    });
    const bytes = new Uint8Array(8 + header.length + 12);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    bytes.set([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x80, 0x3f, 0x00, 0xc0, 0x49, 0x40], 8 + header.length);
    await writeFile(path, bytes);
    const source = await openSafetensorsSource(path);
    expect(source.tensors().get('h')).toEqual({ dtype: 'F16', shape: [3], file: path });
    expect(await source.read('h')).toEqual({
      dtype: 'f32',
      shape: [3],
      data: Float32Array.from([1, -2, 0.5]),
    });
    expect(await source.read('b')).toEqual({
      dtype: 'f32',
      shape: [3],
      data: Float32Array.from([1, -2, 3.140625]),
    });
    await source.close();
  });
});

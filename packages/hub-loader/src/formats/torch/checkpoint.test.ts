// TorchCheckpoint against real torch.save archives (fixtures/make_fixtures.py): every
// feature of torch/features.bin matches the values torch reported (features.json), the
// GPT-2 .bin holds exactly the weights of its safetensors twin, F16/BF16 decode to the
// hand-computed values, and opening reads the directory and pickle, never the whole file.
import { readFileSync } from 'node:fs';
import { parseSafetensors } from '@tensorlm/nn';
import { describe, expect, it } from 'vitest';
import { countingReader, fixtureBytes, fixtureJSON, fixturePath } from '../../../test/torch-fixtures.js';
import { TorchCheckpoint } from './checkpoint.js';
import { TorchFormatError } from './errors.js';
import { inflateRawNode } from './inflate.node.js';
import { bytesReader } from './random-access.js';

interface FeatureExpectation {
  dtype: string;
  shape: number[];
  stride: number[];
  storage_offset: number;
  values_f32?: number[];
  values?: number[];
}

const features = fixtureJSON<Record<string, FeatureExpectation>>('torch/features.json');

async function open(relative: string): Promise<TorchCheckpoint> {
  return TorchCheckpoint.open(bytesReader(fixtureBytes(relative), relative), { inflateRaw: inflateRawNode });
}

async function openError(relative: string): Promise<TorchFormatError> {
  const error = await open(relative).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TorchFormatError);
  return error as TorchFormatError;
}

describe('TorchCheckpoint on torch/features.bin', () => {
  it.each(['torch/features.bin', 'torch/features-deflated.bin', 'torch/features-zip64.bin'])(
    '%s: every tensor has the dtype, shape, stride, offset and values torch saved',
    async (file) => {
      const checkpoint = await open(file);
      const infos = checkpoint.tensors();
      expect([...infos.keys()].sort()).toEqual(Object.keys(features).sort());
      for (const [name, want] of Object.entries(features)) {
        const info = infos.get(name)!;
        expect(
          { dtype: info.dtype, shape: info.shape, stride: info.stride, offset: info.storageOffset },
          name,
        ).toEqual({
          dtype: want.dtype,
          shape: want.shape,
          stride: want.stride,
          offset: want.storage_offset,
        });
        if (name === 'i64_too_big') continue;
        const got = await checkpoint.read(name);
        expect(got.shape, name).toEqual(want.shape);
        if (want.values_f32) {
          expect(got.dtype, name).toBe('f32');
          expect([...got.data], name).toEqual(want.values_f32);
        } else {
          expect(got.dtype, name).toBe(want.dtype === 'BOOL' ? 'bool' : 'i32');
          expect([...got.data], name).toEqual(want.values);
        }
      }
      await checkpoint.close();
    },
  );

  it('decodes F16 and BF16 to the hand-computed values', async () => {
    const checkpoint = await open('torch/features.bin');
    // f16: 1/3 → 0x3555 = 2^-2·(1 + 341/1024); 65504 = 2^15·(2 − 2^-10); 2^-14 smallest normal;
    // 2^-24 smallest subnormal; 0.1 → 0x2E66 = 2^-4·(1 + 614/1024)
    expect([...(await checkpoint.read('f16')).data]).toEqual([
      0.25 * (1 + 341 / 1024),
      -2.5,
      65504,
      2 ** -14,
      2 ** -24,
      2 ** -4 * (1 + 614 / 1024),
    ]);
    // bf16 (round to nearest even from f32): 1/3 → 0x3EAB = 2^-2·(1 + 43/128); 0.1 → 0x3DCD =
    // 2^-4·(1 + 77/128); 3e38 → 0x7F62 = 2^127·(1 + 98/128); 2^-130 stays exact (subnormal)
    expect([...(await checkpoint.read('bf16')).data]).toEqual([
      0.25 * (1 + 43 / 128),
      -1.5,
      2 ** -4 * (1 + 77 / 128),
      2 ** 127 * (1 + 98 / 128),
      2 ** -130,
    ]);
  });

  it('materializes views: a transpose, an offset slice, a column and a stride-0 expansion', async () => {
    const checkpoint = await open('torch/features.bin');
    const base = [...(await checkpoint.read('f32')).data]; // 3×4, row-major
    const at = (r: number, c: number) => base[r * 4 + c]!;
    expect([...(await checkpoint.read('f32_transposed')).data]).toEqual(
      [0, 1, 2, 3].flatMap((c) => [0, 1, 2].map((r) => at(r, c))),
    );
    expect([...(await checkpoint.read('f32_offset')).data]).toEqual(base.slice(5, 9));
    expect([...(await checkpoint.read('f32_column')).data]).toEqual([at(0, 1), at(1, 1), at(2, 1)]);
    expect(checkpoint.tensors().get('f32_transposed')!.contiguous).toBe(false);
    expect(checkpoint.tensors().get('f32_offset')!.contiguous).toBe(true);
  });

  it('refuses an I64 value outside i32, naming the tensor and the value', async () => {
    const checkpoint = await open('torch/features.bin');
    const error = await checkpoint.read('i64_too_big').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TorchFormatError);
    expect((error as TorchFormatError).code).toBe('TORCH_TENSOR_INVALID');
    expect((error as TorchFormatError).message).toBe(
      "torch/features.bin: tensor 'i64_too_big': element 1 (1099511627776) of this I64 tensor does not fit in i32",
    );
  });

  it('refuses a name it does not hold', async () => {
    const checkpoint = await open('torch/features.bin');
    await expect(checkpoint.read('nope')).rejects.toMatchObject({ code: 'TORCH_NO_SUCH_TENSOR' });
  });
});

describe('TorchCheckpoint on model files', () => {
  it('gpt2-official-bin holds exactly the weights of its safetensors twin', async () => {
    const checkpoint = await open('gpt2-official-bin/pytorch_model.bin');
    const twin = parseSafetensors(readFileSync(fixturePath('gpt2-official-safetensors/model.safetensors')));
    const names = [...checkpoint.tensors().keys()];
    // The .bin has the scalar masked_bias buffers the safetensors file leaves out; nothing else differs.
    expect(names.filter((n) => !twin.has(n))).toEqual(['h.0.attn.masked_bias', 'h.1.attn.masked_bias']);
    expect(twin.names().filter((n) => !names.includes(n))).toEqual([]);
    for (const name of twin.names()) {
      const got = await checkpoint.read(name);
      const want = twin.get(name);
      expect(got.shape, name).toEqual(want.shape);
      // attn.bias is uint8 in the .bin and F32 in the twin: same 0/1 values either way.
      expect([...got.data], name).toEqual([...want.data]);
    }
    const maskedBias = await checkpoint.read('h.0.attn.masked_bias');
    expect(maskedBias).toMatchObject({ dtype: 'f32', shape: [] });
    expect([...maskedBias.data]).toEqual([-10000]);
  });

  it('bert-base-uncased-style: legacy names, int64 position_ids, the tied decoder sharing a storage', async () => {
    const checkpoint = await open('bert-base-uncased-style/pytorch_model.bin');
    const infos = checkpoint.tensors();
    expect(infos.get('bert.embeddings.LayerNorm.gamma')).toMatchObject({ dtype: 'F32', shape: [24] });
    expect(infos.get('cls.seq_relationship.weight')).toMatchObject({ shape: [2, 24] });
    expect(infos.get('bert.embeddings.position_ids')).toMatchObject({ dtype: 'I64', shape: [1, 32] });
    const positions = await checkpoint.read('bert.embeddings.position_ids');
    expect(positions.dtype).toBe('i32');
    expect([...positions.data]).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(infos.get('cls.predictions.decoder.weight')!.entry).toBe(
      infos.get('bert.embeddings.word_embeddings.weight')!.entry,
    );
    expect((await checkpoint.read('cls.predictions.decoder.weight')).data).toEqual(
      (await checkpoint.read('bert.embeddings.word_embeddings.weight')).data,
    );
  });

  it('bert-mlm-bf16-bin: BF16 storages read as f32 values that bf16 represents exactly', async () => {
    const checkpoint = await open('bert-mlm-bf16-bin/pytorch_model.bin');
    const infos = [...checkpoint.tensors().values()];
    expect(new Set(infos.map((t) => t.dtype))).toEqual(new Set(['BF16']));
    const words = await checkpoint.read('bert.embeddings.word_embeddings.weight');
    expect(words.dtype).toBe('f32');
    const bits = new Uint32Array((words.data as Float32Array).slice().buffer);
    expect(bits.every((b) => (b & 0xffff) === 0)).toBe(true);
    expect(bits.some((b) => b !== 0)).toBe(true);
  });

  it('opens by reading the directory and the pickle only, and a tensor by its own bytes', async () => {
    const reader = countingReader('gpt2-official-bin/pytorch_model.bin');
    const checkpoint = await TorchCheckpoint.open(reader);
    const afterOpen = reader.bytesRead;
    expect(afterOpen).toBeLessThan(reader.size / 4);
    const wpe = await checkpoint.read('wpe.weight');
    expect(reader.bytesRead - afterOpen).toBeLessThan(wpe.data.byteLength + 200);
  });
});

describe('TorchCheckpoint refusals', () => {
  it('says a torch < 1.6 file is the legacy format and how to convert it', async () => {
    const error = await openError('torch/legacy.bin');
    expect(error.code).toBe('TORCH_LEGACY_FORMAT');
    expect(error.message).toBe(
      'torch/legacy.bin: saved by torch < 1.6 without the zip format (a raw pickle stream); ' +
        're-save it with torch.save(torch.load(path), path) on torch ≥ 1.6, or convert it to safetensors',
    );
  });

  it('says what a non-zip file is not', async () => {
    const error = await openError('torch/hostile/not-a-zip.bin');
    expect(error.code).toBe('TORCH_ARCHIVE_INVALID');
    expect(error.message).toMatch(/not a PyTorch checkpoint: torch\.save files are zip archives/);
  });
});

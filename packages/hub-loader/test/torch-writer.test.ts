// The benchmark's torch.save writer (bench/torch-writer.ts) against real torch.save output:
// the committed fixtures that fixtures/make_fixtures.py wrote with PyTorch 1.13. Given the
// same tensors (names, dtypes, shapes, bytes), the same `_metadata` and the same archive
// name, it must write the same file byte for byte; and hub-loader's reader must read what
// it writes back bit-exactly.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modulePrefixes, type TorchTensorToWrite, writeTorchCheckpoint } from '../bench/torch-writer.js';
import { TorchCheckpoint } from '../src/formats/torch/checkpoint.js';
import { bytesReader } from '../src/formats/torch/random-access.js';
import { openTorchSource } from '../src/formats/torch/torch-source.node.js';
import { ZipArchive } from '../src/formats/torch/zip.js';
import { fixtureBytes, fixturePath } from './torch-fixtures.js';

const ELEMENT_BYTES: Record<string, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  U8: 1,
  BOOL: 1,
};

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-torch-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The fixture's tensors with their raw stored bytes, read straight from the zip entries. */
async function storedTensors(relative: string): Promise<TorchTensorToWrite[]> {
  const bytes = fixtureBytes(relative);
  const checkpoint = await TorchCheckpoint.open(bytesReader(bytes, relative));
  const zip = (await ZipArchive.open(bytesReader(bytes, relative), { inflateRaw: null }))!;
  const out: TorchTensorToWrite[] = [];
  for (const [name, info] of checkpoint.tensors()) {
    // The writer gives every tensor its own whole, contiguous storage; so do these fixtures.
    expect(info.contiguous && info.storageOffset === 0).toBe(true);
    const es = ELEMENT_BYTES[info.dtype]!;
    const count = info.shape.reduce((n, d) => n * d, 1);
    const entry = zip.entries.get(info.entry)!;
    expect(entry.size).toBe(count * es);
    const data = await zip.readRange(entry, 0, count * es);
    out.push({ name, dtype: info.dtype, shape: info.shape, bytes: () => data });
  }
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

describe('bench/torch-writer.ts writes what torch.save writes', () => {
  it.each([
    // An OrderedDict state dict with `_metadata` (F32, a uint8 mask, 0-d scalars).
    ['gpt2-official-bin/pytorch_model.bin', 'pytorch_model', true],
    // Plain dicts, as transformers' shard writer passes them: BF16 storages; bool masks, lm_head alone.
    ['bert-mlm-bf16-bin/pytorch_model.bin', 'pytorch_model', false],
    ['gpt2-sharded-bin/pytorch_model-00001-of-00003.bin', 'pytorch_model-00001-of-00003', false],
    ['gpt2-sharded-bin/pytorch_model-00002-of-00003.bin', 'pytorch_model-00002-of-00003', false],
    ['gpt2-sharded-bin/pytorch_model-00003-of-00003.bin', 'pytorch_model-00003-of-00003', false],
  ] as const)('%s: byte-identical, and read back bit-exactly', async (relative, prefix, ordered) => {
    const tensors = await storedTensors(relative);
    const path = join(dir, relative.replaceAll('/', '--'));
    await writeTorchCheckpoint(path, tensors, {
      prefix,
      metadata: ordered ? modulePrefixes(tensors.map((t) => t.name)) : null,
    });
    const ours = new Uint8Array(await readFile(path));
    const torch = fixtureBytes(relative);
    expect({ firstDifference: firstDifference(ours, torch), size: ours.length }).toEqual({
      firstDifference: -1,
      size: torch.length,
    });

    const mine = await openTorchSource(path);
    const real = await openTorchSource(fixturePath(relative));
    expect([...mine.tensors()].map(([n, i]) => [n, i.dtype, i.shape])).toEqual(
      [...real.tensors()].map(([n, i]) => [n, i.dtype, i.shape]),
    );
    for (const name of real.tensors().keys()) {
      const [a, b] = [await mine.read(name), await real.read(name)];
      expect(a.dtype).toBe(b.dtype);
      expect(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)).toEqual(
        new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength),
      );
    }
    await mine.close();
    await real.close();
  });

  it('refuses a tensor whose bytes do not match its shape, leaving no file', async () => {
    const path = join(dir, 'bad.bin');
    await expect(
      writeTorchCheckpoint(path, [{ name: 'w', dtype: 'F32', shape: [3], bytes: () => new Uint8Array(8) }]),
    ).rejects.toThrow(/'w' \(F32 \[3\]\) got 8 bytes/);
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

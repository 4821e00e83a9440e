// Streaming safetensors reads: one tensor at a time from a file handle, and hostile files
// — a header claiming 2^62 bytes, overlapping data_offsets, offsets past the end of the
// file, a tensor claiming more bytes than its shape — refused on open with the reason.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSafetensors } from './fs.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tensorlm-nn-open-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A file laid out by hand: u64 LE header length (or `claimedLength`), JSON header, data. */
async function file(name: string, header: object, data: number[], claimedLength?: bigint): Promise<string> {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + text.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, claimedLength ?? BigInt(text.length), true);
  bytes.set(text, 8);
  bytes.set(data, 8 + text.length);
  const path = join(root, name);
  await writeFile(path, bytes);
  return path;
}

describe('openSafetensors', () => {
  it('reads each tensor on request: F32 as is, values exact', async () => {
    const path = await file(
      'ok.safetensors',
      {
        __metadata__: { format: 'pt' },
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'I32', shape: [1], data_offsets: [8, 12] },
      },
      [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x07, 0x00, 0x00, 0x00],
    );
    const reader = await openSafetensors(path);
    expect(reader.metadata).toEqual({ format: 'pt' });
    expect(reader.tensors.map((t) => t.name)).toEqual(['a', 'b']);
    expect(await reader.read('b')).toEqual({ dtype: 'i32', shape: [1], data: Int32Array.from([7]) });
    expect(await reader.read('a')).toEqual({ dtype: 'f32', shape: [2], data: Float32Array.from([1, -2]) });
    await expect(reader.read('c')).rejects.toThrow(/tensor 'c': no such tensor/);
    await reader.close();
    await expect(reader.read('a')).rejects.toThrow(/closed/);
  });

  it('a header claiming 2^62 bytes is refused without allocating it', async () => {
    const path = await file('huge.safetensors', {}, [], 2n ** 62n);
    await expect(openSafetensors(path)).rejects.toThrow(
      /header length 4611686018427387904 is over 100000000 bytes/,
    );
  });

  it('a header longer than the file is refused', async () => {
    const path = await file(
      'short.safetensors',
      { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } },
      [],
      5000n,
    );
    await expect(openSafetensors(path)).rejects.toThrow(/header claims 5000 bytes but only \d+ follow/);
  });

  it('overlapping data_offsets are refused, naming the tensor', async () => {
    const path = await file(
      'overlap.safetensors',
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      new Array(12).fill(0),
    );
    await expect(openSafetensors(path)).rejects.toThrow(
      /tensor 'b': data_offsets \[4, 12\] overlap the previous tensor/,
    );
  });

  it('offsets past the end of the file are refused, naming the tensor', async () => {
    const path = await file(
      'truncated.safetensors',
      { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } },
      new Array(8).fill(0),
    );
    await expect(openSafetensors(path)).rejects.toThrow(
      /tensor 'a': data_offsets \[0, 16\] run past the end of the 8-byte data section/,
    );
  });

  it('a tensor claiming 2^62 bytes of data is refused before any read', async () => {
    const path = await file(
      'huge-tensor.safetensors',
      { a: { dtype: 'F32', shape: [2 ** 30, 2 ** 30], data_offsets: [0, 4] } },
      [0, 0, 0, 0],
    );
    await expect(openSafetensors(path)).rejects.toThrow(
      /tensor 'a': F32 \[1073741824, 1073741824\] needs \d+ bytes but data_offsets \[0, 4\] span 4/,
    );
  });

  it('a missing file names the path', async () => {
    await expect(openSafetensors(join(root, 'nope.safetensors'))).rejects.toThrow(
      /nope\.safetensors: cannot open/,
    );
  });
});

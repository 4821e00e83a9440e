// Writing a safetensors file tensor by tensor: the header is computed from shapes alone,
// then each tensor is read back from the backend and appended, so host memory stays near
// one tensor however large the model. The file is written under a temporary name, fsynced
// and renamed into place (readers never see a torn file). Same layout as nn's
// serializeSafetensors: JSON header padded with spaces so the data starts 8-byte aligned.
import { SafetensorsError } from '@tensorlm/nn';
import type { Tensor } from '@tensorlm/tensor-core';

const DTYPES = {
  f32: { name: 'F32', size: 4 },
  i32: { name: 'I32', size: 4 },
  bool: { name: 'BOOL', size: 1 },
} as const;

/** Bytes a tensor takes in a safetensors file. */
export function storedBytes(t: Tensor): number {
  return t.shape.reduce((n, d) => n * d, 1) * DTYPES[t.dtype as keyof typeof DTYPES].size;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndianBytes(data: Float32Array | Int32Array | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < words.length; i++) view.setUint32(4 * i, words[i]!, true);
  return out;
}

/** Writes `entries` (in order) to `path` as safetensors, atomically. */
export async function writeSafetensorsStreaming(
  path: string,
  entries: readonly (readonly [string, Tensor])[],
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    if (!(t.dtype in DTYPES)) throw new SafetensorsError(path, `dtype ${t.dtype} cannot be saved`, name);
    if (name === '__metadata__' || Object.hasOwn(header, name)) {
      throw new SafetensorsError(path, 'duplicate or reserved tensor name', name);
    }
    const size = storedBytes(t);
    header[name] = {
      dtype: DTYPES[t.dtype as keyof typeof DTYPES].name,
      shape: [...t.shape],
      data_offsets: [offset, offset + size],
    };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.byteLength) / 8) * 8 - 8;
  const prefix = new Uint8Array(8 + padded).fill(0x20);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(padded), true);
  prefix.set(json, 8);

  const fs = await import('node:fs/promises');
  const temp = `${path}.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await fs.open(temp, 'wx');
  try {
    await handle.write(prefix);
    for (const [, t] of entries) {
      const data = (await t.data()) as Float32Array | Int32Array | Uint8Array;
      await handle.write(littleEndianBytes(data));
    }
    await handle.sync();
    await handle.close();
    await fs.rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

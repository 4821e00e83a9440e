// Safetensors streamed from a Blob (the browser's dropped file): a file written by Python's
// safetensors reads to the values Python stored, each tensor through its own slice; and
// hostile headers are refused on open, as from a file on disk.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openSafetensorsBlob } from './blob.js';

const PYTHON = readFileSync(new URL('../safetensors/fixtures/python-numpy.safetensors', import.meta.url));

/** A Blob that records every slice read from it. */
function countingBlob(bytes: Uint8Array): { blob: Blob; slices: [number, number][] } {
  const slices: [number, number][] = [];
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
  const slice = blob.slice.bind(blob);
  blob.slice = (start?: number, end?: number) => {
    slices.push([start ?? 0, end ?? bytes.byteLength]);
    return slice(start, end);
  };
  return { blob, slices };
}

function hostile(header: object, data: number[], claimedLength?: bigint): Blob {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + text.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, claimedLength ?? BigInt(text.length), true);
  bytes.set(text, 8);
  bytes.set(data, 8 + text.length);
  return new Blob([bytes]);
}

describe('openSafetensorsBlob', () => {
  it("reads Python's file to the values it stored, one slice per tensor", async () => {
    const { blob, slices } = countingBlob(PYTHON);
    const reader = await openSafetensorsBlob(new File([blob], 'python-numpy.safetensors'));
    expect(reader.path).toBe('python-numpy.safetensors');
    expect(reader.metadata).toEqual({ format: 'pt', source: 'safetensors 0.8.0' });
    expect(await reader.read('weight')).toEqual({
      dtype: 'f32',
      shape: [2, 3],
      data: new Float32Array([1, -2.5, 0.125, 3e-8, 65504, -0]),
    });
    expect([...(await reader.read('half')).data]).toEqual([
      1,
      -2,
      0.5,
      65504,
      2 ** -24,
      Number.POSITIVE_INFINITY,
    ]);
    expect((await reader.read('position_ids')).data).toEqual(new Int32Array([0, 1, 2, 3, 4]));
    await reader.close();
    await expect(reader.read('weight')).rejects.toThrow('the file was closed');
    // Only that tensor's bytes are read: one slice, at the data section's start + its offsets.
    const dataStart = 8 + Number(new DataView(PYTHON.buffer, PYTHON.byteOffset).getBigUint64(0, true));
    const again = await openSafetensorsBlob(blob, 'x.safetensors');
    const before = slices.length;
    const [begin, end] = again.info('weight').dataOffsets;
    await again.read('weight');
    expect(slices.slice(before)).toEqual([[dataStart + begin, dataStart + end]]);
  });

  it('refuses hostile headers on open, naming the file', async () => {
    await expect(openSafetensorsBlob(hostile({}, [], 2n ** 62n), 'huge.safetensors')).rejects.toThrow(
      /huge\.safetensors: header length 4611686018427387904 is over/,
    );
    const overlapping = hostile(
      {
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] },
      },
      [0, 0, 0, 0, 0, 0],
    );
    await expect(openSafetensorsBlob(overlapping, 'overlap.safetensors')).rejects.toThrow(
      /overlap\.safetensors/,
    );
    const past = hostile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [0, 0, 0, 0]);
    await expect(openSafetensorsBlob(past, 'short.safetensors')).rejects.toThrow(/short\.safetensors/);
    await expect(openSafetensorsBlob(new Blob([new Uint8Array(3)]))).rejects.toThrow(
      /<blob>: 3 bytes is too short/,
    );
  });
});

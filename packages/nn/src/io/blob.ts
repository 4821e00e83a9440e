// Safetensors from a Blob or File (a browser's dropped file, a Cache Storage response's
// blob): the header, then each tensor through `blob.slice(begin, end).arrayBuffer()`, so a
// large checkpoint is never read whole into memory. No `node:` import: browser-safe.
import { SafetensorsError } from '../safetensors/read.js';
import { type ByteRangeSource, openSafetensorsFrom, type SafetensorsReader } from './reader.js';

/** A byte-range source over a Blob; reads are checked to return exactly what was asked. */
export function blobByteSource(blob: Blob, name: string): ByteRangeSource {
  return {
    size: blob.size,
    read: async (offset, length) => {
      if (offset < 0 || length < 0 || offset + length > blob.size) {
        throw new SafetensorsError(
          name,
          `read of ${length} bytes at ${offset} is outside its ${blob.size} bytes`,
        );
      }
      const bytes = new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
      if (bytes.byteLength !== length) {
        throw new SafetensorsError(
          name,
          `the file ended at byte ${offset + bytes.byteLength} (it changed while being read?)`,
        );
      }
      return bytes;
    },
    close: async () => {},
  };
}

/**
 * Opens a safetensors Blob (or File) for streaming reads, with the checks of
 * `openSafetensors`. `name` labels errors (default: the File's name, else '<blob>').
 */
export async function openSafetensorsBlob(blob: Blob, name?: string): Promise<SafetensorsReader> {
  const label = name ?? ((blob as { name?: unknown }).name as string | undefined) ?? '<blob>';
  return openSafetensorsFrom(label, blobByteSource(blob, label));
}

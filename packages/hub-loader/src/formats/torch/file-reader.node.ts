// A `RandomAccessReader` over a file on disk: positional reads from one handle, so a
// multi-gigabyte checkpoint is never read whole.
import { open } from 'node:fs/promises';
import type { RandomAccessReader } from './random-access.js';

/** Opens `path` for positional reads; the caller closes the reader. */
export async function openFileReader(path: string): Promise<RandomAccessReader> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  let closed = false;
  return {
    name: path,
    size,
    fresh: true,
    read: async (offset, length) => {
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new RangeError(`${path}: read of ${length} bytes at ${offset} is outside its ${size} bytes`);
      }
      const out = new Uint8Array(length);
      let done = 0;
      // A positional read may return fewer bytes than asked; loop until all are in.
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0)
          throw new RangeError(`${path}: the file ended at ${offset + done} (was it truncated?)`);
        done += bytesRead;
      }
      return out;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

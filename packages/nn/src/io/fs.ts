// Node file I/O for safetensors: atomic writes (temp file in the same folder, fsync,
// rename), whole-file reads, and streaming reads (./reader.ts over a file handle); errors
// name the path. Only the Node entry (src/index.ts) reaches this file; the browser entry
// reads Blobs through ./blob.ts instead.
import type { StateDictLike } from '../module/module.js';
import { parseSafetensors, SafetensorsError, type SafetensorsFile } from '../safetensors/read.js';
import { stateDictToSafetensors } from '../safetensors/state-dict.js';
import type { SerializeOptions } from '../safetensors/write.js';
import { type ByteRangeSource, openSafetensorsFrom, type SafetensorsReader } from './reader.js';

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/**
 * Writes `data` to `path` atomically: readers see the old file or the complete new one,
 * never a torn write, even if the process dies mid-way.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const fs = await nodeFs();
  const temp = `${path}.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.tmp`;
  let handle: Awaited<ReturnType<typeof fs.open>> | null = null;
  try {
    handle = await fs.open(temp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

/** Saves a state dict as a safetensors file (atomically). */
export async function saveSafetensors(
  path: string,
  stateDict: StateDictLike,
  options: SerializeOptions = {},
): Promise<void> {
  const bytes = await stateDictToSafetensors(stateDict, { source: path, ...options });
  await writeFileAtomic(path, bytes);
}

/** Reads and validates a safetensors file; errors name `path` and the tensor at fault. */
export async function loadSafetensors(path: string): Promise<SafetensorsFile> {
  const fs = await nodeFs();
  const bytes = await fs.readFile(path);
  return parseSafetensors(bytes, { source: path });
}

type FileHandle = Awaited<ReturnType<typeof import('node:fs/promises').open>>;

/** A byte-range source over a file handle: positional reads, looping until all bytes are in. */
function fileByteSource(handle: FileHandle, size: number, path: string): ByteRangeSource {
  return {
    size,
    read: async (offset, length) => {
      const into = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(into, done, length - done, offset + done);
        if (bytesRead === 0) {
          throw new SafetensorsError(
            path,
            `the file ended at byte ${offset + done} (it shrank while being read?)`,
          );
        }
        done += bytesRead;
      }
      return into;
    },
    close: () => handle.close(),
  };
}

/**
 * Opens a safetensors file for streaming reads (see `SafetensorsReader`). Everything
 * `parseSafetensors` refuses is refused here, before any tensor is read: a header length
 * over `MAX_HEADER_BYTES`, offsets past the end of the file, overlapping offsets. Errors
 * name the path.
 */
export async function openSafetensors(path: string): Promise<SafetensorsReader> {
  const fs = await nodeFs();
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw new SafetensorsError(path, `cannot open: ${(error as Error).message}`);
  }
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return openSafetensorsFrom(path, fileByteSource(handle, size, path));
}

// Node file I/O for safetensors: atomic writes (temp file in the same folder, fsync,
// rename), whole-file reads, and streaming reads (header, then one tensor at a time from a
// file handle); errors name the path. node:fs is imported lazily so the rest of
// the package bundles for browsers.
import type { StateDictLike } from '../module/module.js';
import {
  decodeSafetensor,
  type HostTensor,
  parseSafetensors,
  parseSafetensorsHeader,
  SafetensorsError,
  type SafetensorsFile,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  safetensorsHeaderLength,
} from '../safetensors/read.js';
import { stateDictToSafetensors } from '../safetensors/state-dict.js';
import type { SerializeOptions } from '../safetensors/write.js';

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

/**
 * A safetensors file opened for reading one tensor at a time: the header is read and
 * validated against the file's size on open, and `read(name)` fetches only that tensor's
 * bytes from the handle, so memory stays near one tensor plus the header however large the
 * file. Close it when done.
 */
export class SafetensorsReader {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in header order. */
  readonly tensors: readonly SafetensorsTensorInfo[];
  readonly #byName: Map<string, SafetensorsTensorInfo>;
  readonly #dataStart: number;
  #handle: FileHandle | null;

  /** @internal Use `openSafetensors`. */
  constructor(path: string, handle: FileHandle, header: SafetensorsHeader) {
    this.path = path;
    this.metadata = header.metadata;
    this.tensors = header.tensors;
    this.#byName = new Map(header.tensors.map((t) => [t.name, t]));
    this.#dataStart = header.dataStart;
    this.#handle = handle;
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.#byName.get(name);
    if (!info) throw new SafetensorsError(this.path, 'no such tensor in the file', name);
    return info;
  }

  /** The tensor's raw little-endian bytes, read from the file. */
  async raw(name: string): Promise<Uint8Array> {
    const info = this.info(name);
    if (!this.#handle) throw new SafetensorsError(this.path, 'the file was closed', name);
    const [begin, end] = info.dataOffsets;
    const bytes = new Uint8Array(end - begin);
    await readExactly(this.#handle, bytes, this.#dataStart + begin, this.path);
    return bytes;
  }

  /** The tensor decoded to f32 (F32/F16/BF16/F64), i32 (integer types) or bool. */
  async read(name: string): Promise<HostTensor> {
    const info = this.info(name);
    const raw = await this.raw(name);
    // F32 on a little-endian host is used in place (the read buffer is fresh and aligned): one copy, not two.
    if (info.dtype === 'F32' && LITTLE_ENDIAN) {
      return {
        dtype: 'f32',
        shape: info.shape,
        data: new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4),
      };
    }
    return decodeSafetensor(this.path, info, raw);
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

type FileHandle = Awaited<ReturnType<typeof import('node:fs/promises').open>>;

async function readExactly(
  handle: FileHandle,
  into: Uint8Array,
  position: number,
  path: string,
): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await handle.read(into, done, into.byteLength - done, position + done);
    if (bytesRead === 0) {
      throw new SafetensorsError(
        path,
        `the file ended at byte ${position + done} (it shrank while being read?)`,
      );
    }
    done += bytesRead;
  }
}

/**
 * Opens a safetensors file for streaming reads. Everything `parseSafetensors` refuses is
 * refused here, before any tensor is read: a header length over `MAX_HEADER_BYTES`, offsets
 * past the end of the file, overlapping offsets. Errors name the path.
 */
export async function openSafetensors(path: string): Promise<SafetensorsReader> {
  const fs = await nodeFs();
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw new SafetensorsError(path, `cannot open: ${(error as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    const first8 = new Uint8Array(Math.min(8, size));
    await readExactly(handle, first8, 0, path);
    const headerLength = safetensorsHeaderLength(first8, path);
    if (8 + headerLength > size) {
      throw new SafetensorsError(
        path,
        `header claims ${headerLength} bytes but only ${size - 8} follow the length (truncated?)`,
      );
    }
    const prefix = new Uint8Array(8 + headerLength);
    await readExactly(handle, prefix, 0, path);
    const header = parseSafetensorsHeader(prefix, size - 8 - headerLength, { source: path });
    return new SafetensorsReader(path, handle, header);
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

// The streaming safetensors reader, independent of where the bytes live: a file handle in
// Node (./fs.ts), a Blob or File in a browser (./blob.ts). The header is read and validated
// against the total size on open; `read(name)` then fetches only that tensor's bytes, so
// memory stays near one tensor plus the header however large the file.
import {
  decodeSafetensor,
  type HostTensor,
  parseSafetensorsHeader,
  SafetensorsError,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  safetensorsHeaderLength,
} from '../safetensors/read.js';

/** Bytes at an offset of some storage: what the reader needs from a file or a Blob. */
export interface ByteRangeSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Exactly `length` fresh bytes starting at `offset` (within `size`), or an error naming the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases the underlying handle; called once. */
  close(): Promise<void>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A safetensors file opened for reading one tensor at a time (see the file header).
 * Open one with `openSafetensors(path)` (Node) or `openSafetensorsBlob(blob)`; close it when done.
 */
export class SafetensorsReader {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in header order. */
  readonly tensors: readonly SafetensorsTensorInfo[];
  readonly #byName: Map<string, SafetensorsTensorInfo>;
  readonly #dataStart: number;
  #source: ByteRangeSource | null;

  /** @internal Use `openSafetensors`, `openSafetensorsBlob` or `openSafetensorsFrom`. */
  constructor(path: string, source: ByteRangeSource, header: SafetensorsHeader) {
    this.path = path;
    this.metadata = header.metadata;
    this.tensors = header.tensors;
    this.#byName = new Map(header.tensors.map((t) => [t.name, t]));
    this.#dataStart = header.dataStart;
    this.#source = source;
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.#byName.get(name);
    if (!info) throw new SafetensorsError(this.path, 'no such tensor in the file', name);
    return info;
  }

  /** The tensor's raw little-endian bytes, read from the storage. */
  async raw(name: string): Promise<Uint8Array> {
    const info = this.info(name);
    if (!this.#source) throw new SafetensorsError(this.path, 'the file was closed', name);
    const [begin, end] = info.dataOffsets;
    return this.#source.read(this.#dataStart + begin, end - begin);
  }

  /** The tensor decoded to f32 (F32/F16/BF16/F64), i32 (integer types) or bool. */
  async read(name: string): Promise<HostTensor> {
    const info = this.info(name);
    const raw = await this.raw(name);
    // F32 on a little-endian host is used in place when aligned (the read buffer is fresh): one copy, not two.
    if (info.dtype === 'F32' && LITTLE_ENDIAN && raw.byteOffset % 4 === 0) {
      return {
        dtype: 'f32',
        shape: info.shape,
        data: new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4),
      };
    }
    return decodeSafetensor(this.path, info, raw);
  }

  async close(): Promise<void> {
    const source = this.#source;
    this.#source = null;
    await source?.close();
  }
}

/**
 * Opens safetensors bytes behind `source` for streaming reads. Everything `parseSafetensors`
 * refuses is refused here, before any tensor is read: a header length over
 * `MAX_HEADER_BYTES`, offsets past the end, overlapping offsets. Errors name `path`. The
 * source is closed when opening fails.
 */
export async function openSafetensorsFrom(path: string, source: ByteRangeSource): Promise<SafetensorsReader> {
  try {
    const { size } = source;
    const first8 = await source.read(0, Math.min(8, size));
    const headerLength = safetensorsHeaderLength(first8, path);
    if (8 + headerLength > size) {
      throw new SafetensorsError(
        path,
        `header claims ${headerLength} bytes but only ${size - 8} follow the length (truncated?)`,
      );
    }
    const prefix = await source.read(0, 8 + headerLength);
    const header = parseSafetensorsHeader(prefix, size - 8 - headerLength, { source: path });
    return new SafetensorsReader(path, source, header);
  } catch (error) {
    await source.close().catch(() => {});
    throw error;
  }
}

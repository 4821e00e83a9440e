// A ZIP reader over a `RandomAccessReader`, for PyTorch's archive layout: it reads the end
// record (ZIP64's too) and the central directory when opened, and entry data only on
// request — a whole entry, or a byte range of a stored one (a tensor out of a storage), so
// a checkpoint is never read whole. Everything a hostile archive could use to escape or to
// make us allocate is refused up front: names with a `..` segment or an absolute path,
// entries running past the archive data, sizes that disagree, encryption, multi-disk.
import { TorchFormatError } from './errors.js';
import type { InflateRaw } from './inflate.js';
import type { RandomAccessReader } from './random-access.js';

export interface ZipEntry {
  readonly name: string;
  readonly method: 'stored' | 'deflated';
  /** Bytes the entry occupies in the archive. */
  readonly compressedSize: number;
  /** Bytes the entry holds once decompressed. */
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT = 0xffff;
/** The first tail searched for the end record: enough for any archive without a long comment. */
const SHORT_TAIL = 1024;
/** A central directory past this is not a checkpoint's (torch's hold a few entries per tensor). */
const MAX_CENTRAL_DIRECTORY_BYTES = 256 * 1024 * 1024;

/** The method numbers a zip may name, for messages about the ones we do not read. */
const METHOD_NAMES: Record<number, string> = {
  1: 'shrink',
  6: 'implode',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  93: 'zstd',
  95: 'xz',
};

function u16(view: DataView, at: number): number {
  return view.getUint16(at, true);
}
function u32(view: DataView, at: number): number {
  return view.getUint32(at, true);
}
function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A name that stays inside the archive: relative, no `..` segment, no drive, no NUL. */
export function isSafeEntryName(name: string): boolean {
  if (name === '' || name.includes('\0')) return false;
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return false;
  return !name.split(/[/\\]/).includes('..');
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the zip / PNG polynomial). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export class ZipArchive {
  readonly reader: RandomAccessReader;
  /** Entries by name, in central-directory order. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** Where entry data must end: the start of the central directory. */
  readonly dataEnd: number;
  readonly #inflateRaw: InflateRaw | null;
  readonly #dataOffsets = new Map<string, number>();

  private constructor(
    reader: RandomAccessReader,
    entries: Map<string, ZipEntry>,
    dataEnd: number,
    inflateRaw: InflateRaw | null,
  ) {
    this.reader = reader;
    this.entries = entries;
    this.dataEnd = dataEnd;
    this.#inflateRaw = inflateRaw;
  }

  #fail(message: string): never {
    throw new TorchFormatError('TORCH_ARCHIVE_INVALID', this.reader.name, message);
  }

  /**
   * Reads and validates the end record and central directory. Returns null when the
   * bytes are not a zip at all (no end record), so the caller can say what they are.
   */
  static async open(
    reader: RandomAccessReader,
    options: { inflateRaw?: InflateRaw | null } = {},
  ): Promise<ZipArchive | null> {
    const file = reader.name;
    const fail = (message: string): never => {
      throw new TorchFormatError('TORCH_ARCHIVE_INVALID', file, message);
    };
    if (reader.size < EOCD_SIZE) return null;
    // The end record is the last signature whose comment runs exactly to the end of the
    // file. Look in a short tail first (torch writes no comment), then in the longest one.
    let tailStart = 0;
    let tail: Uint8Array = new Uint8Array(0);
    let eocd = -1;
    for (const window of [
      Math.min(reader.size, SHORT_TAIL),
      Math.min(reader.size, EOCD_SIZE + MAX_COMMENT),
    ]) {
      if (window <= tail.length) break;
      tailStart = reader.size - window;
      tail = await reader.read(tailStart, window);
      eocd = findEndRecord(tail);
      if (eocd >= 0) break;
    }
    const tailView = viewOf(tail);
    if (eocd < 0) return null;
    const eocdOffset = tailStart + eocd;
    if (u16(tailView, eocd + 4) !== 0 || u16(tailView, eocd + 6) !== 0) {
      fail('a multi-disk (split) zip archive is not supported');
    }
    let count = u16(tailView, eocd + 10);
    let cdSize = u32(tailView, eocd + 12);
    let cdOffset = u32(tailView, eocd + 16);
    let cdLimit = eocdOffset;

    const locatorAt = eocdOffset - ZIP64_LOCATOR_SIZE;
    const locator = locatorAt >= 0 ? await reader.read(locatorAt, ZIP64_LOCATOR_SIZE) : null;
    if (locator && u32(viewOf(locator), 0) === ZIP64_LOCATOR_SIGNATURE) {
      const record = toSafeNumber(viewOf(locator).getBigUint64(8, true));
      if (record === null || record + 56 > locatorAt) fail('the ZIP64 end record lies outside the archive');
      const z = viewOf(await reader.read(record!, 56));
      if (u32(z, 0) !== ZIP64_EOCD_SIGNATURE) fail('the ZIP64 locator does not point at a ZIP64 end record');
      const values = [z.getBigUint64(32, true), z.getBigUint64(40, true), z.getBigUint64(48, true)].map(
        toSafeNumber,
      );
      if (values.some((v) => v === null)) fail('the ZIP64 end record holds sizes past 2^53');
      [count, cdSize, cdOffset] = values as [number, number, number];
      cdLimit = record!;
    } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      fail('the end record asks for ZIP64 values but there is no ZIP64 end record');
    }
    if (cdOffset + cdSize > cdLimit) {
      fail(`the central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the archive`);
    }
    if (cdSize > MAX_CENTRAL_DIRECTORY_BYTES)
      fail(`a ${cdSize}-byte central directory is not a checkpoint's`);
    if (count * CENTRAL_HEADER_SIZE > cdSize) {
      fail(
        `the end record announces ${count} entries, more than a ${cdSize}-byte central directory can hold`,
      );
    }

    const cd = await reader.read(cdOffset, cdSize);
    const view = viewOf(cd);
    const entries = new Map<string, ZipEntry>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + CENTRAL_HEADER_SIZE > cdSize || u32(view, p) !== CENTRAL_SIGNATURE) {
        fail(`central directory entry ${i} is malformed (no signature at byte ${cdOffset + p})`);
      }
      const flags = u16(view, p + 8);
      const method = u16(view, p + 10);
      const crc = u32(view, p + 16);
      let compressedSize = u32(view, p + 20);
      let size = u32(view, p + 24);
      const nameLength = u16(view, p + 28);
      const extraLength = u16(view, p + 30);
      const commentLength = u16(view, p + 32);
      let localHeaderOffset = u32(view, p + 42);
      const end = p + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
      if (end > cdSize) fail(`central directory entry ${i} runs past the central directory`);
      const nameBytes = cd.subarray(p + CENTRAL_HEADER_SIZE, p + CENTRAL_HEADER_SIZE + nameLength);
      const name = decodeName(nameBytes);
      if (!isSafeEntryName(name)) {
        fail(`entry '${name}' points outside the archive (an absolute path or a '..' segment): refused`);
      }
      if (flags & 0x1) fail(`entry '${name}' is encrypted`);
      if (method !== 0 && method !== 8) {
        fail(
          `entry '${name}' uses compression method ${method}${METHOD_NAMES[method] ? ` (${METHOD_NAMES[method]})` : ''}; only stored and deflated entries are read`,
        );
      }
      // ZIP64 extra field: 64-bit values replace the 32-bit fields that are all ones, in order.
      const extra = viewOf(
        cd.subarray(p + CENTRAL_HEADER_SIZE + nameLength, p + CENTRAL_HEADER_SIZE + nameLength + extraLength),
      );
      for (let q = 0; q + 4 <= extra.byteLength; ) {
        const id = u16(extra, q);
        const length = u16(extra, q + 2);
        if (q + 4 + length > extra.byteLength) fail(`entry '${name}' has a malformed extra field`);
        if (id === 0x0001) {
          let r = q + 4;
          const next = (): number => {
            if (r + 8 > q + 4 + length) fail(`entry '${name}' has a short ZIP64 extra field`);
            const value = toSafeNumber(extra.getBigUint64(r, true));
            r += 8;
            if (value === null) fail(`entry '${name}' declares a size or offset past 2^53`);
            return value!;
          };
          if (size === 0xffffffff) size = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
        }
        q += 4 + length;
      }
      if (method === 0 && compressedSize !== size) {
        fail(
          `stored entry '${name}' declares ${compressedSize} bytes in the archive but ${size} bytes of content`,
        );
      }
      if (localHeaderOffset + LOCAL_HEADER_SIZE + nameLength + compressedSize > cdOffset) {
        fail(
          `entry '${name}' declares ${compressedSize} bytes at offset ${localHeaderOffset}, past the end of the archive's data (byte ${cdOffset}; file truncated?)`,
        );
      }
      if (entries.has(name)) fail(`entry '${name}' appears twice`);
      entries.set(name, {
        name,
        method: method === 0 ? 'stored' : 'deflated',
        compressedSize,
        size,
        crc32: crc,
        localHeaderOffset,
      });
      p = end;
    }
    return new ZipArchive(reader, entries, cdOffset, options.inflateRaw ?? null);
  }

  /** Where an entry's data starts, from its local header (checked against the central one). */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const known = this.#dataOffsets.get(entry.name);
    if (known !== undefined) return known;
    const header = viewOf(await this.reader.read(entry.localHeaderOffset, LOCAL_HEADER_SIZE));
    if (u32(header, 0) !== LOCAL_SIGNATURE)
      this.#fail(`entry '${entry.name}' has no local header where the directory says`);
    const nameLength = u16(header, 26);
    const extraLength = u16(header, 28);
    const localName = decodeName(
      await this.reader.read(entry.localHeaderOffset + LOCAL_HEADER_SIZE, nameLength),
    );
    if (localName !== entry.name) {
      this.#fail(`entry '${entry.name}' is named '${localName}' in its local header`);
    }
    const offset = entry.localHeaderOffset + LOCAL_HEADER_SIZE + nameLength + extraLength;
    if (offset + entry.compressedSize > this.dataEnd) {
      this.#fail(
        `entry '${entry.name}' (${entry.compressedSize} bytes at ${offset}) runs past the end of the archive's data`,
      );
    }
    this.#dataOffsets.set(entry.name, offset);
    return offset;
  }

  /** The entry's whole content, decompressed; `verifyCrc` checks it against the directory. */
  async read(entry: ZipEntry, options: { verifyCrc?: boolean } = {}): Promise<Uint8Array> {
    const offset = await this.dataOffset(entry);
    const raw = await this.reader.read(offset, entry.compressedSize);
    let content = raw;
    if (entry.method === 'deflated') {
      if (!this.#inflateRaw)
        this.#fail(`entry '${entry.name}' is deflated and no decompressor is available here`);
      const inflated = await this.#inflateRaw!(raw, entry.size);
      if (inflated === null) {
        this.#fail(
          `entry '${entry.name}' does not inflate to the ${entry.size} bytes its directory entry declares`,
        );
      }
      content = inflated!;
    }
    if (options.verifyCrc && crc32(content) !== entry.crc32) {
      this.#fail(`entry '${entry.name}' fails its CRC-32 check (corrupt file?)`);
    }
    return content;
  }

  /** `length` bytes from `start` of the entry's content: a direct read for stored entries. */
  async readRange(entry: ZipEntry, start: number, length: number): Promise<Uint8Array> {
    if (start < 0 || length < 0 || start + length > entry.size) {
      this.#fail(
        `bytes [${start}, ${start + length}) lie outside entry '${entry.name}' (${entry.size} bytes)`,
      );
    }
    if (entry.method === 'stored') return this.reader.read((await this.dataOffset(entry)) + start, length);
    return (await this.read(entry)).subarray(start, start + length);
  }
}

/** The offset of the end-of-central-directory record in `tail` (which ends the file), or -1. */
function findEndRecord(tail: Uint8Array): number {
  const view = viewOf(tail);
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (u32(view, i) === EOCD_SIGNATURE && i + EOCD_SIZE + u16(view, i + 20) === tail.length) return i;
  }
  return -1;
}

function toSafeNumber(value: bigint): number | null {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

/** Entry names: UTF-8 (what torch writes, flag 11 or not); invalid bytes read as Latin-1. */
function decodeName(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return String.fromCharCode(...bytes);
  }
}

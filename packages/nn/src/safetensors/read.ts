// Reading the safetensors format from bytes (browser or Node): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__}, then the
// tensors' bytes. Everything is validated up front, and every error names the file and,
// where one is at fault, the tensor.
import { NnError } from '../errors.js';
import {
  type DecodedKind,
  decodedKind,
  decodeElements,
  isSafetensorsDType,
  SAFETENSORS_DTYPE_SIZES,
  type SafetensorsDType,
} from './dtypes.js';

/** Headers larger than this are refused as corrupt (the reference library's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

export class SafetensorsError extends NnError {
  /** The file (or buffer label) being read or written. */
  readonly file: string;
  /** The tensor at fault, when one is. */
  readonly tensor: string | null;

  constructor(file: string, message: string, tensor: string | null = null) {
    super(`${file}: ${tensor === null ? '' : `tensor '${tensor}': `}${message}`, {
      code: 'SAFETENSORS_INVALID',
    });
    this.name = 'SafetensorsError';
    this.file = file;
    this.tensor = tensor;
  }
}

export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** [begin, end) in bytes, relative to the start of the data section. */
  readonly dataOffsets: readonly [number, number];
}

/** A tensor on the host: what a safetensors entry decodes to and what the writer takes. */
export interface HostTensor {
  readonly dtype: DecodedKind;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

function toBytes(input: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return new Uint8Array(input);
}

const isNonNegativeInt = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A parsed, validated safetensors file; tensors are decoded on request. */
export class SafetensorsFile {
  readonly source: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in header order. */
  readonly tensors: readonly SafetensorsTensorInfo[];
  readonly #byName: Map<string, SafetensorsTensorInfo>;
  readonly #data: Uint8Array;

  /** @internal Use `parseSafetensors`. */
  constructor(
    source: string,
    metadata: Record<string, string>,
    tensors: SafetensorsTensorInfo[],
    data: Uint8Array,
  ) {
    this.source = source;
    this.metadata = metadata;
    this.tensors = tensors;
    this.#byName = new Map(tensors.map((t) => [t.name, t]));
    this.#data = data;
  }

  names(): string[] {
    return this.tensors.map((t) => t.name);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.#byName.get(name);
    if (!info) throw new SafetensorsError(this.source, 'no such tensor in the file', name);
    return info;
  }

  /** The tensor's raw little-endian bytes (a view into the file, not a copy). */
  raw(name: string): Uint8Array {
    const { dataOffsets } = this.info(name);
    return this.#data.subarray(dataOffsets[0], dataOffsets[1]);
  }

  /** The tensor decoded to f32 (F32/F16/BF16/F64), i32 (integer types) or bool. */
  get(name: string): HostTensor {
    return decodeSafetensor(this.source, this.info(name), this.raw(name));
  }
}

/**
 * Decodes one tensor's raw bytes (exactly its data_offsets span) to f32 (F32/F16/BF16/F64),
 * i32 (integer types) or bool; errors name `source` and the tensor.
 */
export function decodeSafetensor(source: string, info: SafetensorsTensorInfo, raw: Uint8Array): HostTensor {
  const kind = decodedKind(info.dtype);
  if (kind === null) {
    throw new SafetensorsError(
      source,
      `dtype ${info.dtype} cannot be read (supported: F32, F16, BF16, F64, integers, BOOL)`,
      info.name,
    );
  }
  const count = info.shape.reduce((n, d) => n * d, 1);
  const data = decodeElements(info.dtype, raw, count);
  if ('outOfRange' in data) {
    throw new SafetensorsError(
      source,
      `element ${data.outOfRange} of this ${info.dtype} tensor does not fit in i32`,
      info.name,
    );
  }
  return { dtype: kind, shape: info.shape, data };
}

/** The parsed, validated header of a safetensors file (the data section not read). */
export interface SafetensorsHeader {
  readonly metadata: Record<string, string>;
  /** Tensors in header order. */
  readonly tensors: SafetensorsTensorInfo[];
  /** Bytes before the data section: 8 + the header length. */
  readonly dataStart: number;
}

/**
 * The header length a safetensors file's first 8 bytes announce, refused above
 * `MAX_HEADER_BYTES` (a header claiming 2^62 bytes is corrupt or hostile, never allocated).
 */
export function safetensorsHeaderLength(first8: Uint8Array, source: string): number {
  if (first8.byteLength < 8) {
    throw new SafetensorsError(
      source,
      `${first8.byteLength} bytes is too short: a safetensors file starts with an 8-byte header length (truncated?)`,
    );
  }
  const headerLength = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      source,
      `header length ${headerLength} is over ${MAX_HEADER_BYTES} bytes: not a safetensors file, or corrupt`,
    );
  }
  return Number(headerLength);
}

/**
 * Parses and validates a safetensors header — `prefix` is the file's first 8 + n bytes —
 * against the size of the data section that follows it, without reading that section
 * (so a reader can fetch one tensor at a time from a file handle). Rejected: a truncated
 * length or header, a header that is not a JSON object, an entry with an unknown dtype, a
 * bad shape or offsets whose span does not match dtype × shape, and data offsets that
 * leave gaps, overlap, or run past the end.
 */
export function parseSafetensorsHeader(
  prefix: Uint8Array,
  dataByteLength: number,
  options: { source?: string } = {},
): SafetensorsHeader {
  const source = options.source ?? '<safetensors buffer>';
  const fail = (message: string, tensor: string | null = null): never => {
    throw new SafetensorsError(source, message, tensor);
  };
  const n = safetensorsHeaderLength(prefix, source);
  if (8 + n > prefix.byteLength) {
    fail(`header claims ${n} bytes but only ${prefix.byteLength - 8} follow the length (truncated?)`);
  }
  let headerText = '';
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (error) {
    fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header must be a JSON object');

  let metadata: Record<string, string> = {};
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      const ok = typeof entry === 'object' && entry !== null && !Array.isArray(entry);
      if (!ok || Object.values(entry).some((v) => typeof v !== 'string')) {
        fail('__metadata__ must be an object of string values');
      }
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    if (typeof entry !== 'object' || entry === null) fail('header entry must be an object', name);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (!isSafetensorsDType(dtype)) {
      fail(
        `unknown dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(SAFETENSORS_DTYPE_SIZES).join(', ')})`,
        name,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
      fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`, name);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every(isNonNegativeInt) ||
      offsets[0]! > offsets[1]!
    ) {
      fail(`data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`, name);
    }
    const [begin, end] = offsets as [number, number];
    const expected =
      (shape as number[]).reduce((p, d) => p * d, 1) * SAFETENSORS_DTYPE_SIZES[dtype as SafetensorsDType];
    if (end - begin !== expected) {
      fail(
        `${dtype} [${(shape as number[]).join(', ')}] needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
        name,
      );
    }
    tensors.push({
      name,
      dtype: dtype as SafetensorsDType,
      shape: shape as number[],
      dataOffsets: [begin, end],
    });
  }

  // The data section must be covered exactly: no gaps, no overlaps, nothing past the end.
  const byOffset = [...tensors].sort(
    (a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
  );
  let cursor = 0;
  for (const t of byOffset) {
    const [begin, end] = t.dataOffsets;
    if (end > dataByteLength) {
      fail(
        `data_offsets [${begin}, ${end}] run past the end of the ${dataByteLength}-byte data section (file truncated?)`,
        t.name,
      );
    }
    if (begin !== cursor) {
      fail(
        begin > cursor
          ? `data_offsets [${begin}, ${end}] leave a gap after byte ${cursor}`
          : `data_offsets [${begin}, ${end}] overlap the previous tensor (which ends at ${cursor})`,
        t.name,
      );
    }
    cursor = end;
  }
  if (cursor !== dataByteLength) {
    fail(`the tensors cover ${cursor} bytes but the data section has ${dataByteLength} (trailing bytes)`);
  }
  return { metadata, tensors, dataStart: 8 + n };
}

/**
 * Parses and validates a safetensors buffer. `source` names it in errors (a file path).
 * Everything `parseSafetensorsHeader` refuses is refused here.
 */
export function parseSafetensors(
  input: ArrayBuffer | ArrayBufferView,
  options: { source?: string } = {},
): SafetensorsFile {
  const source = options.source ?? '<safetensors buffer>';
  const bytes = toBytes(input);
  const headerLength = safetensorsHeaderLength(bytes, source);
  const dataByteLength = Math.max(0, bytes.byteLength - 8 - headerLength);
  const { metadata, tensors, dataStart } = parseSafetensorsHeader(bytes, dataByteLength, { source });
  return new SafetensorsFile(source, metadata, tensors, bytes.subarray(dataStart));
}

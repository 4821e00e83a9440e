// `pytorch_model.bin` as torch.save (≥ 1.6) writes it: a zip holding `<name>/data.pkl`
// (the state dict, pickled, tensors as persistent references to storages) and one entry
// `<name>/data/<key>` per storage. Opening reads the zip directory and the pickle only,
// through the restricted unpickler, and checks every tensor against its storage and every
// storage against its entry; `read` then fetches one tensor's bytes and decodes them.
// Pure: storage is a `RandomAccessReader`, so it runs in a browser as well as on Node.
import { decodeElements, type HostTensor } from '@tensorlm/nn';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

import { TorchFormatError } from './errors.js';
import { type InflateRaw, inflateRawWeb } from './inflate.js';
import { PickleDict, unpickle } from './pickle.js';
import type { RandomAccessReader } from './random-access.js';
import { elementCount, gatherStrided, isContiguous, lastElementIndex } from './strided.js';
import { isTensorRef, type TorchDType, type TorchTensorRef, torchPickleHooks } from './torch-globals.js';
import { ZipArchive, type ZipEntry } from './zip.js';

/** What the checkpoint says about one tensor, before any of its bytes are read. */
export interface TorchTensorInfo {
  readonly name: string;
  readonly dtype: TorchDType;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  /** In elements, from the start of the storage. */
  readonly storageOffset: number;
  /** The zip entry holding the storage. */
  readonly entry: string;
  /** Row-major (read directly) or a view that is gathered on read. */
  readonly contiguous: boolean;
}

/** torch < 1.6's `_legacy_save` starts with a pickled magic number: PROTO 2, LONG1 of 10 bytes. */
const LEGACY_MAGIC = new Uint8Array([
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
]);
/** data.pkl beyond this is not a state dict's (GPT-2 XL's is ~60 kB). */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

async function refuseNonZip(reader: RandomAccessReader): Promise<never> {
  const head = await reader.read(0, Math.min(reader.size, 512));
  const resave =
    're-save it with torch.save(torch.load(path), path) on torch ≥ 1.6, or convert it to safetensors';
  if (startsWith(head, LEGACY_MAGIC)) {
    throw new TorchFormatError(
      'TORCH_LEGACY_FORMAT',
      reader.name,
      `saved by torch < 1.6 without the zip format (a raw pickle stream); ${resave}`,
    );
  }
  // torch < 0.4 wrote tar archives ('ustar' at byte 257).
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') {
    throw new TorchFormatError(
      'TORCH_LEGACY_FORMAT',
      reader.name,
      `saved by torch < 0.4 as a tar archive; ${resave}`,
    );
  }
  throw new TorchFormatError(
    'TORCH_ARCHIVE_INVALID',
    reader.name,
    `not a PyTorch checkpoint: torch.save files are zip archives and this has no zip end record (${reader.size} bytes; truncated or another format?)`,
  );
}

export class TorchCheckpoint {
  readonly source: string;
  readonly #zip: ZipArchive;
  readonly #tensors: ReadonlyMap<string, TorchTensorInfo>;

  private constructor(source: string, zip: ZipArchive, tensors: Map<string, TorchTensorInfo>) {
    this.source = source;
    this.#zip = zip;
    this.#tensors = tensors;
  }

  /** Opens and validates a checkpoint; every structural fault is an error here, not at read. */
  static async open(
    reader: RandomAccessReader,
    options: { inflateRaw?: InflateRaw } = {},
  ): Promise<TorchCheckpoint> {
    const file = reader.name;
    const zip = await ZipArchive.open(reader, {
      inflateRaw: options.inflateRaw ?? (typeof DecompressionStream === 'function' ? inflateRawWeb : null),
    });
    if (!zip) return refuseNonZip(reader);

    const pickles = [...zip.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
    if (pickles.length !== 1) {
      throw new TorchFormatError(
        'TORCH_ARCHIVE_INVALID',
        file,
        pickles.length === 0
          ? 'this zip has no <name>/data.pkl entry, so it is not a torch.save checkpoint'
          : `this zip has ${pickles.length} data.pkl entries (${pickles.join(', ')}); torch.save writes one`,
      );
    }
    const part = pickles[0]!;
    const prefix = part.slice(0, -'data.pkl'.length);
    const pklEntry = zip.entries.get(part)!;
    if (pklEntry.size > MAX_PICKLE_BYTES) {
      throw new TorchFormatError(
        'TORCH_ARCHIVE_INVALID',
        file,
        `${part} is ${pklEntry.size} bytes: not a state dict`,
      );
    }
    const root = unpickle(await zip.read(pklEntry, { verifyCrc: true }), {
      file,
      part,
      ...torchPickleHooks(file),
    });

    const notStateDict = (message: string): never => {
      throw new TorchFormatError(
        'TORCH_NOT_A_STATE_DICT',
        file,
        `${message}; a pytorch_model.bin holds a flat {name: tensor} state dict (save model.state_dict())`,
      );
    };
    if (!(root instanceof PickleDict)) notStateDict('the pickled object is not a dict');
    const tensors = new Map<string, TorchTensorInfo>();
    for (const [name, value] of (root as PickleDict).items) {
      if (typeof name !== 'string') notStateDict(`key ${String(name)} is not a string`);
      if (!isTensorRef(value)) {
        notStateDict(
          `'${String(name)}' holds ${value instanceof PickleDict ? 'a dict' : 'something'} that is not a tensor`,
        );
      }
      tensors.set(name as string, tensorInfo(file, zip, prefix, name as string, value as TorchTensorRef));
    }
    return new TorchCheckpoint(file, zip, tensors);
  }

  /** Every tensor, in the order the state dict holds them. */
  tensors(): ReadonlyMap<string, TorchTensorInfo> {
    return this.#tensors;
  }

  /**
   * One tensor, decoded: F32/F16/BF16/F64 → f32, integers → i32 (an I64 outside the i32
   * range is an error naming the tensor), BOOL → 0/1 bytes. Reads only the bytes its view
   * spans; a strided view is made contiguous.
   */
  async read(name: string): Promise<HostTensor> {
    const info = this.#tensors.get(name);
    if (!info) {
      throw new TorchFormatError(
        'TORCH_NO_SUCH_TENSOR',
        this.source,
        `no tensor '${name}' in this checkpoint`,
      );
    }
    const entry = this.#zip.entries.get(info.entry)!;
    const es = elementBytesOf(info.dtype);
    const count = elementCount(info.shape);
    let bytes: Uint8Array;
    if (count === 0) {
      bytes = new Uint8Array(0);
    } else if (info.contiguous) {
      bytes = await this.#zip.readRange(entry, info.storageOffset * es, count * es);
    } else {
      const span = lastElementIndex(info.shape, info.stride) + 1;
      const raw = await this.#zip.readRange(entry, info.storageOffset * es, span * es);
      bytes = gatherStrided(raw, es, info.shape, info.stride);
    }
    // A contiguous F32 view read fresh from a stored entry is already the tensor's data
    // (little-endian, as torch writes it): keeping it saves a copy of every weight.
    if (
      info.dtype === 'F32' &&
      info.contiguous &&
      entry.method === 'stored' &&
      this.#zip.reader.fresh &&
      LITTLE_ENDIAN &&
      bytes.byteOffset % 4 === 0
    ) {
      return {
        dtype: 'f32',
        shape: info.shape,
        data: new Float32Array(bytes.buffer, bytes.byteOffset, count),
      };
    }
    const data = decodeElements(info.dtype, bytes, count);
    if ('outOfRange' in data) {
      const value = new DataView(bytes.buffer, bytes.byteOffset).getBigInt64(data.outOfRange * 8, true);
      throw new TorchFormatError(
        'TORCH_TENSOR_INVALID',
        this.source,
        `tensor '${name}': element ${data.outOfRange} (${value}) of this I64 tensor does not fit in i32`,
      );
    }
    const kind = info.dtype === 'BOOL' ? 'bool' : data instanceof Float32Array ? 'f32' : 'i32';
    return { dtype: kind, shape: info.shape, data };
  }

  async close(): Promise<void> {
    await this.#zip.reader.close();
  }
}

function elementBytesOf(dtype: TorchDType): number {
  return { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 }[dtype];
}

/** Checks one tensor against its storage and the storage against its zip entry. */
function tensorInfo(
  file: string,
  zip: ZipArchive,
  prefix: string,
  name: string,
  ref: TorchTensorRef,
): TorchTensorInfo {
  const { storage, shape, stride, storageOffset } = ref;
  const entryName = `${prefix}data/${storage.key}`;
  if (storage.dtype === null) {
    throw new TorchFormatError(
      'TORCH_UNSUPPORTED_DTYPE',
      file,
      `tensor '${name}' is stored as torch.${storage.storageClass}, which tensorlm cannot read (supported: ${['Float', 'Half', 'BFloat16', 'Double', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool'].map((s) => `${s}Storage`).join(', ')})`,
    );
  }
  const entry: ZipEntry | undefined = zip.entries.get(entryName);
  if (!entry) {
    throw new TorchFormatError(
      'TORCH_ARCHIVE_INVALID',
      file,
      `tensor '${name}' uses storage '${storage.key}', but the archive has no entry ${entryName}`,
    );
  }
  const storageBytes = storage.numel * storage.elementBytes;
  if (storageBytes > entry.size) {
    throw new TorchFormatError(
      'TORCH_ARCHIVE_INVALID',
      file,
      `storage '${storage.key}' of tensor '${name}' declares ${storage.numel} ${storage.storageClass} elements ` +
        `(${storageBytes} bytes) but its entry ${entryName} holds ${entry.size} bytes`,
    );
  }
  if (elementCount(shape) > 0) {
    const last = storageOffset + lastElementIndex(shape, stride);
    if (last >= storage.numel) {
      throw new TorchFormatError(
        'TORCH_TENSOR_INVALID',
        file,
        `tensor '${name}' (shape [${shape.join(', ')}], stride [${stride.join(', ')}], offset ${storageOffset}) ` +
          `reaches element ${last} of a storage of ${storage.numel}`,
      );
    }
  }
  return {
    name,
    dtype: storage.dtype,
    shape,
    stride,
    storageOffset,
    entry: entryName,
    contiguous: isContiguous(shape, stride),
  };
}

// A bench-only `torch.save` writer, so the benchmark can make a GPT-2-sized
// pytorch_model.bin without PyTorch. It writes what torch 1.13's `torch.save(state_dict)`
// writes, byte for byte (test/torch-writer.test.ts checks that against the committed
// fixtures, which real torch.save wrote):
//
// - a zip of stored entries (PyTorchStreamWriter over miniz): each local header has
//   flags 0x0808, zero time / crc / sizes, and an `FB` extra field padding the data to a
//   64-byte boundary; a data descriptor (crc, sizes) follows each entry; the central
//   directory, then ZIP64 end records, then the classic end record;
// - entries `<prefix>/data.pkl`, then one `<prefix>/data/<key>` per storage in sorted key
//   order, then `<prefix>/version` ("3\n");
// - data.pkl: a protocol-2 pickle of an OrderedDict (or a plain dict) whose values are
//   `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`
//   calls, each storage a BINPERSID of ('storage', torch.<T>Storage, key, 'cpu', numel),
//   memoised as CPython's pickler does; with `metadata`, the module `_metadata`
//   OrderedDict that `nn.Module.state_dict()` attaches, restored by BUILD.
//
// Tensor bytes are asked for one storage at a time, so a 500 MB checkpoint is written
// with about one tensor in memory. Each tensor gets its own storage (no views, no ties).
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/** Storage classes by stored dtype (safetensors' spelling, as hub-loader's sources use). */
const STORAGE_CLASS: Record<string, { name: string; bytes: number }> = {
  F32: { name: 'FloatStorage', bytes: 4 },
  F16: { name: 'HalfStorage', bytes: 2 },
  BF16: { name: 'BFloat16Storage', bytes: 2 },
  F64: { name: 'DoubleStorage', bytes: 8 },
  I64: { name: 'LongStorage', bytes: 8 },
  I32: { name: 'IntStorage', bytes: 4 },
  U8: { name: 'ByteStorage', bytes: 1 },
  BOOL: { name: 'BoolStorage', bytes: 1 },
};

export interface TorchTensorToWrite {
  name: string;
  /** 'F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'U8' or 'BOOL'. */
  dtype: string;
  shape: readonly number[];
  /** The tensor's bytes, little-endian, row-major; called once, when its entry is written. */
  bytes: () => Promise<Uint8Array> | Uint8Array;
}

export interface TorchSaveOptions {
  /** The archive's folder name: torch ≥ 2 writes 'archive', torch 1.x the file's stem. */
  prefix?: string;
  /**
   * Module names for the state dict's `_metadata` (each `{version: 1}`), making the root an
   * OrderedDict as `model.state_dict()` returns; null: a plain dict, as transformers' shard
   * writer passes. Default: every module prefix of the tensor names, sorted.
   */
  metadata?: readonly string[] | null;
}

/** Every module prefix of `names` ('' included), sorted: a state dict's `_metadata` keys. */
export function modulePrefixes(names: readonly string[]): string[] {
  const prefixes = new Set(['']);
  for (const name of names) {
    const parts = name.split('.').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) prefixes.add(parts.slice(0, i).join('.'));
  }
  // Python's sorted() on str: by code point, which is JS's default for these ASCII names.
  return [...prefixes].sort();
}

/** Protocol-2 pickle opcodes as CPython's pickler emits them, with its memo rules. */
class Pickler {
  private readonly chunks: Uint8Array[] = [];
  private memoSize = 0;
  /** Strings and globals by value → memo index (CPython memoises them by identity; equal here). */
  private readonly memo = new Map<string, number>();

  bytes(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  op(...bytes: number[]): void {
    this.chunks.push(Uint8Array.from(bytes));
  }

  private u32(value: number): number[] {
    return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
  }

  /** BINPUT / LONG_BINPUT of the next memo slot. */
  put(): number {
    const index = this.memoSize++;
    if (index < 256) this.op(0x71, index);
    else this.op(0x72, ...this.u32(index));
    return index;
  }

  private get(index: number): void {
    if (index < 256) this.op(0x68, index);
    else this.op(0x6a, ...this.u32(index));
  }

  string(value: string): void {
    const key = `s:${value}`;
    const seen = this.memo.get(key);
    if (seen !== undefined) {
      this.get(seen);
      return;
    }
    const utf8 = new TextEncoder().encode(value);
    this.op(0x58, ...this.u32(utf8.length));
    this.chunks.push(utf8);
    this.memo.set(key, this.put());
  }

  global(module: string, name: string): void {
    const key = `g:${module}\n${name}`;
    const seen = this.memo.get(key);
    if (seen !== undefined) {
      this.get(seen);
      return;
    }
    this.op(0x63);
    this.chunks.push(new TextEncoder().encode(`${module}\n${name}\n`));
    this.memo.set(key, this.put());
  }

  int(value: number): void {
    if (!Number.isSafeInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new RangeError(`torch-writer: integer ${value} needs LONG1, which this writer does not emit`);
    }
    if (value >= 0 && value <= 0xff) this.op(0x4b, value);
    else if (value >= 0 && value <= 0xffff) this.op(0x4d, value & 0xff, value >>> 8);
    else this.op(0x4a, ...this.u32(value >>> 0));
  }

  /** A tuple of ints (sizes, strides): EMPTY_TUPLE unmemoised, TUPLE1-3 or MARK…TUPLE memoised. */
  intTuple(values: readonly number[]): void {
    if (values.length === 0) {
      this.op(0x29);
      return;
    }
    if (values.length > 3) this.op(0x28);
    for (const v of values) this.int(v);
    this.op(values.length === 1 ? 0x85 : values.length === 2 ? 0x86 : values.length === 3 ? 0x87 : 0x74);
    this.put();
  }

  /** `OrderedDict()`: the class, an empty argument tuple, REDUCE, memoised. */
  emptyOrderedDict(): void {
    this.global('collections', 'OrderedDict');
    this.op(0x29, 0x52);
    this.put();
  }

  /** CPython's _batch_setitems: batches of 1000, MARK…SETITEMS, or SETITEM for a batch of one. */
  setItems<T>(items: readonly T[], write: (item: T) => void): void {
    for (let start = 0; start < items.length; start += 1000) {
      const batch = items.slice(start, start + 1000);
      if (batch.length > 1) this.op(0x28);
      for (const item of batch) write(item);
      this.op(batch.length > 1 ? 0x75 : 0x73);
    }
  }
}

/** data.pkl for `tensors`, and the storage key of each (in order). */
export function statePickle(
  tensors: readonly Pick<TorchTensorToWrite, 'name' | 'dtype' | 'shape'>[],
  metadata: readonly string[] | null,
): Uint8Array {
  const p = new Pickler();
  p.op(0x80, 2); // PROTO 2
  if (metadata !== null) p.emptyOrderedDict();
  else {
    p.op(0x7d); // EMPTY_DICT
    p.put();
  }
  let nextKey = 0;
  p.setItems(tensors, (t) => {
    const storage = STORAGE_CLASS[t.dtype];
    if (!storage)
      throw new RangeError(`torch-writer: dtype ${t.dtype} of '${t.name}' has no storage class here`);
    const numel = t.shape.reduce((n, d) => n * d, 1);
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((n, d) => n * d, 1));
    p.string(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28); // MARK: the six arguments
    p.op(0x28); // MARK: the persistent id
    p.string('storage');
    p.global('torch', storage.name);
    p.string(String(nextKey++));
    p.string('cpu');
    p.int(numel);
    p.op(0x74); // TUPLE
    p.put();
    p.op(0x51); // BINPERSID
    p.int(0); // storage offset
    p.intTuple(t.shape);
    p.intTuple(stride);
    p.op(0x89); // NEWFALSE: requires_grad
    p.emptyOrderedDict(); // backward hooks
    p.op(0x74); // TUPLE
    p.put();
    p.op(0x52); // REDUCE
    p.put();
  });
  if (metadata !== null) {
    p.op(0x7d); // the OrderedDict's state: {'_metadata': OrderedDict(...)}
    p.put();
    p.setItems(['_metadata'], () => {
      p.string('_metadata');
      p.emptyOrderedDict();
      p.setItems(metadata, (module) => {
        p.string(module);
        p.op(0x7d);
        p.put();
        p.setItems(['version'], () => {
          p.string('version');
          p.int(1);
        });
      });
    });
    p.op(0x62); // BUILD
  }
  p.op(0x2e); // STOP
  return p.bytes();
}

const ALIGNMENT = 64;

interface WrittenEntry {
  name: Uint8Array;
  offset: number;
  crc: number;
  size: number;
}

/**
 * Writes `tensors` to `path` as torch.save would (see the file header); the file is
 * created new (an existing one is an error). Archives past 4 GiB are refused (the ZIP64
 * per-entry fields are not written).
 */
export async function writeTorchCheckpoint(
  path: string,
  tensors: readonly TorchTensorToWrite[],
  options: TorchSaveOptions = {},
): Promise<void> {
  const prefix = options.prefix ?? 'archive';
  const metadata =
    options.metadata === undefined ? modulePrefixes(tensors.map((t) => t.name)) : options.metadata;
  const handle = await open(path, 'wx');
  const entries: WrittenEntry[] = [];
  let offset = 0;
  const write = async (bytes: Uint8Array) => {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, offset + done);
      done += bytesWritten;
    }
    offset += bytes.length;
  };
  const record = async (entryName: string, data: Uint8Array) => {
    if (offset + data.length > 0xffff0000)
      throw new RangeError('torch-writer: archives past 4 GiB are not supported');
    const name = new TextEncoder().encode(`${prefix}/${entryName}`);
    const start = offset + 30 + name.length + 4;
    const padding = (ALIGNMENT - (start % ALIGNMENT)) % ALIGNMENT;
    const header = new Uint8Array(30 + name.length + 4 + padding);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(6, 0x0808, true); // data descriptor follows; UTF-8 names
    view.setUint16(26, name.length, true);
    view.setUint16(28, 4 + padding, true);
    header.set(name, 30);
    header.set([0x46, 0x42, padding & 0xff, padding >> 8], 30 + name.length); // 'FB', length
    header.fill(0x5a, 30 + name.length + 4); // 'Z' padding
    const crc = crc32(data);
    entries.push({ name, offset, crc, size: data.length });
    await write(header);
    await write(data);
    const descriptor = new DataView(new ArrayBuffer(16));
    descriptor.setUint32(0, 0x08074b50, true);
    descriptor.setUint32(4, crc, true);
    descriptor.setUint32(8, data.length, true);
    descriptor.setUint32(12, data.length, true);
    await write(new Uint8Array(descriptor.buffer));
  };
  try {
    await record('data.pkl', statePickle(tensors, metadata));
    // Storage keys are 0, 1, … in tensor order; torch writes them sorted as strings.
    const keys = tensors.map((_, i) => String(i)).sort();
    for (const key of keys) {
      const tensor = tensors[Number(key)]!;
      const data = await tensor.bytes();
      const numel = tensor.shape.reduce((n, d) => n * d, 1);
      if (data.length !== numel * STORAGE_CLASS[tensor.dtype]!.bytes) {
        throw new RangeError(
          `torch-writer: '${tensor.name}' (${tensor.dtype} [${tensor.shape.join(', ')}]) got ${data.length} bytes`,
        );
      }
      await record(`data/${key}`, data);
    }
    await record('version', new TextEncoder().encode('3\n'));

    const centralStart = offset;
    for (const e of entries) {
      const header = new Uint8Array(46 + e.name.length);
      const view = new DataView(header.buffer);
      view.setUint32(0, 0x02014b50, true);
      view.setUint16(8, 0x0808, true);
      view.setUint32(16, e.crc, true);
      view.setUint32(20, e.size, true);
      view.setUint32(24, e.size, true);
      view.setUint16(28, e.name.length, true);
      view.setUint32(42, e.offset, true);
      header.set(e.name, 46);
      await write(header);
    }
    const centralSize = offset - centralStart;
    const zip64End = offset;
    const end = new DataView(new ArrayBuffer(56 + 20 + 22));
    end.setUint32(0, 0x06064b50, true);
    end.setBigUint64(4, 44n, true);
    end.setUint16(12, 0x031e, true); // made by: unix, 3.0 (as miniz)
    end.setUint16(14, 45, true); // needed: 4.5 (ZIP64)
    end.setBigUint64(24, BigInt(entries.length), true);
    end.setBigUint64(32, BigInt(entries.length), true);
    end.setBigUint64(40, BigInt(centralSize), true);
    end.setBigUint64(48, BigInt(centralStart), true);
    end.setUint32(56, 0x07064b50, true);
    end.setBigUint64(64, BigInt(zip64End), true);
    end.setUint32(72, 1, true);
    end.setUint32(76, 0x06054b50, true);
    end.setUint16(84, entries.length, true);
    end.setUint16(86, entries.length, true);
    end.setUint32(88, centralSize, true);
    end.setUint32(92, centralStart, true);
    await write(new Uint8Array(end.buffer));
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => {});
    const { rm } = await import('node:fs/promises');
    await rm(path, { force: true });
    throw error;
  }
}

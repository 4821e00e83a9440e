// Writing the safetensors format to bytes (browser or Node): F32 for float tensors, I32
// and BOOL for integer and mask buffers, a JSON header padded with spaces so the data
// starts on an 8-byte boundary, and `__metadata__` (format "pt", as transformers expects).
import type { HostTensor } from './read.js';
import { SafetensorsError } from './read.js';

const DTYPE_NAMES = { f32: 'F32', i32: 'I32', bool: 'BOOL' } as const;

export interface SerializeOptions {
  /** String key/values stored under `__metadata__`. */
  metadata?: Readonly<Record<string, string>>;
  /** Names this buffer in errors. */
  source?: string;
}

/** Encodes host tensors (in iteration order) as a safetensors file. */
export function serializeSafetensors(
  tensors: Iterable<readonly [string, HostTensor]> | Readonly<Record<string, HostTensor>>,
  options: SerializeOptions = {},
): Uint8Array {
  const source = options.source ?? '<safetensors buffer>';
  const entries: (readonly [string, HostTensor])[] =
    Symbol.iterator in tensors
      ? [...(tensors as Iterable<readonly [string, HostTensor]>)]
      : Object.entries(tensors as Record<string, HostTensor>);
  const header: Record<string, unknown> = {};
  if (options.metadata && Object.keys(options.metadata).length > 0)
    header.__metadata__ = { ...options.metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__')
      throw new SafetensorsError(source, 'the name __metadata__ is reserved', name);
    if (Object.hasOwn(header, name)) throw new SafetensorsError(source, 'duplicate tensor name', name);
    const count = t.shape.reduce((n, d) => n * d, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError(
        source,
        `shape [${t.shape.join(', ')}] has ${count} elements but the data has ${t.data.length}`,
        name,
      );
    }
    const size = count * t.data.BYTES_PER_ELEMENT;
    header[name] = {
      dtype: DTYPE_NAMES[t.dtype],
      shape: [...t.shape],
      data_offsets: [offset, offset + size],
    };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.byteLength) / 8) * 8 - 8; // data starts 8-byte aligned
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + padded); // spaces, as the spec's padding
  let at = 8 + padded;
  for (const [, t] of entries) {
    writeLittleEndian(view, at, t.data);
    at += t.data.byteLength;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function writeLittleEndian(view: DataView, at: number, data: Float32Array | Int32Array | Uint8Array): void {
  const target = new Uint8Array(view.buffer, view.byteOffset + at, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    // Raw bytes, so every bit pattern (NaN payloads, −0, subnormals) is kept exactly.
    target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < words.length; i++) view.setUint32(at + 4 * i, words[i]!, true);
}

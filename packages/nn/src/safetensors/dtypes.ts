// safetensors dtypes: element sizes for every dtype the format names, and the decoders
// from the ones a model can hold (F32, F16, BF16, F64 → f32; I64, I32 → i32; BOOL/U8).

/** Every dtype the safetensors format defines, with its size in bytes. */
export const SAFETENSORS_DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPE_SIZES;

export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_SIZES, value);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 half (binary16) bits → number, including subnormals, ±∞ and NaN. */
export function f16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 bits → number: the upper half of an f32. */
export function bf16BitsToNumber(bits: number): number {
  u32Scratch[0] = (bits & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** Host element type a safetensors dtype decodes to. */
export type DecodedKind = 'f32' | 'i32' | 'bool';

export function decodedKind(dtype: SafetensorsDType): DecodedKind | null {
  switch (dtype) {
    case 'F32':
    case 'F16':
    case 'BF16':
    case 'F64':
      return 'f32';
    case 'I32':
    case 'I64':
    case 'I16':
    case 'I8':
    case 'U8':
    case 'U16':
      return 'i32';
    case 'BOOL':
      return 'bool';
    default:
      return null;
  }
}

/**
 * Decodes `count` little-endian elements of `dtype` from `bytes` (any alignment).
 * Returns null for an I64 value outside the i32 range (the caller names the tensor).
 */
export function decodeElements(
  dtype: SafetensorsDType,
  bytes: Uint8Array,
  count: number,
): Float32Array | Int32Array | Uint8Array | { outOfRange: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(count);
      // Copy the raw bits so NaN payloads and −0 survive unchanged.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint32(4 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = f16BitsToNumber(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const value = view.getBigInt64(8 * i, true);
        if (value > 2147483647n || value < -2147483648n) return { outOfRange: i };
        out[i] = Number(value);
      }
      return out;
    }
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
      return out;
    }
    case 'U16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, true);
      return out;
    }
    case 'I8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    }
    case 'U8':
      return Int32Array.from(bytes.subarray(0, count));
    case 'BOOL':
      return Uint8Array.from(bytes.subarray(0, count), (v) => (v !== 0 ? 1 : 0));
    default:
      throw new Error(`no decoder for ${dtype}`);
  }
}

// Packs a kernel's shape parameters into the bytes of its WGSL `Params` uniform struct:
// 4-byte scalars in order, and `array<vec4<u32>, 2>` blocks (up to 8 dimensions),
// aligned to 16 bytes as WGSL's uniform layout requires.

export const MAX_RANK = 8;

export class ParamWriter {
  readonly words = new Uint32Array(64);
  readonly floats = new Float32Array(this.words.buffer);
  readonly ints = new Int32Array(this.words.buffer);
  length = 0;

  u32(value: number): this {
    this.words[this.length++] = value >>> 0;
    return this;
  }

  i32(value: number): this {
    this.ints[this.length++] = value | 0;
    return this;
  }

  f32(value: number): this {
    this.floats[this.length++] = value;
    return this;
  }

  /** Eight u32 slots (a `array<vec4<u32>, 2>`), 16-byte aligned; unused slots are 0. */
  dims(values: readonly number[]): this {
    if (values.length > MAX_RANK)
      throw new Error(`backend-webgpu: rank ${values.length} exceeds the supported ${MAX_RANK}`);
    while (this.length % 4 !== 0) this.length++;
    for (let i = 0; i < MAX_RANK; i++) this.words[this.length + i] = (values[i] ?? 0) >>> 0;
    this.length += MAX_RANK;
    return this;
  }

  /** Byte size of the struct, rounded to 16. */
  get byteLength(): number {
    return Math.max(16, Math.ceil((this.length * 4) / 16) * 16);
  }
}

/** WGSL for reading dimension `i` of a dims block: `dim(p.shape, i)`. */
export const WGSL_DIM_HELPER = /* wgsl */ `
fn dimAt(v: array<vec4<u32>, 2>, i: u32) -> u32 { return v[i / 4u][i % 4u]; }
`;

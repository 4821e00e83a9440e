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

  /** A `vec4<u32>`, 16-byte aligned; missing components are 0. */
  vec4(values: readonly number[]): this {
    if (values.length > 4) throw new Error(`backend-webgpu: ${values.length} values do not fit a vec4`);
    while (this.length % 4 !== 0) this.length++;
    for (let i = 0; i < 4; i++) this.words[this.length + i] = (values[i] ?? 0) >>> 0;
    this.length += 4;
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

/**
 * Merges neighbouring dimensions that every operand walks as one (contiguous in all of
 * them, or broadcast in all) and drops size-1 dimensions, so a kernel's flat-index
 * arithmetic — an integer division per dimension, slow on SIMD CPUs like llvmpipe —
 * runs over as few dimensions as the layout allows: a bias add [10240, 192] + [192]
 * stays 2-D, a causal mask [512, 8, 20, 20] over [1, 1, 20, 20] becomes [4096, 400].
 */
export function collapseDims(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * n);
    if (mergeable) {
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, k) => {
        outStrides[k]![last] = s[d]!;
      });
    } else {
      outShape.push(n);
      for (const [k, s] of strides.entries()) outStrides[k]!.push(s[d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** WGSL for element `d` of a dims block, with constant indices (no dynamic vector indexing). */
export function dimRef(block: string, d: number): string {
  return `${block}[${d >> 2}].${'xyzw'[d & 3]}`;
}

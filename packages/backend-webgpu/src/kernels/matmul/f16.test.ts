// f16 weights: packing rounds each weight to a half (checked as a property: the result is
// a half, within one half ulp-step of the input), and a product with packed weights
// matches the f32 path within the bound that rounding implies — |Δc_ij| ≤ 2⁻¹⁰ · Σ_k
// |a_ik| |b_kj| (one f16 step per weight, round-to-nearest would give half that) plus
// f32 accumulation's 2⁻²⁰ · Σ — through the halves-reading matvec (decoding's skinny
// products, B and Bᵀ) and through the widening fallback for other shapes.
import { initBackend, type MatmulParams } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../index.js';
import type { GpuRuntime } from '../../runtime.js';
import type { WebGPUBackend } from '../../webgpu-backend.js';
import { matmul } from './dispatch.js';
import { conversionChunks, f16Bytes, matmulF16Weights, packF16Kernel, unpackF16Kernel } from './f16.js';

let rt: GpuRuntime;
beforeAll(async () => {
  rt = ((await initBackend('webgpu')) as unknown as WebGPUBackend).runtime;
});

/** Seeded values spanning several binades, both signs. */
function values(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    return (u - 0.5) * 2 ** ((s % 7) - 3);
  });
}

function upload(data: Float32Array): GPUBuffer {
  const storage = rt.allocate(data.byteLength);
  rt.write(storage.buffer, data);
  return storage.buffer;
}

async function download(buffer: GPUBuffer, count: number): Promise<Float32Array> {
  return new Float32Array(await rt.read(buffer, count * 4));
}

/** Whether x is a finite f16 value: at most 11 significant bits, exponent in range. */
function isHalf(x: number): boolean {
  if (x === 0) return true;
  const e = Math.max(Math.floor(Math.log2(Math.abs(x))), -14);
  return e <= 15 && Number.isInteger(Math.abs(x) / 2 ** (e - 10));
}

describe('packing into halves', () => {
  it('rounds every value to a half within one f16 step, and widens it back exactly', async () => {
    const x = values(1001, 3); // odd: the last word holds one half
    const src = upload(x);
    const halves = rt.allocate(f16Bytes(x.length)).buffer;
    const back = rt.allocate(x.byteLength).buffer;
    packF16Kernel(rt, src, x.length, halves);
    unpackF16Kernel(rt, halves, x.length, back);
    const y = await download(back, x.length);
    for (let i = 0; i < x.length; i++) {
      expect(isHalf(y[i]!)).toBe(true);
      expect(Math.abs(y[i]! - x[i]!)).toBeLessThanOrEqual(2 ** -10 * Math.abs(x[i]!) + 2 ** -24);
    }
  });

  it('converts past one binding in chunks at aligned offsets on both sides', () => {
    const chunks = conversionChunks(10_000, { maxBindingBytes: 4096, offsetAlignment: 256 });
    let next = 0;
    for (const [start, count] of chunks) {
      expect(start).toBe(next);
      expect(count * 4).toBeLessThanOrEqual(4096);
      expect((start * 4) % 256).toBe(0);
      expect((start * 2) % 256).toBe(0);
      next += count;
    }
    expect(next).toBe(10_000);
  });
});

describe('matmul with f16 weights', () => {
  async function compare(m: number, n: number, k: number, transB: boolean): Promise<void> {
    const p: MatmulParams = {
      m,
      n,
      k,
      transA: false,
      transB,
      batchShape: [],
      aBatchStrides: [],
      bBatchStrides: [],
    };
    const a = values(m * k, 11);
    const b = values(k * n, 12);
    const [ga, gb] = [upload(a), upload(b)];
    const halves = rt.allocate(f16Bytes(b.length)).buffer;
    packF16Kernel(rt, gb, b.length, halves);
    const c16 = rt.allocate(m * n * 4).buffer;
    const c32 = rt.allocate(m * n * 4).buffer;
    matmulF16Weights(rt, ga, halves, c16, p, rt.bindingLimits);
    matmul(rt, ga, gb, c32, p, rt.bindingLimits);
    const [x, y] = [await download(c16, m * n), await download(c32, m * n)];
    // The halves were really used: rounding moved some result.
    expect(x.some((v, i) => v !== y[i])).toBe(true);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let magnitude = 0;
        for (let q = 0; q < k; q++) magnitude += Math.abs(a[i * k + q]! * b[transB ? j * k + q : q * n + j]!);
        const bound = (2 ** -10 + 2 ** -20) * magnitude + 1e-30;
        expect(Math.abs(x[i * n + j]! - y[i * n + j]!)).toBeLessThanOrEqual(bound);
      }
  }

  it('reads halves in the matvec of a decoding step, through B and Bᵀ', async () => {
    await compare(1, 96, 256, false);
    await compare(3, 40, 64, true);
    expect(rt.pipelines.has('matvec:N:1:0:f16B')).toBe(true);
    expect(rt.pipelines.has('matvec:T:3:0:f16B')).toBe(true);
  });

  it('widens B for the other shapes (more rows, a width that is not whole vec4s)', async () => {
    await compare(40, 72, 48, false);
    await compare(1, 37, 30, false);
  });
});

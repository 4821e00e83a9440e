// The autotuner on the adapter at hand (llvmpipe in CI), with a small candidate set:
// it times every candidate once a shape class is used and the caller waits, picks the
// fastest, persists it per adapter and uses it from then on — with the same results
// as a naive triple loop — and does nothing when disabled (the default in tests).
import { type Backend, initBackend, type MatmulParams } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { matmul } from '../kernels/matmul/dispatch.js';
import { LARGE_TILE, SMALL_TILE } from '../kernels/matmul/plan.js';
import { TILE_CANDIDATES } from '../kernels/matmul/tiles.js';
import { GpuRuntime } from '../runtime.js';
import type { WebGPUBackend } from '../webgpu-backend.js';
import { autotuneEnabled, MatmulTuner, pickTile, tileLoops } from './matmul-tuner.js';
import { memoryTuneStore } from './store.js';

describe('autotuneEnabled', () => {
  it('follows the option, then TENSORLM_WEBGPU_AUTOTUNE, then: hardware adapters outside tests', () => {
    expect(autotuneEnabled(false, { TENSORLM_WEBGPU_AUTOTUNE: '1' }, false)).toBe(false);
    expect(autotuneEnabled(true, { VITEST: 'true' }, true)).toBe(true);
    expect(autotuneEnabled(undefined, { TENSORLM_WEBGPU_AUTOTUNE: 'on', VITEST: 'true' }, true)).toBe(true);
    expect(autotuneEnabled(undefined, { TENSORLM_WEBGPU_AUTOTUNE: '0' }, false)).toBe(false);
    expect(autotuneEnabled(undefined, {}, false)).toBe(true);
    expect(autotuneEnabled(undefined, {}, true)).toBe(false);
    expect(autotuneEnabled(undefined, { VITEST: 'true' }, false)).toBe(false);
  });

  it('refuses a value it does not know, naming the variable', () => {
    expect(() => autotuneEnabled(undefined, { TENSORLM_WEBGPU_AUTOTUNE: 'maybe' }, false)).toThrow(
      /TENSORLM_WEBGPU_AUTOTUNE='maybe'/,
    );
  });
});

describe('picking the winner', () => {
  it('takes the fastest, unless it beats the default by less than 5%', () => {
    expect(pickTile({ L: 10, S: 5, X: 7 }, 'L')).toBe('S');
    expect(pickTile({ L: 10, S: 9.6 }, 'L')).toBe('L');
    expect(pickTile({ L: 10, S: 9.4 }, 'L')).toBe('S');
    // A candidate that failed to run never wins; nothing timed, no winner.
    expect(pickTile({ L: null, S: 12 }, 'L')).toBe('S');
    expect(pickTile({ L: null }, 'L')).toBeNull();
  });
});

describe('tuned tiles and the loop limit', () => {
  it("falls back to the default tile when a stored winner would loop past the adapter's limit", () => {
    const store = memoryTuneStore();
    store.save('gpu', { 'NN:m7:n7:k10': '16x16r8v2d8' });
    const limits = {
      maxComputeInvocationsPerWorkgroup: 256,
      maxComputeWorkgroupSizeX: 256,
      maxComputeWorkgroupSizeY: 256,
      maxComputeWorkgroupStorageSize: 16_384,
    };
    const deep: MatmulParams = { ...p, m: 100, n: 100, k: 1000 };
    // 8 deep: ⌈1000 / 8⌉ · 9 = 1125 iterations; the default L (16 deep): ⌈1000 / 16⌉ · 17 = 1071.
    const shallow = TILE_CANDIDATES.find((c) => c.name === '16x16r8v2d8')!;
    expect([tileLoops(shallow, deep), tileLoops(LARGE_TILE, deep)]).toEqual([1125, 1071]);
    const options = { enabled: true, limits, store, adapterKey: 'gpu' };
    expect(new MatmulTuner({ ...options, loopLimit: 1100 }).tileFor(deep, false)).toBe(LARGE_TILE);
    expect(new MatmulTuner({ ...options, loopLimit: 2000 }).tileFor(deep, false)).toBe(shallow);
  });
});

let device: GPUDevice;
beforeAll(async () => {
  device = ((await initBackend('webgpu')) as Backend as WebGPUBackend).runtime.device;
});

const TINY_SET = [LARGE_TILE, SMALL_TILE, TILE_CANDIDATES.find((c) => c.name === '8x8r8v2d16')!];
const M = 70;
const N = 96;
const K = 80;
const p: MatmulParams = {
  m: M,
  n: N,
  k: K,
  transA: false,
  transB: false,
  batchShape: [],
  aBatchStrides: [],
  bBatchStrides: [],
};
// Small integers: every product and sum is exact in f32, whatever the tile.
const a = Float32Array.from({ length: M * K }, (_, i) => ((i * 7) % 11) - 5);
const b = Float32Array.from({ length: K * N }, (_, i) => ((i * 5) % 13) - 6);
const expected = new Float32Array(M * N);
for (let i = 0; i < M; i++)
  for (let j = 0; j < N; j++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += a[i * K + k]! * b[k * N + j]!;
    expected[i * N + j] = sum;
  }

/** C = A·B on `rt`, read back (the readback is where queued tuning runs). */
async function product(rt: GpuRuntime): Promise<Float32Array> {
  const [ga, gb, gc] = [a.byteLength, b.byteLength, expected.byteLength].map((n) => rt.allocate(n));
  rt.write(ga!.buffer, a);
  rt.write(gb!.buffer, b);
  matmul(rt, ga!.buffer, gb!.buffer, gc!.buffer, p, rt.bindingLimits);
  const out = new Float32Array(await rt.read(gc!.buffer, expected.byteLength));
  for (const s of [ga, gb, gc]) rt.release(s!);
  return out;
}

describe('the matmul autotuner', () => {
  it('times every candidate on a product of the class and returns the fastest', async () => {
    const rt = new GpuRuntime(device, { autotune: true, tileCandidates: TINY_SET });
    const result = await rt.matmulTuner.tune(rt, p);
    expect(result).not.toBeNull();
    const timings = result!.timings;
    expect(Object.keys(timings).sort()).toEqual(TINY_SET.map((c) => c.name).sort());
    for (const ms of Object.values(timings)) expect(ms).toBeGreaterThan(0);
    const fastest = Math.min(...(Object.values(timings) as number[]));
    // The fastest, or the default (L, for 70 × 96) when nothing beats it by 5%.
    if (result!.tile === 'L') expect(fastest).toBeGreaterThan(0.95 * timings.L!);
    else expect(timings[result!.tile]).toBe(fastest);
  });

  it('tunes a class at the first readback, persists the winner and multiplies with it, exactly', async () => {
    const store = memoryTuneStore();
    const rt = new GpuRuntime(device, {
      autotune: true,
      tileCandidates: TINY_SET,
      tuneStore: store,
      adapterName: 'x',
    });
    expect(await product(rt)).toEqual(expected); // the default tile; the class is queued and tuned at the read
    expect(rt.matmulTuner.results.map((r) => r.shapeClass)).toEqual(['NN:m7:n7:k7']);
    const winner = rt.matmulTuner.results[0]!.tile;
    expect(store.load('x')).toEqual({ 'NN:m7:n7:k7': winner });
    expect(rt.matmulTile(p, false).name).toBe(winner);
    expect(await product(rt)).toEqual(expected); // now with the winner
    expect(rt.pipelines.has(`matmul:${winner}:NN:0`)).toBe(true);
    expect(rt.matmulTuner.results).toHaveLength(1); // tuned once

    // A later process on the same adapter starts from the stored winner, without timing.
    const again = new GpuRuntime(device, {
      autotune: true,
      tileCandidates: TINY_SET,
      tuneStore: store,
      adapterName: 'x',
    });
    expect(again.matmulTile(p, false).name).toBe(winner);
    expect(again.matmulTuner.pending).toBe(0);
  });

  it('does nothing when disabled: the default tile, nothing queued, nothing stored', async () => {
    const store = memoryTuneStore();
    const rt = new GpuRuntime(device, { autotune: false, tuneStore: store, adapterName: 'x' });
    expect(await product(rt)).toEqual(expected);
    expect(rt.matmulTile(p, false)).toBe(LARGE_TILE);
    expect(rt.matmulTuner.pending).toBe(0);
    expect(rt.matmulTuner.results).toEqual([]);
    expect(store.load('x')).toEqual({});
  });

  it('is off by default under vitest', () => {
    expect(new GpuRuntime(device).matmulTuner.enabled).toBe(false);
  });
});

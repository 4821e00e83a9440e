// Tile selection from hand-made limits: which candidates a device can run (threads per
// workgroup, sizes per axis, workgroup memory), the default when plan.ts' choice does
// not fit, and the shape classes autotune results are shared by.
import { describe, expect, it } from 'vitest';
import { LARGE_TILE, SMALL_TILE, tileCols, tileRows } from './plan.js';
import {
  candidatesFor,
  defaultTile,
  shapeClass,
  TILE_CANDIDATES,
  type TileLimits,
  tileCandidates,
  tileFits,
  tileStorageBytes,
} from './tiles.js';

const webgpuMinimum: TileLimits = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupStorageSize: 16_384,
};
const desktop: TileLimits = {
  maxComputeInvocationsPerWorkgroup: 1024,
  maxComputeWorkgroupSizeX: 1024,
  maxComputeWorkgroupSizeY: 1024,
  maxComputeWorkgroupStorageSize: 49_152,
};
const product = (m: number, n: number, k: number, batchShape: number[] = [], transB = false) => ({
  m,
  n,
  k,
  transA: false,
  transB,
  batchShape,
  aBatchStrides: batchShape.map(() => m * k),
  bBatchStrides: batchShape.map(() => k * n),
});

describe('tiles by the device limits', () => {
  it("counts a tile's workgroup memory as its A and B stages", () => {
    // L: 128 × 64 block, 16 deep: (32 + 16) vec4s per k step × 16 × 16 bytes.
    expect(tileStorageBytes(LARGE_TILE)).toBe((32 + 16) * 16 * 16);
    expect(tileStorageBytes(SMALL_TILE)).toBe((8 + 8) * 8 * 16);
  });

  it("runs every candidate but the 32 KiB one on WebGPU's guaranteed minimums", () => {
    const names = tileCandidates(webgpuMinimum).map((c) => c.name);
    expect(names).toHaveLength(TILE_CANDIDATES.length - 1);
    expect(names).not.toContain('16x16r8v2d32');
    expect(tileCandidates(desktop)).toHaveLength(TILE_CANDIDATES.length);
  });

  it('drops tiles with more threads, or wider workgroups, than the device allows', () => {
    const small = { ...webgpuMinimum, maxComputeInvocationsPerWorkgroup: 64 };
    for (const c of tileCandidates(small)) expect(c.wx * c.wy).toBeLessThanOrEqual(64);
    expect(tileFits(LARGE_TILE, small)).toBe(false);
    expect(tileFits(LARGE_TILE, { ...webgpuMinimum, maxComputeWorkgroupSizeY: 8 })).toBe(false);
    expect(tileFits(LARGE_TILE, { ...webgpuMinimum, maxComputeWorkgroupStorageSize: 8192 })).toBe(false);
  });

  it("keeps plan.ts' tile when it fits, else the largest block that does", () => {
    expect(defaultTile(product(512, 512, 512), webgpuMinimum)).toBe(LARGE_TILE);
    expect(defaultTile(product(20, 512, 512), webgpuMinimum)).toBe(SMALL_TILE);
    // 64 threads at most: L (128 threads) cannot run; 8×8 threads of 8 × 8 blocks (64 × 64) can.
    const tile = defaultTile(product(512, 512, 512), {
      ...webgpuMinimum,
      maxComputeInvocationsPerWorkgroup: 64,
    });
    expect([tileRows(tile), tileCols(tile), tile.wx * tile.wy]).toEqual([64, 64, 64]);
  });

  it('times only tiles not more than twice the product on a side', () => {
    // 40 × 40: blocks of at most 80 × 80, so 32 × 32 and the two 64 × 64 tiles.
    const names = candidatesFor(product(40, 40, 512), desktop).map((c) => c.name);
    expect(names).toEqual(['S', '16x16r4v1d16', '8x8r8v2d16']);
    for (const c of candidatesFor(product(64, 512, 512), desktop))
      expect(tileRows(c)).toBeLessThanOrEqual(128);
  });
});

describe('shape classes', () => {
  it('share a class across sizes within a power of two, and split transposes and batching', () => {
    expect(shapeClass(product(1000, 1000, 1000))).toBe('NN:m10:n10:k10');
    expect(shapeClass(product(600, 1024, 513))).toBe('NN:m10:n10:k10');
    expect(shapeClass(product(1025, 1000, 1000))).toBe('NN:m11:n10:k10');
    expect(shapeClass(product(8, 8, 8))).toBe('NN:m5:n5:k5');
    expect(shapeClass(product(256, 256, 64, [2, 12], true))).toBe('NT:m8:n8:k6:b5');
  });
});

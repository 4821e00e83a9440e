// Which matmul tiles an adapter can run, as pure functions of its limits: each
// candidate's workgroup (invocations, X and Y sizes) and workgroup memory (its A and
// B tiles) must fit what the device was granted. The default tile (plan.ts'
// `chooseTile`) is taken when it fits; the autotuner (../../autotune/) times the valid
// candidates once per shape class on first use and may pick another.
import type { MatmulParams } from '@tensorlm/tensor-core';
import { chooseTile, LARGE_TILE, SMALL_TILE, type TileConfig, tileCols, tileRows } from './plan.js';

/** The limits a tile must fit (a GPUSupportedLimits, or a hand-made stand-in). */
export interface TileLimits {
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
  readonly maxComputeWorkgroupStorageSize: number;
}

function tile(wx: number, wy: number, r: number, v: number, d: number): TileConfig {
  return { name: `${wx}x${wy}r${r}v${v}d${d}`, wx, wy, r, v, d };
}

/**
 * The tiles the autotuner may pick from, the defaults first. The large ones (256
 * threads, 128 × 128 blocks, 32 deep) are what desktop GPUs want; only adapters with
 * more than WebGPU's guaranteed 16 KiB of workgroup memory can run the deepest.
 */
export const TILE_CANDIDATES: readonly TileConfig[] = [
  LARGE_TILE,
  SMALL_TILE,
  tile(16, 16, 4, 1, 16), // 64 × 64, 8 KiB
  tile(8, 8, 8, 2, 16), // 64 × 64 from 64 threads, 8 KiB
  tile(16, 8, 8, 2, 16), // 64 × 128, 12 KiB
  tile(16, 16, 8, 1, 16), // 128 × 64, 12 KiB
  tile(16, 16, 8, 2, 8), // 128 × 128, 8 KiB
  tile(16, 16, 8, 2, 16), // 128 × 128, 16 KiB
  tile(16, 16, 8, 2, 32), // 128 × 128, 32 KiB
];

/** Bytes of workgroup memory a tile's A and B stages take (vec4<f32> each). */
export function tileStorageBytes(c: TileConfig): number {
  return ((tileRows(c) / 4) * c.d + (tileCols(c) / 4) * c.d) * 16;
}

/** Whether the device can run this tile: its workgroup and its workgroup memory fit. */
export function tileFits(c: TileConfig, limits: TileLimits): boolean {
  return (
    c.r % 4 === 0 &&
    c.wx * c.wy <= limits.maxComputeInvocationsPerWorkgroup &&
    c.wx <= limits.maxComputeWorkgroupSizeX &&
    c.wy <= limits.maxComputeWorkgroupSizeY &&
    tileStorageBytes(c) <= limits.maxComputeWorkgroupStorageSize
  );
}

/** The candidates this device can run, in `TILE_CANDIDATES`' order. */
export function tileCandidates(limits: TileLimits, candidates = TILE_CANDIDATES): TileConfig[] {
  return candidates.filter((c) => tileFits(c, limits));
}

/**
 * The candidates worth timing for a product: those that fit the device and whose
 * block is not more than twice the product on either side (a 128-row tile on a
 * 40-row product computes mostly nothing).
 */
export function candidatesFor(
  p: Pick<MatmulParams, 'm' | 'n'>,
  limits: TileLimits,
  candidates = TILE_CANDIDATES,
): TileConfig[] {
  const fitting = tileCandidates(limits, candidates);
  const useful = fitting.filter(
    (c) => tileRows(c) <= 2 * Math.max(p.m, 32) && tileCols(c) <= 2 * Math.max(p.n, 32),
  );
  return useful.length > 0 ? useful : fitting.slice(0, 1);
}

/**
 * The tile a product runs without autotuning: plan.ts' choice when the device can run
 * it, else the largest candidate that fits (SMALL_TILE — 64 threads, 2 KiB — fits
 * every WebGPU device, whose guaranteed minimums are 256 threads and 16 KiB).
 */
export function defaultTile(p: Pick<MatmulParams, 'm' | 'n'>, limits: TileLimits): TileConfig {
  const preferred = chooseTile(p);
  if (tileFits(preferred, limits)) return preferred;
  const fitting = tileCandidates(limits).sort(
    (x, y) => tileRows(y) * tileCols(y) - tileRows(x) * tileCols(x),
  );
  return fitting[0] ?? SMALL_TILE;
}

/** A candidate by name (a cached autotune result), or undefined when no candidate has it. */
export function tileNamed(name: string, candidates = TILE_CANDIDATES): TileConfig | undefined {
  return candidates.find((c) => c.name === name);
}

/** ⌈log₂ x⌉, at least 5: sizes up to 32 share a class. */
function bucket(x: number): number {
  return Math.max(5, Math.ceil(Math.log2(Math.max(1, x))));
}

/**
 * The shape class a product's autotune result is shared by: its transposes, m, n and
 * k rounded up to powers of two, and batched or not (a batch of small products wants
 * smaller tiles than one big product of the same m, n and k).
 */
export function shapeClass(
  p: Pick<MatmulParams, 'm' | 'n' | 'k' | 'transA' | 'transB' | 'batchShape'>,
): string {
  const batches = p.batchShape.reduce((a, b) => a * b, 1);
  const batch = batches > 1 ? `:b${bucket(batches)}` : '';
  return `${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'}:m${bucket(p.m)}:n${bucket(p.n)}:k${bucket(p.k)}${batch}`;
}

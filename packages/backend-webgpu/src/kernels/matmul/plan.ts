// Every decision about how a matmul runs, as pure functions of its shape and the
// device's binding limits: the kernel (per-element, small tile, large tile), split-k
// for long-k products with few output tiles, and row × column blocks for products past
// one storage binding. `dispatch.ts` carries the plan out; the shaders only compute.
import type { MatmulParams } from '@tensorlm/tensor-core';
import { type BindingLimits, type RowWindow, rowWindows, WORD } from '../../binding-windows.js';

/** Workgroup WX × WY threads, each R rows × 4V columns; tile depth D (R multiple of 4). */
export interface TileConfig {
  readonly name: string;
  readonly wx: number;
  readonly wy: number;
  readonly r: number;
  readonly v: number;
  readonly d: number;
}

export const LARGE_TILE: TileConfig = { name: 'L', wx: 8, wy: 16, r: 8, v: 2, d: 16 };
export const SMALL_TILE: TileConfig = { name: 'S', wx: 8, wy: 8, r: 4, v: 1, d: 8 };

/** Rows of C one workgroup of this tile computes. */
export function tileRows(c: TileConfig): number {
  return c.wy * c.r;
}

/** Columns of C one workgroup of this tile computes. */
export function tileCols(c: TileConfig): number {
  return c.wx * 4 * c.v;
}

/** Small products take a 32 × 32 tile so idle lanes stay few. */
export function chooseTile(p: Pick<MatmulParams, 'm' | 'n'>): TileConfig {
  return p.m <= 32 || p.n <= 32 ? SMALL_TILE : LARGE_TILE;
}

/**
 * Products this small per batch run one thread per element of C with no workgroup
 * memory (a head's T × T attention scores, thousands per batch: on llvmpipe the barriers
 * cost more than the FMAs), and so do skinny ones: a cached decoding step feeds one row
 * through every weight, where a tile would compute 31 rows of nothing.
 */
export function isTiny(p: Pick<MatmulParams, 'm' | 'n' | 'k'>): boolean {
  return (p.m <= 32 && p.n <= 32 && p.k <= 64) || (p.m <= 4 && p.k <= 16_384);
}

/** Workgroups wanted at least, so every core has several (llvmpipe runs one per thread). */
const MIN_WORKGROUPS = 16;

/**
 * How many slices of k an unbatched product should be split into (1: none). A weight
 * gradient — 64 × 192 summed over 10,240 tokens — is only 2 large tiles with a very long
 * k; computing k-slices as a batch of partial products and summing them keeps every core
 * busy without giving up the large tile's register blocking.
 */
export function splitKFactor(p: MatmulParams): number {
  if (p.batchShape.length !== 0 || p.k < 512) return 1;
  const tile = chooseTile(p);
  const tiles = Math.ceil(p.m / tileRows(tile)) * Math.ceil(p.n / tileCols(tile));
  if (tiles >= MIN_WORKGROUPS) return 1;
  return Math.min(Math.ceil(MIN_WORKGROUPS / tiles), Math.floor(p.k / 256));
}

export type MatmulPlan =
  /** One dispatch of the whole product. */
  | { readonly kind: 'direct' }
  /**
   * `slices` partial products over k-chunks of `chunk` (a multiple of 16; the last one
   * cut at k), run as one batched dispatch of `sliced` into a (slices, m, n) scratch,
   * then summed over the slices.
   */
  | {
      readonly kind: 'splitK';
      readonly slices: number;
      readonly chunk: number;
      readonly sliced: MatmulParams;
    }
  /**
   * A product past one binding — the tied LM head x · Wᵀ over GPT-2's token embedding:
   * one dispatch per block of C's rows (with A's rows) × block of C's columns (with
   * Wᵀ's rows), each writing its column block of C's row window.
   */
  | { readonly kind: 'blocks'; readonly rows: readonly RowWindow[]; readonly cols: readonly RowWindow[] };

/**
 * Plans a product. Only an unbatched A · Bᵀ is blocked past the binding limit; any other
 * layout that does not fit is planned 'direct' and its dispatch reports the limit.
 */
export function planMatmul(p: MatmulParams, limits: BindingLimits): MatmulPlan {
  const maxElements = Math.floor(limits.maxBindingBytes / WORD);
  const fits = Math.max(p.m * p.k, p.n * p.k, p.m * p.n) <= maxElements;
  if (!fits && p.batchShape.length === 0 && !p.transA && p.transB) {
    return {
      kind: 'blocks',
      rows: rowWindows(p.m, [p.k, p.n], limits),
      cols: rowWindows(p.n, [p.k], limits),
    };
  }
  const factor = splitKFactor(p);
  if (factor === 1) return { kind: 'direct' };
  const chunk = Math.ceil(p.k / factor / 16) * 16;
  const slices = Math.ceil(p.k / chunk);
  const sliced: MatmulParams = {
    ...p,
    k: chunk,
    batchShape: [slices],
    aBatchStrides: [p.transA ? chunk * p.m : chunk],
    bBatchStrides: [p.transB ? chunk : chunk * p.n],
  };
  return { kind: 'splitK', slices, chunk, sliced };
}

/** The kernel one dispatch uses: per-element threads, or a tile (split-k slices always tile). */
export function kernelShape(
  p: MatmulParams,
  splitK: boolean,
): { tiny: true } | { tiny: false; tile: TileConfig } {
  return !splitK && isTiny(p) ? { tiny: true } : { tiny: false, tile: chooseTile(p) };
}

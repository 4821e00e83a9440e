// Every decision about how a matmul runs, as pure functions of its shape and the
// device's binding limits: the kernel (per-element, small tile, large tile), split-k
// for long-k products with few output tiles, and blocks of rows × columns × k (and
// groups of batches) for products with an operand past one storage binding. `dispatch.ts` carries the plan out; the shaders only compute.
import { type MatmulParams, sizeOf } from '@tensorlm/tensor-core';
import {
  type BindingLimits,
  type Box,
  planBoxes,
  type RowWindow,
  usableElements,
  WORD,
} from '../../binding-windows.js';

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

/**
 * One dispatch of a product past one binding: batches [batchStart, batchStart +
 * batches) of the block rows × cols of C, summing k over `depth` (a later depth block
 * of the same C block adds to what the earlier ones wrote).
 */
export interface MatmulBlock {
  readonly batchStart: number;
  readonly batches: number;
  readonly rows: RowWindow;
  readonly cols: RowWindow;
  readonly depth: RowWindow;
  readonly accumulate: boolean;
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
   * A product with an operand past one binding (GPT-2's tied LM head and its
   * gradients): blocks of C's rows × columns × k, and groups of batches, each of
   * whose operand spans fits one binding (`MatmulBlock`).
   */
  | { readonly kind: 'blocks'; readonly blocks: readonly MatmulBlock[] };

/** Element offsets of A's and B's batch `b` (row-major over `batchShape`). */
export function batchOffsets(p: MatmulParams, b: number): { a: number; b: number } {
  let rem = b;
  let a = 0;
  let bo = 0;
  for (let d = p.batchShape.length - 1; d >= 0; d--) {
    const j = rem % p.batchShape[d]!;
    rem = Math.floor(rem / p.batchShape[d]!);
    a += j * p.aBatchStrides[d]!;
    bo += j * p.bBatchStrides[d]!;
  }
  return { a, b: bo };
}

/** The (m, n, k) index space's strides into A, B and C for one batch. */
export function operandStrides(p: MatmulParams): { a: number[]; b: number[]; c: number[] } {
  return {
    a: p.transA ? [1, 0, p.m] : [p.k, 0, 1],
    b: p.transB ? [0, p.k, 1] : [0, 1, p.n],
    c: [p.n, 1, 0],
  };
}

/** Elements each operand spans over all batches (its tensor's size, unless it broadcasts). */
export function operandElements(p: MatmulParams): { a: number; b: number; c: number } {
  const reach = (strides: readonly number[]) =>
    p.batchShape.reduce((acc, n, d) => acc + (n - 1) * strides[d]!, 0);
  const batches = sizeOf(p.batchShape);
  return {
    a: reach(p.aBatchStrides) + p.m * p.k,
    b: reach(p.bBatchStrides) + p.k * p.n,
    c: batches * p.m * p.n,
  };
}

/**
 * Blocks a product one of whose operands is past the binding limit. Within a batch the
 * (m, n, k) space is cut into boxes whose spans fit (binding-windows.ts' planBoxes cuts
 * the dimension that stretches the worst operand most: C's rows, a transposed
 * operand's columns, B's k); when one batch fits whole, consecutive batches are grouped
 * while every span over the group still fits.
 */
export function planBlocks(
  p: MatmulParams,
  limits: BindingLimits,
  maxK = Number.POSITIVE_INFINITY,
): MatmulBlock[] {
  const maxElements = usableElements(limits);
  const whole = Math.floor(limits.maxBindingBytes / WORD);
  const elements = operandElements(p);
  const strides = operandStrides(p);
  const big = (['a', 'b', 'c'] as const).filter((x) => elements[x] > whole);
  const boxes = planBoxes(
    [p.m, p.n, p.k],
    big.map((x) => ({ strides: strides[x] })),
    maxElements,
    [p.m, p.n, maxK],
  );
  const batches = sizeOf(p.batchShape);
  const blocks: MatmulBlock[] = [];
  const blockOf = (batchStart: number, count: number, box: Box): MatmulBlock => ({
    batchStart,
    batches: count,
    rows: { start: box.start[0]!, count: box.shape[0]! },
    cols: { start: box.start[1]!, count: box.shape[1]! },
    depth: { start: box.start[2]!, count: box.shape[2]! },
    accumulate: box.start[2]! > 0,
  });
  if (boxes.length > 1) {
    for (let b = 0; b < batches; b++) for (const box of boxes) blocks.push(blockOf(b, 1, box));
    return blocks;
  }
  // One batch fits: group batches while each big operand's span over the group fits.
  const perBatch = { a: p.m * p.k, b: p.k * p.n, c: p.m * p.n };
  let start = 0;
  while (start < batches) {
    const low = { a: Infinity, b: Infinity, c: Infinity };
    const high = { a: -Infinity, b: -Infinity, c: -Infinity };
    let end = start;
    while (end < batches) {
      const o = { ...batchOffsets(p, end), c: end * p.m * p.n };
      const fits = big.every(
        (x) => Math.max(high[x], o[x]) - Math.min(low[x], o[x]) + perBatch[x] <= maxElements,
      );
      if (!fits && end > start) break;
      for (const x of ['a', 'b', 'c'] as const) {
        low[x] = Math.min(low[x], o[x]);
        high[x] = Math.max(high[x], o[x]);
      }
      end++;
    }
    blocks.push(blockOf(start, end - start, boxes[0]!));
    start = end;
  }
  return blocks;
}

/**
 * The longest k one dispatch may take when an invocation loops at most `loopLimit`
 * times: a tile loops ⌈k / 16⌉ · 17 times plus one per batch dim (at most 8).
 */
export function maxDepth(loopLimit: number): number {
  return Number.isFinite(loopLimit) ? Math.floor((loopLimit - 8) / 17) * 16 : Number.POSITIVE_INFINITY;
}

/**
 * Plans a product: blocks when an operand is past one binding or k is too long for one
 * invocation's loops (`loopLimit`, llvmpipe's 65,535), else one dispatch, or split-k
 * for a long k with few output tiles.
 */
export function planMatmul(
  p: MatmulParams,
  limits: BindingLimits,
  loopLimit = Number.POSITIVE_INFINITY,
): MatmulPlan {
  const whole = Math.floor(limits.maxBindingBytes / WORD);
  const elements = operandElements(p);
  const maxK = maxDepth(loopLimit);
  if (Math.max(elements.a, elements.b, elements.c) > whole || p.k > maxK)
    return { kind: 'blocks', blocks: planBlocks(p, limits, maxK) };
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

/**
 * The kernel one dispatch uses: per-element threads, or a tile (split-k slices always
 * tile): `tile` when given (the device's or the autotuner's choice), else `chooseTile`'s.
 */
export function kernelShape(
  p: MatmulParams,
  splitK: boolean,
  tile?: TileConfig,
): { tiny: true } | { tiny: false; tile: TileConfig } {
  return !splitK && isTiny(p) ? { tiny: true } : { tiny: false, tile: tile ?? chooseTile(p) };
}

// The matmul driver: BLIS's loop nest around the wasm GEBP kernel (wasm/kernels.ts).
// For each batch and each block of KC = 256 along k, op(B) is packed into NR-column
// panels (kc × n, read once per block), then for each block of MC = 128 rows op(A) is
// packed into MR-row panels (128 × 256 floats = 128 KiB: it stays in L2) and GEBP
// multiplies the two into C, adding to it after the first k block. Packing absorbs the
// transposes and zero-pads the edges. Packing runs in wasm (pack_a / pack_b in
// wasm/layout-kernels.ts; packA / packB below are their scalar references): it touches
// O(mk + kn) elements against O(mnk) multiply-adds, but attention's thousands of tiny
// batched products (20 × 20 × 8) are mostly packing, and JS packing made them 5× slower.
// Broadcast operands (batch stride 0) are packed once when k fits one block.
import type { MatmulParams } from '@tensorlm/tensor-core';
import type { WasmHeap } from '../memory/heap.js';
import type { MatmulWorker } from '../threads/matmul-worker.js';
import { MR, NR } from '../wasm/kernels.js';

const KC = 256;
const MC = 128;
/** Below this many multiply-adds per block the thread hand-off costs more than it saves. */
const MIN_SPLIT_MACS = 1 << 16;
/** Likewise for a matrix-vector product (memory-bound: fewer operations per byte). */
const MIN_SPLIT_GEMV = 1 << 17;

type Kernel = (...args: number[]) => void;

/** The wasm kernels the driver calls. */
export interface MatmulKernels {
  readonly gebp: Kernel;
  readonly pack_a: Kernel;
  readonly pack_b: Kernel;
  readonly gemv_n: Kernel;
  readonly gemv_t: Kernel;
}

export class MatmulDriver {
  /** Scratch blocks in the heap, grown on demand and kept (not counted as storages). */
  #scratch = { offset: 0, capacity: 0 };

  constructor(
    readonly heap: WasmHeap,
    readonly kernels: MatmulKernels,
    /** A helper thread that takes the lower half of each row block's panels. */
    readonly worker: MatmulWorker | null = null,
  ) {}

  #reserve(bytes: number): number {
    if (this.#scratch.capacity < bytes) {
      if (this.#scratch.capacity > 0) this.heap.free(this.#scratch.offset, this.#scratch.capacity);
      this.#scratch = this.heap.alloc(bytes, 'matmul packing scratch');
    }
    return this.#scratch.offset;
  }

  /** C (batch, m, n) = op(A)·op(B); pointers are byte offsets of dense operands. */
  run(aPtr: number, bPtr: number, cPtr: number, p: MatmulParams): void {
    const { m, n, k, transA, transB, batchShape } = p;
    let batches = 1;
    for (const d of batchShape) batches *= d;
    if (m === 0 || n === 0 || batches === 0) return;
    if (k === 0) {
      new Float32Array(this.heap.memory.buffer, cPtr, batches * m * n).fill(0);
      return;
    }
    if (m < MR && (m === 1 || !transA)) {
      this.#rowsByGemv(aPtr, bPtr, cPtr, p, batches);
      return;
    }
    const kcMax = Math.min(KC, k);
    const nPanels = Math.ceil(n / NR);
    const bPackFloats = nPanels * NR * kcMax;
    const aPackFloats = Math.ceil(Math.min(MC, m) / MR) * MR * kcMax;
    const base = this.#reserve((bPackFloats + aPackFloats + 2 * MR * NR) * 4);
    const bPack = base;
    const aPack = bPack + bPackFloats * 4;
    const tile = aPack + aPackFloats * 4;
    const workerTile = tile + MR * NR * 4;
    const { gebp, pack_a: packAWasm, pack_b: packBWasm } = this.kernels;
    const rank = batchShape.length;
    const index = new Array<number>(rank).fill(0);
    let aOff = aPtr >>> 2;
    let bOff = bPtr >>> 2;
    let lastB = -1;
    const oneBlock = k <= KC;
    for (let batch = 0; batch < batches; batch++) {
      const cOff = cPtr + batch * m * n * 4;
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        if (!(oneBlock && bOff === lastB)) {
          // Byte address of op(B)[pc, 0]: B is (k, n), or (n, k) when transposed.
          const start = (bOff + (transB ? pc : pc * n)) * 4;
          packBWasm(start, transB ? k : n, transB ? 1 : 0, n, kc, bPack);
        }
        lastB = oneBlock ? bOff : -1;
        for (let ic = 0; ic < m; ic += MC) {
          const mc = Math.min(MC, m - ic);
          // Byte address of op(A)[ic, pc]: A is (m, k), or (k, m) when transposed.
          const start = (aOff + (transA ? pc * m + ic : ic * k + pc)) * 4;
          packAWasm(start, transA ? m : k, transA ? 1 : 0, mc, kc, aPack);
          const c = cOff + ic * n * 4;
          const accumulate = pc > 0 ? 1 : 0;
          const panels = Math.ceil(mc / MR);
          if (this.worker && panels >= 2 && mc * n * kc >= MIN_SPLIT_MACS && this.worker.alive) {
            // Row panels split in two: the helper takes the lower half, this thread the upper.
            const mine = (panels >> 1) * MR;
            this.worker.post([
              aPack + mine * kc * 4,
              bPack,
              c + mine * n * 4,
              mc - mine,
              n,
              kc,
              n * 4,
              accumulate,
              workerTile,
            ]);
            gebp(aPack, bPack, c, mine, n, kc, n * 4, accumulate, tile);
            // A safety net, not a timing: ≥ 0.1 GFLOP/s plus 10 s for a thread still starting.
            this.worker.wait(10_000 + (mc - mine) * n * kc * 2e-5);
          } else {
            gebp(aPack, bPack, c, mc, n, kc, n * 4, accumulate, tile);
          }
        }
      }
      for (let d = rank - 1; d >= 0; d--) {
        index[d]!++;
        aOff += p.aBatchStrides[d]!;
        bOff += p.bBatchStrides[d]!;
        if (index[d]! < batchShape[d]!) break;
        aOff -= p.aBatchStrides[d]! * batchShape[d]!;
        bOff -= p.bBatchStrides[d]! * batchShape[d]!;
        index[d] = 0;
      }
    }
  }

  /**
   * Fewer rows than one micro-kernel tile (decoding with a KV cache: m = 1): each row of
   * A times B as a matrix-vector product over B in place (wasm/gemv.ts), no packing.
   */
  #rowsByGemv(aPtr: number, bPtr: number, cPtr: number, p: MatmulParams, batches: number): void {
    const { m, n, k, transB, batchShape } = p;
    const { gemv_n: gemvN, gemv_t: gemvT } = this.kernels;
    // With a helper, each product is split at a multiple of 4 columns: the helper takes
    // the upper part (columns of W for gemv_n, rows of the stored Wᵀ for gemv_t).
    const split = this.worker && k * n >= MIN_SPLIT_GEMV && n >= 8 && this.worker.alive ? (n >> 3) << 2 : n;
    const gemv = (x: number, w: number, y: number) => {
      if (split < n) {
        if (transB) this.worker!.post([x, w + split * k * 4, y + split * 4, k, n - split], 'gemv_t');
        else this.worker!.post([x, w + split * 4, y + split * 4, k, n - split, n], 'gemv_n');
      }
      if (transB) gemvT(x, w, y, k, split);
      else gemvN(x, w, y, k, split, n);
      // A safety net, not a timing: ≥ 0.01 GFLOP/s plus 10 s for a thread still starting.
      if (split < n) this.worker!.wait(10_000 + k * (n - split) * 2e-4);
    };
    const rank = batchShape.length;
    const index = new Array<number>(rank).fill(0);
    let aOff = aPtr >>> 2;
    let bOff = bPtr >>> 2;
    for (let batch = 0; batch < batches; batch++) {
      for (let i = 0; i < m; i++) gemv((aOff + i * k) * 4, bOff * 4, cPtr + (batch * m + i) * n * 4);
      for (let d = rank - 1; d >= 0; d--) {
        index[d]!++;
        aOff += p.aBatchStrides[d]!;
        bOff += p.bBatchStrides[d]!;
        if (index[d]! < batchShape[d]!) break;
        aOff -= p.aBatchStrides[d]! * batchShape[d]!;
        bOff -= p.bBatchStrides[d]! * batchShape[d]!;
        index[d] = 0;
      }
    }
  }
}

/**
 * Scalar reference of pack_a. Packs rows [ic, ic + mc) × k-range [pc, pc + kc) of op(A) into MR-row panels: panel
 * p holds, for each kk, the MR values op(A)[ic + p·MR + r, pc + kk] (zero past row m).
 */
export function packA(
  mem: Float32Array,
  aOff: number,
  trans: boolean,
  ic: number,
  mc: number,
  pc: number,
  kc: number,
  m: number,
  k: number,
  out: number,
): void {
  const panels = Math.ceil(mc / MR);
  for (let panel = 0; panel < panels; panel++) {
    const base = out + panel * kc * MR;
    for (let r = 0; r < MR; r++) {
      const i = ic + panel * MR + r;
      if (i >= ic + mc) {
        for (let kk = 0; kk < kc; kk++) mem[base + kk * MR + r] = 0;
      } else if (!trans) {
        // A stored (m, k): row i is contiguous.
        const row = aOff + i * k + pc;
        for (let kk = 0; kk < kc; kk++) mem[base + kk * MR + r] = mem[row + kk]!;
      } else {
        // A stored (k, m): op(A)[i, kk] = A[kk, i].
        const col = aOff + pc * m + i;
        for (let kk = 0; kk < kc; kk++) mem[base + kk * MR + r] = mem[col + kk * m]!;
      }
    }
  }
}

/**
 * Scalar reference of pack_b. Packs the k-range [pc, pc + kc) of op(B) (k × n) into NR-column panels: panel q holds,
 * for each kk, the NR values op(B)[pc + kk, q·NR + c] (zero past column n).
 */
export function packB(
  mem: Float32Array,
  bOff: number,
  trans: boolean,
  pc: number,
  kc: number,
  k: number,
  n: number,
  out: number,
): void {
  const panels = Math.ceil(n / NR);
  for (let panel = 0; panel < panels; panel++) {
    const base = out + panel * kc * NR;
    const j0 = panel * NR;
    const width = Math.min(NR, n - j0);
    if (!trans) {
      // B stored (k, n): each kk reads `width` contiguous values.
      for (let kk = 0; kk < kc; kk++) {
        const src = bOff + (pc + kk) * n + j0;
        const dst = base + kk * NR;
        for (let c = 0; c < width; c++) mem[dst + c] = mem[src + c]!;
        for (let c = width; c < NR; c++) mem[dst + c] = 0;
      }
    } else {
      // B stored (n, k): column j of op(B) is row j of B, contiguous along k.
      for (let c = 0; c < NR; c++) {
        if (c >= width) {
          for (let kk = 0; kk < kc; kk++) mem[base + kk * NR + c] = 0;
          continue;
        }
        const src = bOff + (j0 + c) * k + pc;
        for (let kk = 0; kk < kc; kk++) mem[base + kk * NR + c] = mem[src + kk]!;
      }
    }
  }
}

// The matmul driver: BLIS's loop nest (wasm/gemm.ts) around the wasm GEBP micro-kernel
// (wasm/kernels.ts). For each product, each block of NC = 4,096 columns and each block
// of KC = 256 along k, op(B) is packed into NR-column panels (kc × nc), then for each block of
// MC = 128 rows op(A) is packed into MR-row panels (128 × 256 floats = 128 KiB: it
// stays in L2) and GEBP multiplies the two into C, adding to it after the first k block.
// Packing absorbs the transposes and zero-pads the edges; it runs in wasm (packA /
// packB below are its scalar references), and a broadcast B is packed once when it
// fits one block.
//
// Threads: a matmul is cut in two independent halves, one per thread, each a whole
// `gemm` call over its own packing buffers: one hand-off and one wait per matmul (per
// outer batch index when the batch axes do not merge), not one per block. Batched
// products split by batch; a single product splits its larger dimension (columns of
// B and C, or rows of A and C) at a panel boundary, and each thread packs the shared
// smaller operand itself (O(mk) or O(kn) twice, against O(mnk) halved).
import type { MatmulParams } from '@tensorlm/tensor-core';
import type { WasmHeap } from '../memory/heap.js';
import type { MatmulWorker } from '../threads/matmul-worker.js';
import { GEMM, KC, MC, NC } from '../wasm/gemm.js';
import { MR, NR } from '../wasm/kernels.js';
import { coalesce, forEachIndex } from './layout.js';

/** Below this many multiply-adds the thread hand-off costs more than it saves. */
const MIN_SPLIT_MACS = 1 << 17;
/** Likewise for a matrix-vector product (memory-bound: fewer operations per byte). */
const MIN_SPLIT_GEMV = 1 << 17;

type Kernel = (...args: number[]) => void;

/** The wasm kernels the driver calls. */
export interface MatmulKernels {
  readonly gemm: Kernel;
  readonly gemv_n: Kernel;
  readonly gemv_t: Kernel;
}

/** One thread's share: `batches` products of (m × k)·(k × n) at these byte addresses. */
interface GemmJob {
  a: number;
  b: number;
  c: number;
  m: number;
  n: number;
  batches: number;
}

export class MatmulDriver {
  /** Scratch blocks in the heap, grown on demand and kept (not counted as storages). */
  #scratch = { offset: 0, capacity: 0 };

  constructor(
    readonly heap: WasmHeap,
    readonly kernels: MatmulKernels,
    /** A helper thread that takes half of each large enough matmul. */
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
    const { m, n, k, batchShape } = p;
    let batches = 1;
    for (const d of batchShape) batches *= d;
    if (m === 0 || n === 0 || batches === 0) return;
    if (k === 0) {
      new Float32Array(this.heap.memory.buffer, cPtr, batches * m * n).fill(0);
      return;
    }
    if (m < MR && (m === 1 || !p.transA)) {
      this.#rowsByGemv(aPtr, bPtr, cPtr, p, batches);
      return;
    }
    // Merge the batch axes that all three operands walk evenly; the innermost merged
    // axis goes to wasm as (count, strides), any others are walked here.
    const cStrides = new Array<number>(batchShape.length);
    for (let d = batchShape.length - 1, s = m * n; d >= 0; d--) {
      cStrides[d] = s;
      s *= batchShape[d]!;
    }
    const merged = coalesce(batchShape, [p.aBatchStrides, p.bBatchStrides, cStrides]);
    const rank = merged.shape.length;
    const inner = rank > 0 ? merged.shape[rank - 1]! : 1;
    const strides = merged.strides.map((s) => (rank > 0 ? s[rank - 1]! : 0)) as [number, number, number];
    const outer = merged.strides.map((s) => s.slice(0, Math.max(rank - 1, 0)));
    forEachIndex(merged.shape.slice(0, Math.max(rank - 1, 0)), outer, ([ao, bo, co]) => {
      this.#products(aPtr + ao! * 4, bPtr + bo! * 4, cPtr + co! * 4, inner, strides, p);
    });
  }

  /** `batches` products, evenly strided (elements), on one thread or split over two. */
  #products(
    a: number,
    b: number,
    c: number,
    batches: number,
    [aStride, bStride, cStride]: [number, number, number],
    p: MatmulParams,
  ): void {
    const { m, n, k, transA, transB } = p;
    const lda = transA ? m : k;
    const ldb = transB ? k : n;
    const whole: GemmJob = { a, b, c, m, n, batches };
    let jobs: [GemmJob, GemmJob] | null = null;
    const worker = this.worker;
    if (worker && batches * m * n * k >= MIN_SPLIT_MACS && worker.alive) {
      if (batches >= 2) {
        const h = Math.ceil(batches / 2);
        jobs = [
          { ...whole, batches: h },
          {
            ...whole,
            a: a + h * aStride * 4,
            b: b + h * bStride * 4,
            c: c + h * cStride * 4,
            batches: batches - h,
          },
        ];
      } else if (n >= m && n >= 2 * NR) {
        const h = Math.round(n / 2 / NR) * NR;
        jobs = [
          { ...whole, n: h },
          { ...whole, b: b + (transB ? h * ldb : h) * 4, c: c + h * 4, n: n - h },
        ];
      } else if (m >= 2 * MR) {
        const h = Math.round(m / 2 / MR) * MR;
        jobs = [
          { ...whole, m: h },
          { ...whole, a: a + (transA ? h : h * lda) * 4, c: c + h * n * 4, m: m - h },
        ];
      }
    }
    const list = jobs ?? [whole];
    // Per job: its parameter block, packed A (one row block), packed B (one k block of
    // its columns) and an edge tile.
    const kc = Math.min(KC, k);
    const sizes = list.map((job) => {
      const aPack = Math.ceil(Math.min(MC, job.m) / MR) * MR * kc;
      const bPack = Math.ceil(Math.min(NC, job.n) / NR) * NR * kc;
      return { aPack, bPack, bytes: (GEMM.WORDS + aPack + bPack + MR * NR) * 4 };
    });
    let base = this.#reserve(sizes.reduce((sum, s) => sum + s.bytes, 0));
    const words = new Int32Array(this.heap.memory.buffer);
    const blocks = list.map((job, i) => {
      const size = sizes[i]!;
      const params = base;
      const w = params >>> 2;
      words[w + GEMM.A] = job.a;
      words[w + GEMM.B] = job.b;
      words[w + GEMM.C] = job.c;
      words[w + GEMM.M] = job.m;
      words[w + GEMM.N] = job.n;
      words[w + GEMM.K] = k;
      words[w + GEMM.LDA] = lda;
      words[w + GEMM.LDB] = ldb;
      words[w + GEMM.LDC] = n;
      words[w + GEMM.TRANS_A] = transA ? 1 : 0;
      words[w + GEMM.TRANS_B] = transB ? 1 : 0;
      words[w + GEMM.BATCHES] = job.batches;
      words[w + GEMM.A_STRIDE] = aStride;
      words[w + GEMM.B_STRIDE] = bStride;
      words[w + GEMM.C_STRIDE] = cStride;
      words[w + GEMM.A_PACK] = params + GEMM.WORDS * 4;
      words[w + GEMM.B_PACK] = params + (GEMM.WORDS + size.aPack) * 4;
      words[w + GEMM.TILE] = params + (GEMM.WORDS + size.aPack + size.bPack) * 4;
      base += size.bytes;
      return params;
    });
    if (blocks.length === 2) {
      worker!.post([blocks[1]!], 'gemm');
      this.kernels.gemm(blocks[0]!);
      const second = list[1]!;
      // A safety net, not a timing: ≥ 0.1 GFLOP/s plus 10 s for a thread still starting.
      worker!.wait(10_000 + second.batches * second.m * second.n * k * 2e-5);
    } else {
      this.kernels.gemm(blocks[0]!);
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

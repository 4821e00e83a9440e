// The matmul driver: BLIS's loop nest (wasm/gemm.ts) around the wasm GEBP micro-kernel
// (wasm/kernels.ts). For each product, each block of NC = 4,096 columns and each block
// of KC = 256 along k, op(B) is packed into NR-column panels (kc × nc), then for each block of
// MC = 128 rows op(A) is packed into MR-row panels (128 × 256 floats = 128 KiB: it
// stays in L2) and GEBP multiplies the two into C, adding to it after the first k block.
// Packing absorbs the transposes and zero-pads the edges; it runs in wasm (packA /
// packB below are its scalar references), and a broadcast B is packed once when it
// fits one block.
//
// Threads: a large enough matmul is cut into up to 32 blocks (batches, or whole panels of
// columns or rows: splitOf), and the main thread and the helper each claim blocks from a
// shared atomic counter until none are left, each running a claimed block as one `gemm`
// call over its own packing buffers. Whichever thread the OS runs more does more: on a
// loaded machine a helper that gets less than a core no longer holds the main thread
// up for half the matmul, only for its last block. One hand-off and one wait per
// matmul (per outer batch index when the batch axes do not merge). A column split
// packs op(A) once, up front, for both threads (per block it would be packed once per
// block); a row or batch split packs per block (O(kn) per block, against O(mnk/blocks)).
import type { MatmulParams } from '@tensorlm/tensor-core';
import type { WasmHeap } from '../memory/heap.js';
import { COUNTER, type MatmulWorker } from '../threads/matmul-worker.js';
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
  readonly pack_a: Kernel;
  readonly gemv_n: Kernel;
  readonly gemv_t: Kernel;
}

/** A share of the work: `batches` products of (m × k)·(k × n) at these byte addresses. */
interface GemmJob {
  a: number;
  b: number;
  c: number;
  m: number;
  n: number;
  batches: number;
}

/** How a product is cut into blocks that the threads claim: along `axis`, `per` units each. */
interface BlockSplit {
  axis: 'batches' | 'n' | 'm';
  /** Batches, columns or rows in all (the last block takes what is left). */
  units: number;
  /** Units per block: whole micro-kernel panels (NR columns, MR rows). */
  per: number;
  /** Bytes A, B and C advance per unit. */
  da: number;
  db: number;
  dc: number;
}

/** gemm's parameter word that holds a block's extent, per split axis. */
const EXTENT = { batches: GEMM.BATCHES, n: GEMM.N, m: GEMM.M } as const;

/**
 * Enough blocks that the faster thread takes more and the other's last block is a short
 * wait; few enough that a claim costs nothing. Measured on W1 (N = 1,024) with a third
 * busy process on 2 cores: 8 blocks did no better than the fixed halves; 16–64 did.
 */
const TARGET_BLOCKS = 32;
/** Largest op(A) that a column split packs once for both threads (else each block packs its own). */
const MAX_SHARED_A_BYTES = 16 << 20;
/** A block smaller than this costs more in packing and claiming than it balances. */
const MIN_BLOCK_MACS = 1 << 16;

/**
 * Cuts a product into blocks: batched products by batch, a single one along its larger
 * dimension (columns of B and C, or rows of A and C). Units are single batches, columns
 * or rows; a block holds whole panels (NR columns or MR rows), so only the last block
 * ends off a panel boundary. Null when the product has fewer than two panels.
 */
function splitOf(
  job: GemmJob,
  k: number,
  lda: number,
  ldb: number,
  [aStride, bStride, cStride]: [number, number, number],
  transA: boolean,
  transB: boolean,
): BlockSplit | null {
  const { m, n, batches } = job;
  let s: Omit<BlockSplit, 'per'>;
  let panel: number;
  if (batches >= 2) {
    s = { axis: 'batches', units: batches, da: aStride * 4, db: bStride * 4, dc: cStride * 4 };
    panel = 1;
  } else if (n >= m && n >= 2 * NR) {
    s = { axis: 'n', units: n, da: 0, db: (transB ? ldb : 1) * 4, dc: 4 };
    panel = NR;
  } else if (m >= 2 * MR) {
    s = { axis: 'm', units: m, da: (transA ? 1 : lda) * 4, db: 0, dc: n * 4 };
    panel = MR;
  } else return null;
  const panels = Math.ceil(s.units / panel);
  const count = Math.max(
    2,
    Math.min(panels, TARGET_BLOCKS, Math.floor((batches * m * n * k) / MIN_BLOCK_MACS)),
  );
  return { ...s, per: Math.ceil(panels / count) * panel };
}

/**
 * The main thread's side of the dynamic split: the claim loop of GEMM_BLOCKS
 * (threads/helper-threads.ts, which the helper runs), the same steps in TypeScript.
 * Returns the blocks this thread ran.
 */
function gemmBlocks(
  gemm: Kernel,
  memory: WebAssembly.Memory,
  params: number,
  counter: number,
  total: number,
  per: number,
  extent: number,
  da: number,
  db: number,
  dc: number,
): number {
  const words = new Int32Array(memory.buffer);
  const w = params >>> 2;
  const [a, b, c] = [words[w + GEMM.A]!, words[w + GEMM.B]!, words[w + GEMM.C]!];
  let mine = 0;
  for (;;) {
    const start = Atomics.add(words, (counter >>> 2) + COUNTER.NEXT, 1) * per;
    if (start >= total) break;
    words[w + GEMM.A] = a + start * da;
    words[w + GEMM.B] = b + start * db;
    words[w + GEMM.C] = c + start * dc;
    words[w + extent] = Math.min(per, total - start);
    gemm(params);
    mine++;
  }
  return mine;
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
    const worker = this.worker;
    const split =
      worker && batches * m * n * k >= MIN_SPLIT_MACS && worker.alive
        ? splitOf(whole, k, lda, ldb, [aStride, bStride, cStride], transA, transB)
        : null;
    // A column split packs all of op(A) once, up front, for both threads to share
    // (each block would otherwise pack it again); bounded so scratch stays small.
    const mPad = Math.ceil(m / MR) * MR;
    const shareA = split?.axis === 'n' && mPad * k * 4 <= MAX_SHARED_A_BYTES;
    // Per thread: its parameter block, packed A (one row block) unless shared, packed B
    // (one k block of its columns) and an edge tile; then the block counter and the shared A.
    const job = split ? { ...whole, [split.axis]: split.per } : whole;
    const kc = Math.min(KC, k);
    const aPack = shareA ? 0 : Math.ceil(Math.min(MC, job.m) / MR) * MR * kc;
    const bPack = Math.ceil(Math.min(NC, job.n) / NR) * NR * kc;
    const bytes = (GEMM.WORDS + aPack + bPack + MR * NR) * 4;
    const threads = split ? 2 : 1;
    const base = this.#reserve(threads * bytes + COUNTER.WORDS * 4 + (shareA ? mPad * k * 4 : 0));
    const counter = base + threads * bytes;
    const sharedA = counter + COUNTER.WORDS * 4;
    if (shareA) {
      for (let pc = 0; pc < k; pc += KC)
        this.kernels.pack_a(
          a + (transA ? pc * lda : pc) * 4,
          lda,
          transA ? 1 : 0,
          m,
          Math.min(KC, k - pc),
          sharedA + pc * mPad * 4,
        );
    }
    const words = new Int32Array(this.heap.memory.buffer);
    const blocks = Array.from({ length: threads }, (_, i) => {
      const params = base + i * bytes;
      const w = params >>> 2;
      words[w + GEMM.A] = a;
      words[w + GEMM.B] = b;
      words[w + GEMM.C] = c;
      words[w + GEMM.M] = m;
      words[w + GEMM.N] = n;
      words[w + GEMM.K] = k;
      words[w + GEMM.LDA] = lda;
      words[w + GEMM.LDB] = ldb;
      words[w + GEMM.LDC] = n;
      words[w + GEMM.TRANS_A] = transA ? 1 : 0;
      words[w + GEMM.TRANS_B] = transB ? 1 : 0;
      words[w + GEMM.BATCHES] = batches;
      words[w + GEMM.A_STRIDE] = aStride;
      words[w + GEMM.B_STRIDE] = bStride;
      words[w + GEMM.C_STRIDE] = cStride;
      words[w + GEMM.A_PACK] = shareA ? sharedA : params + GEMM.WORDS * 4;
      words[w + GEMM.A_PACKED] = shareA ? 1 : 0;
      words[w + GEMM.B_PACK] = params + (GEMM.WORDS + aPack) * 4;
      words[w + GEMM.TILE] = params + (GEMM.WORDS + aPack + bPack) * 4;
      return params;
    });
    if (!split) {
      this.kernels.gemm(blocks[0]!);
      return;
    }
    const cw = counter >>> 2;
    words.fill(0, cw, cw + COUNTER.WORDS);
    const total = split.units;
    const args: [number, number, number, number, number, number, number] = [
      counter,
      total,
      split.per,
      EXTENT[split.axis],
      split.da,
      split.db,
      split.dc,
    ];
    worker!.post([blocks[1]!, ...args], 'gemm_blocks');
    if (worker!.helperFirst) worker!.awaitClaim(words, cw + COUNTER.NEXT);
    const mine = gemmBlocks(this.kernels.gemm, this.heap.memory, blocks[0]!, ...args);
    // A safety net, not a timing: ≥ 0.1 GFLOP/s for the helper's last block plus 10 s
    // for a thread still starting.
    worker!.wait(10_000 + (batches * m * n * k * 2e-5 * split.per) / total);
    worker!.tally(Math.ceil(total / split.per), mine, Atomics.load(words, cw + COUNTER.HELPER_BLOCKS));
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

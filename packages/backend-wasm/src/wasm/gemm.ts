// The matmul's packing kernels and its whole loop nest in wasm: `gemm(params)` runs
// BLIS's blocking over one or many (batched) products from a parameter block in memory,
// so a thread runs each block it claims of a matmul in one call (kernels/matmul.ts
// splits the work and documents the blocking; the micro-kernel `gebp` is in kernels.ts).
import type { FunctionBuilder, Local, ModuleBuilder } from './assembler.js';

/** k block: an MR×KC panel of A (4 KiB) and a KC×NR panel of B (8 KiB) stay in L1. */
export const KC = 256;
/** Row block: MC×KC of packed A (128 KiB) stays in L2 while every B panel streams past it. */
export const MC = 128;
/**
 * Column block: bounds packed B to KC×NC (4 MiB) per thread, so a 50,257-wide LM head
 * does not need a 51 MiB packing buffer; A is packed again per column block (cheap
 * against the multiply-adds of 4,096 columns).
 */
export const NC = 4096;

/** gemm's parameter block: i32 words (pointers are byte addresses, the rest elements). */
export const GEMM = {
  A: 0,
  B: 1,
  C: 2,
  M: 3,
  N: 4,
  K: 5,
  LDA: 6,
  LDB: 7,
  LDC: 8,
  TRANS_A: 9,
  TRANS_B: 10,
  BATCHES: 11,
  A_STRIDE: 12,
  B_STRIDE: 13,
  C_STRIDE: 14,
  A_PACK: 15,
  B_PACK: 16,
  TILE: 17,
  /**
   * 1: A_PACK already holds all of op(A) packed (for each k block pc, the rows' MR-row
   * panels at A_PACK + (pc·mPad + ic·kc)·4, mPad = m rounded up to MR), shared by the
   * threads of a column split; 0: gemm packs each row block itself.
   */
  A_PACKED: 18,
  WORDS: 19,
} as const;

/** Pushes the i32x4 shuffle of a and b (on the stack) picking 32-bit lanes l (0–3: a, 4–7: b). */
function shuffle32(f: FunctionBuilder, l: readonly [number, number, number, number]): void {
  const bytes: number[] = [];
  for (const lane of l) for (let b = 0; b < 4; b++) bytes.push(lane * 4 + b);
  f.i8x16_shuffle(bytes);
}

/**
 * `pack_a(a, lda, trans, mc, kc, out)` writes MR-row panels of a block whose first
 * element is at byte address a (row i, column kk at a + (trans ? kk·lda + i : i·lda + kk)·4),
 * zero past mc rows; `pack_b(b, ldb, trans, n, kc, out)` writes NR-column panels
 * likewise (column j, row kk at b + (trans ? j·ldb + kk : kk·ldb + j)·4), zero past n.
 * A full panel moves four lanes at a time: where each lane is contiguous along k (A
 * row-major, B transposed: nn's Linear weights) four lanes × four k are loaded as rows
 * and transposed in registers; where the lanes are contiguous (A transposed, B
 * row-major) each k is one or two v128 copies. Edge panels go one element at a time.
 * Scalar references: packA / packB in kernels/matmul.ts.
 */
function emitPacking(mod: ModuleBuilder, mr: number, nr: number): void {
  for (const which of ['a', 'b'] as const) {
    const f = mod.function(`pack_${which}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
    const [src, ld, trans, extent, kc, out] = f.params as [Local, Local, Local, Local, Local, Local];
    const width = which === 'a' ? mr : nr;
    const panel = f.local('i32');
    const panels = f.local('i32');
    const lane = f.local('i32');
    const kk = f.local('i32');
    const idx = f.local('i32');
    const from = f.local('i32');
    const step = f.local('i32');
    const dst = f.local('i32');
    const kc4 = f.local('i32');
    const ld4 = f.local('i32');
    const alongRow = f.local('i32');
    const v = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')] as const;
    const t = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')] as const;
    // A stored (m, k) / B stored (n, k) when transposed: a lane's source is a row,
    // contiguous along k. Otherwise it is a column, ld elements apart along k.
    if (which === 'a') f.local_get(trans).i32_eqz().local_set(alongRow);
    else f.local_get(trans).local_set(alongRow);
    f.local_get(ld).i32_const(2).i32_shl().local_set(ld4);
    f.local_get(kc).i32_const(-4).i32_and().local_set(kc4);
    f.local_get(extent)
      .i32_const(width - 1)
      .i32_add()
      .i32_const(width)
      .i32_div_u()
      .local_set(panels);
    f.for_(
      panel,
      () => f.i32_const(0),
      () => f.local_get(panels),
      1,
      () => {
        // dst = out + panel·kc·width·4
        f.local_get(out)
          .local_get(panel)
          .local_get(kc)
          .i32_mul()
          .i32_const(width * 4)
          .i32_mul()
          .i32_add()
          .local_set(dst);
        f.local_get(panel).i32_const(width).i32_mul().i32_const(width).i32_add().local_get(extent).i32_le_s();
        f.if_(
          () => {
            // A full panel.
            f.local_get(alongRow);
            f.if_(
              () => {
                // Lanes contiguous along k: per group of four lanes, 4×4 transposes.
                for (let g = 0; g < width / 4; g++) {
                  // from = src + (panel·width + 4g)·ld·4
                  f.local_get(src)
                    .local_get(panel)
                    .i32_const(width)
                    .i32_mul()
                    .i32_const(4 * g)
                    .i32_add()
                    .local_get(ld4)
                    .i32_mul()
                    .i32_add()
                    .local_set(from);
                  f.for_(
                    kk,
                    () => f.i32_const(0),
                    () => f.local_get(kc4),
                    4,
                    () => {
                      // v[r] = lane r's four values at kk … kk + 3
                      for (let r = 0; r < 4; r++) {
                        f.local_get(from).local_get(kk).i32_const(2).i32_shl().i32_add();
                        if (r > 0) {
                          f.local_get(ld4).i32_const(r).i32_mul().i32_add();
                        }
                        f.v128_load().local_set(v[r]!);
                      }
                      f.local_get(v[0]).local_get(v[1]);
                      shuffle32(f, [0, 4, 1, 5]);
                      f.local_set(t[0]);
                      f.local_get(v[0]).local_get(v[1]);
                      shuffle32(f, [2, 6, 3, 7]);
                      f.local_set(t[1]);
                      f.local_get(v[2]).local_get(v[3]);
                      shuffle32(f, [0, 4, 1, 5]);
                      f.local_set(t[2]);
                      f.local_get(v[2]).local_get(v[3]);
                      shuffle32(f, [2, 6, 3, 7]);
                      f.local_set(t[3]);
                      // k = kk + q gets (lane 0, 1, 2, 3) of this group.
                      const rows: [Local, Local, [number, number, number, number]][] = [
                        [t[0], t[2], [0, 1, 4, 5]],
                        [t[0], t[2], [2, 3, 6, 7]],
                        [t[1], t[3], [0, 1, 4, 5]],
                        [t[1], t[3], [2, 3, 6, 7]],
                      ];
                      rows.forEach(([x, y, lanes], q) => {
                        // dst + (kk + q)·width·4 + 16g
                        f.local_get(dst)
                          .local_get(kk)
                          .i32_const(width * 4)
                          .i32_mul()
                          .i32_add();
                        f.local_get(x).local_get(y);
                        shuffle32(f, lanes);
                        f.v128_store(q * width * 4 + 16 * g);
                      });
                    },
                  );
                }
                // The last kc mod 4 values of each lane.
                f.for_(
                  lane,
                  () => f.i32_const(0),
                  () => f.i32_const(width),
                  1,
                  () => {
                    f.for_(
                      kk,
                      () => f.local_get(kc4),
                      () => f.local_get(kc),
                      1,
                      () => {
                        f.local_get(dst)
                          .local_get(kk)
                          .i32_const(width)
                          .i32_mul()
                          .local_get(lane)
                          .i32_add()
                          .i32_const(2)
                          .i32_shl()
                          .i32_add();
                        f.local_get(src)
                          .local_get(panel)
                          .i32_const(width)
                          .i32_mul()
                          .local_get(lane)
                          .i32_add()
                          .local_get(ld)
                          .i32_mul()
                          .local_get(kk)
                          .i32_add()
                          .i32_const(2)
                          .i32_shl()
                          .i32_add()
                          .f32_load();
                        f.f32_store();
                      },
                    );
                  },
                );
              },
              () => {
                // Lanes contiguous: each k is width/4 v128 copies.
                f.local_get(src)
                  .local_get(panel)
                  .i32_const(width * 4)
                  .i32_mul()
                  .i32_add()
                  .local_set(from);
                f.for_(
                  kk,
                  () => f.i32_const(0),
                  () => f.local_get(kc),
                  1,
                  () => {
                    for (let g = 0; g < width / 4; g++) {
                      f.local_get(dst)
                        .local_get(from)
                        .v128_load(16 * g)
                        .v128_store(16 * g);
                    }
                    f.local_get(from).local_get(ld4).i32_add().local_set(from);
                    f.local_get(dst)
                      .i32_const(width * 4)
                      .i32_add()
                      .local_set(dst);
                  },
                );
              },
            );
          },
          () => {
            // The edge panel: one element at a time, zero past the extent.
            f.for_(
              lane,
              () => f.i32_const(0),
              () => f.i32_const(width),
              1,
              () => {
                f.local_get(panel).i32_const(width).i32_mul().local_get(lane).i32_add().local_set(idx);
                // from = dst + lane·4 (reused as the lane's write pointer)
                f.local_get(dst).local_get(lane).i32_const(2).i32_shl().i32_add().local_set(from);
                f.local_get(idx).local_get(extent).i32_ge_s();
                f.if_(
                  () => {
                    f.for_(
                      kk,
                      () => f.i32_const(0),
                      () => f.local_get(kc),
                      1,
                      () => {
                        f.local_get(from).f32_const(0).f32_store();
                        f.local_get(from)
                          .i32_const(width * 4)
                          .i32_add()
                          .local_set(from);
                      },
                    );
                  },
                  () => {
                    // step: bytes between k and k + 1 in the source; idx becomes the source pointer.
                    f.local_get(alongRow);
                    f.if_(
                      () => {
                        f.local_get(src).local_get(idx).local_get(ld4).i32_mul().i32_add().local_set(idx);
                        f.i32_const(4).local_set(step);
                      },
                      () => {
                        f.local_get(src).local_get(idx).i32_const(2).i32_shl().i32_add().local_set(idx);
                        f.local_get(ld4).local_set(step);
                      },
                    );
                    f.for_(
                      kk,
                      () => f.i32_const(0),
                      () => f.local_get(kc),
                      1,
                      () => {
                        f.local_get(from).local_get(idx).f32_load().f32_store();
                        f.local_get(idx).local_get(step).i32_add().local_set(idx);
                        f.local_get(from)
                          .i32_const(width * 4)
                          .i32_add()
                          .local_set(from);
                      },
                    );
                  },
                );
              },
            );
          },
        );
      },
    );
  }
}

/**
 * `gemm(params)`: C = op(A)·op(B) for `batches` products, from the parameter block at
 * byte address params (GEMM's words). Per product, column block of NC and k block of
 * KC: op(B) is packed once (kc × nc; skipped for later products of a broadcast B that
 * fits one block),
 * then per row block of MC op(A) is packed and GEBP runs over the two, adding into C
 * after the first k block.
 */
function emitGemmDriver(mod: ModuleBuilder, mr: number): void {
  const packA = mod.indexByName('pack_a');
  const packB = mod.indexByName('pack_b');
  const gebp = mod.indexByName('gebp');
  const f = mod.function('gemm', ['i32']);
  const [params] = f.params as [Local];
  const word = (w: number) => {
    const l = f.local('i32');
    f.local_get(params)
      .i32_load(w * 4)
      .local_set(l);
    return l;
  };
  const a = word(GEMM.A);
  const b = word(GEMM.B);
  const c = word(GEMM.C);
  const m = word(GEMM.M);
  const n = word(GEMM.N);
  const k = word(GEMM.K);
  const lda = word(GEMM.LDA);
  const ldb = word(GEMM.LDB);
  const ldc = word(GEMM.LDC);
  const transA = word(GEMM.TRANS_A);
  const transB = word(GEMM.TRANS_B);
  const batches = word(GEMM.BATCHES);
  const aStride = word(GEMM.A_STRIDE);
  const bStride = word(GEMM.B_STRIDE);
  const cStride = word(GEMM.C_STRIDE);
  const aPack = word(GEMM.A_PACK);
  const bPack = word(GEMM.B_PACK);
  const tile = word(GEMM.TILE);
  const aPacked = word(GEMM.A_PACKED);
  const aPanel = f.local('i32');
  const mPad = f.local('i32');
  f.local_get(m)
    .i32_const(mr - 1)
    .i32_add()
    .i32_const(-mr)
    .i32_and()
    .local_set(mPad);
  const batch = f.local('i32');
  const jc = f.local('i32');
  const nc = f.local('i32');
  const pc = f.local('i32');
  const ic = f.local('i32');
  const kc = f.local('i32');
  const mc = f.local('i32');
  const min = (x: () => void, y: () => void) => {
    x();
    y();
    x();
    y();
    f.i32_lt_s().select();
  };
  f.for_(
    batch,
    () => f.i32_const(0),
    () => f.local_get(batches),
    1,
    () => {
      f.for_(
        jc,
        () => f.i32_const(0),
        () => f.local_get(n),
        NC,
        () => {
          min(
            () => f.i32_const(NC),
            () => f.local_get(n).local_get(jc).i32_sub(),
          );
          f.local_set(nc);
          f.for_(
            pc,
            () => f.i32_const(0),
            () => f.local_get(k),
            KC,
            () => {
              min(
                () => f.i32_const(KC),
                () => f.local_get(k).local_get(pc).i32_sub(),
              );
              f.local_set(kc);
              // Pack op(B)[pc …, jc …] unless it is the broadcast B packed for the previous product.
              f.local_get(batch).i32_eqz().local_get(bStride).i32_const(0).i32_ne().i32_or();
              f.local_get(k).i32_const(KC).i32_gt_s().i32_or();
              f.local_get(n).i32_const(NC).i32_gt_s().i32_or();
              f.if_(() => {
                // b + (transB ? jc·ldb + pc : pc·ldb + jc)·4
                f.local_get(b);
                f.local_get(jc).local_get(ldb).i32_mul().local_get(pc).i32_add();
                f.local_get(pc).local_get(ldb).i32_mul().local_get(jc).i32_add();
                f.local_get(transB).select();
                f.i32_const(2).i32_shl().i32_add();
                f.local_get(ldb).local_get(transB).local_get(nc).local_get(kc).local_get(bPack).call(packB);
              });
              f.for_(
                ic,
                () => f.i32_const(0),
                () => f.local_get(m),
                MC,
                () => {
                  min(
                    () => f.i32_const(MC),
                    () => f.local_get(m).local_get(ic).i32_sub(),
                  );
                  f.local_set(mc);
                  f.local_get(aPacked);
                  f.if_(
                    () => {
                      // aPack + (pc·mPad + ic·kc)·4: this row block of the prepacked A.
                      f.local_get(aPack);
                      f.local_get(pc)
                        .local_get(mPad)
                        .i32_mul()
                        .local_get(ic)
                        .local_get(kc)
                        .i32_mul()
                        .i32_add();
                      f.i32_const(2).i32_shl().i32_add().local_set(aPanel);
                    },
                    () => {
                      // a + (transA ? pc·lda + ic : ic·lda + pc)·4
                      f.local_get(a);
                      f.local_get(pc).local_get(lda).i32_mul().local_get(ic).i32_add();
                      f.local_get(ic).local_get(lda).i32_mul().local_get(pc).i32_add();
                      f.local_get(transA).select();
                      f.i32_const(2).i32_shl().i32_add();
                      f.local_get(lda)
                        .local_get(transA)
                        .local_get(mc)
                        .local_get(kc)
                        .local_get(aPack)
                        .call(packA);
                      f.local_get(aPack).local_set(aPanel);
                    },
                  );
                  f.local_get(aPanel).local_get(bPack);
                  // c + (ic·ldc + jc)·4
                  f.local_get(c).local_get(ic).local_get(ldc).i32_mul().local_get(jc).i32_add();
                  f.i32_const(2).i32_shl().i32_add();
                  f.local_get(mc).local_get(nc).local_get(kc);
                  f.local_get(ldc).i32_const(2).i32_shl();
                  f.local_get(pc).i32_const(0).i32_gt_s();
                  f.local_get(tile).call(gebp);
                },
              );
            },
          );
        },
      );
      f.local_get(a).local_get(aStride).i32_const(2).i32_shl().i32_add().local_set(a);
      f.local_get(b).local_get(bStride).i32_const(2).i32_shl().i32_add().local_set(b);
      f.local_get(c).local_get(cStride).i32_const(2).i32_shl().i32_add().local_set(c);
    },
  );
}

/** Emits pack_a, pack_b and gemm (after `gebp`, which gemm calls). */
export function emitGemm(mod: ModuleBuilder, mr: number, nr: number): void {
  emitPacking(mod, mr, nr);
  emitGemmDriver(mod, mr);
}

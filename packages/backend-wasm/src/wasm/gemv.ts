// Matrix-vector products, for matmuls with one row (token-by-token decoding with a KV
// cache, where every projection is x(1 × k)·W): GEBP would pack all of W for a single
// row and run its 4-row tile at a quarter of its width, so these read W exactly once,
// unpacked. They are memory-bound (each weight is read once, for one multiply-add);
// the scalar reference is the f64 loop in kernels.test.ts.
import type { FunctionBuilder, Local, ModuleBuilder } from './assembler.js';

function madd(f: FunctionBuilder, relaxed: boolean, acc: Local, push: () => void): void {
  // acc += (the two values `push` leaves on the stack, multiplied)
  if (relaxed) {
    push();
    f.local_get(acc).f32x4_relaxed_madd().local_set(acc);
  } else {
    f.local_get(acc);
    push();
    f.f32x4_mul().f32x4_add().local_set(acc);
  }
}

/**
 * `gemv_n(x, w, y, k, n, ldw)`: y[j] = Σ_kk x[kk]·W[kk, j] for j < n, W's rows ldw
 * elements apart (ldw > n: a share of the columns, for a helper thread). Blocking: y
 * (n floats: 12 KiB for GPT-2's widest projection) stays in L1 and W streams through
 * once, four rows at a time — y[j..j+4] += x0·W[kk, j..] + … + x3·W[kk+3, j..] — so
 * each y vector is loaded and stored once per four rows; the last k mod 4 rows go one
 * at a time, and columns past n mod 4 one lane at a time.
 */
function emitGemvN(mod: ModuleBuilder, relaxed: boolean): void {
  const f = mod.function('gemv_n', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, w, y, k, n, ldw] = f.params as [Local, Local, Local, Local, Local, Local];
  const j = f.local('i32');
  const kk = f.local('i32');
  const off = f.local('i32');
  const ld = f.local('i32');
  const k4 = f.local('i32');
  const n4 = f.local('i32');
  const row = f.local('i32');
  const acc = f.local('v128');
  const xs = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  f.local_get(ldw).i32_const(2).i32_shl().local_set(ld);
  f.local_get(k).i32_const(-4).i32_and().local_set(k4);
  f.local_get(n).i32_const(-4).i32_and().local_set(n4);
  // y = 0
  f.for_(
    j,
    () => f.i32_const(0),
    () => f.local_get(n),
    1,
    () => {
      f.local_get(y).local_get(j).i32_const(2).i32_shl().i32_add().f32_const(0).f32_store();
    },
  );
  /** y += Σ_r x[kk + r]·W[kk + r, :] for `rows` rows starting at kk. */
  const pass = (rows: number) => {
    for (let r = 0; r < rows; r++) {
      f.local_get(x).local_get(kk).i32_const(r).i32_add().i32_const(2).i32_shl().i32_add();
      f.v128_load32_splat().local_set(xs[r]!);
    }
    f.local_get(w).local_get(kk).local_get(ld).i32_mul().i32_add().local_set(row);
    for (const lanes of [4, 1] as const) {
      f.for_(
        j,
        () => (lanes === 4 ? f.i32_const(0) : f.local_get(n4)),
        () => f.local_get(lanes === 4 ? n4 : n),
        lanes,
        () => {
          f.local_get(j).i32_const(2).i32_shl().local_set(off);
          f.local_get(y).local_get(off).i32_add();
          if (lanes === 4) f.v128_load();
          else f.v128_load32_splat();
          f.local_set(acc);
          for (let r = 0; r < rows; r++) {
            madd(f, relaxed, acc, () => {
              f.local_get(xs[r]!);
              f.local_get(row).local_get(off).i32_add();
              if (r > 0) f.local_get(ld).i32_const(r).i32_mul().i32_add();
              if (lanes === 4) f.v128_load();
              else f.v128_load32_splat();
            });
          }
          f.local_get(y).local_get(off).i32_add().local_get(acc);
          if (lanes === 4) f.v128_store();
          else f.f32x4_extract_lane(0).f32_store();
        },
      );
    }
  };
  f.for_(
    kk,
    () => f.i32_const(0),
    () => f.local_get(k4),
    4,
    () => pass(4),
  );
  f.for_(
    kk,
    () => f.local_get(k4),
    () => f.local_get(k),
    1,
    () => pass(1),
  );
}

/**
 * `gemv_t(x, w, y, k, n)`: y[j] = Σ_kk x[kk]·W[j, kk], W stored (n, k) (a transposed
 * weight, such as a tied LM head). Blocking: four rows of W at a time, each a dot
 * product with x in its own v128 accumulator (x's four lanes loaded once for all four),
 * a scalar tail for k mod 4, then the last n mod 4 rows one at a time.
 */
function emitGemvT(mod: ModuleBuilder, relaxed: boolean): void {
  const f = mod.function('gemv_t', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, w, y, k, n] = f.params as [Local, Local, Local, Local, Local];
  const j = f.local('i32');
  const kk = f.local('i32');
  const k4 = f.local('i32');
  const row = f.local('i32');
  const xv = f.local('v128');
  const ld = f.local('i32');
  const end = f.local('i32');
  const acc = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const tail = [f.local('f32'), f.local('f32'), f.local('f32'), f.local('f32')];
  f.local_get(k).i32_const(2).i32_shl().local_set(ld);
  f.local_get(k).i32_const(-4).i32_and().local_set(k4);
  const rows = (count: number) => {
    for (let r = 0; r < count; r++) {
      f.f32x4_const(0).local_set(acc[r]!);
      f.f32_const(0).local_set(tail[r]!);
    }
    // row = w + j·k·4
    f.local_get(w).local_get(j).local_get(ld).i32_mul().i32_add().local_set(row);
    f.for_(
      kk,
      () => f.i32_const(0),
      () => f.local_get(k4),
      4,
      () => {
        f.local_get(x).local_get(kk).i32_const(2).i32_shl().i32_add().v128_load().local_set(xv);
        for (let r = 0; r < count; r++) {
          madd(f, relaxed, acc[r]!, () => {
            f.local_get(xv);
            f.local_get(row).local_get(ld).i32_const(r).i32_mul().i32_add();
            f.local_get(kk).i32_const(2).i32_shl().i32_add().v128_load();
          });
        }
      },
    );
    f.for_(
      kk,
      () => f.local_get(k4),
      () => f.local_get(k),
      1,
      () => {
        for (let r = 0; r < count; r++) {
          f.local_get(tail[r]!);
          f.local_get(x).local_get(kk).i32_const(2).i32_shl().i32_add().f32_load();
          f.local_get(row).local_get(ld).i32_const(r).i32_mul().i32_add();
          f.local_get(kk).i32_const(2).i32_shl().i32_add().f32_load();
          f.f32_mul().f32_add().local_set(tail[r]!);
        }
      },
    );
    for (let r = 0; r < count; r++) {
      const a = acc[r]!;
      f.local_get(y).local_get(j).i32_const(r).i32_add().i32_const(2).i32_shl().i32_add();
      f.local_get(a).f32x4_extract_lane(0).local_get(a).f32x4_extract_lane(1).f32_add();
      f.local_get(a).f32x4_extract_lane(2).local_get(a).f32x4_extract_lane(3).f32_add();
      f.f32_add().local_get(tail[r]!).f32_add().f32_store();
    }
  };
  f.local_get(n).i32_const(-4).i32_and().local_set(end);
  f.for_(
    j,
    () => f.i32_const(0),
    () => f.local_get(end),
    4,
    () => rows(4),
  );
  f.for_(
    j,
    () => f.local_get(j),
    () => f.local_get(n),
    1,
    () => rows(1),
  );
}

/** Emits gemv_n and gemv_t. */
export function emitGemv(mod: ModuleBuilder, relaxed: boolean): void {
  emitGemvN(mod, relaxed);
  emitGemvT(mod, relaxed);
}

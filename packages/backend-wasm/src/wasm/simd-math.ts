// Vector math emitted inline into kernels: e^x, the logistic sigmoid, tanh and GELU
// (tanh form) on four f32 lanes. WebAssembly has no transcendental instructions, so e^x
// is range-reduced (x = n·ln2 + r, |r| ≤ ln2/2, Cody–Waite split of ln2), a degree-6
// Taylor polynomial gives e^r (relative error ≈ 1.2e-7), and 2^n is built in the
// exponent bits. Lanes below −87.33 give exactly 0 (so masked logits vanish), above
// 88.72 +∞, and NaN stays NaN.
import type { FunctionBuilder, Local } from './assembler.js';

const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375; // exact in f32 with trailing zeros, so n·LN2_HI is exact
const LN2_LO = -2.1219444e-4;
const EXP_LOW = -87.33654;
const EXP_HIGH = 88.72283;

/** Scratch v128 locals a function's vector math shares (allocated once per function). */
export class VectorScratch {
  readonly x: Local;
  readonly n: Local;
  readonly r: Local;
  readonly p: Local;
  readonly t: Local;

  constructor(readonly f: FunctionBuilder) {
    this.x = f.local('v128');
    this.n = f.local('v128');
    this.r = f.local('v128');
    this.p = f.local('v128');
    this.t = f.local('v128');
  }

  /** Pops v, pushes e^v. */
  exp(): void {
    const { f, x, n, r, p } = this;
    f.local_set(x);
    // n = round(x·log2 e) on x clamped to the range where 2^n is a normal f32.
    f.local_get(x).f32x4_const(EXP_LOW).f32x4_max().f32x4_const(88.37).f32x4_min();
    f.local_tee(r).f32x4_const(LOG2E).f32x4_mul().f32x4_nearest().local_set(n);
    // r = x − n·ln2 (hi and lo parts).
    f.local_get(r).local_get(n).f32x4_const(LN2_HI).f32x4_mul().f32x4_sub();
    f.local_get(n).f32x4_const(LN2_LO).f32x4_mul().f32x4_sub().local_set(r);
    // p = 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r(1/120 + r/720))))) by Horner.
    f.local_get(r)
      .f32x4_const(1 / 720)
      .f32x4_mul()
      .f32x4_const(1 / 120)
      .f32x4_add();
    for (const c of [1 / 24, 1 / 6, 1 / 2, 1, 1]) {
      f.local_get(r).f32x4_mul().f32x4_const(c).f32x4_add();
    }
    f.local_set(p);
    // 2^n: (n + 127) << 23 as f32 bits.
    f.local_get(p);
    f.local_get(n).i32x4_trunc_sat_f32x4_s().i32x4_const(127).i32x4_add().i32_const(23).i32x4_shl();
    f.f32x4_mul();
    // Saturate: +∞ above the range, 0 below it.
    f.f32x4_const(Number.POSITIVE_INFINITY);
    f.local_get(x).f32x4_const(EXP_HIGH).f32x4_gt();
    // stack: result, inf, mask → bitselect(inf, result, mask) needs (inf, result, mask)
    f.local_set(p); // mask
    f.local_set(r); // inf
    f.local_set(n); // result
    f.local_get(r).local_get(n).local_get(p).v128_bitselect();
    f.local_get(x).f32x4_const(EXP_LOW).f32x4_lt().v128_andnot();
  }

  /** Pops v, pushes 1 / (1 + e^−v). */
  sigmoid(): void {
    const { f, t } = this;
    f.f32x4_neg();
    this.exp();
    f.local_set(t);
    f.f32x4_const(1).f32x4_const(1).local_get(t).f32x4_add().f32x4_div();
  }

  /** Pops v, pushes tanh v = 2·sigmoid(2v) − 1. */
  tanh(): void {
    const { f } = this;
    f.f32x4_const(2).f32x4_mul();
    this.sigmoid();
    f.f32x4_const(2).f32x4_mul().f32x4_const(1).f32x4_sub();
  }

  /** Pops v, pushes u(v) = √(2/π)·(v + 0.044715·v³), the argument of GELU's tanh. */
  #geluArg(v: Local): void {
    const { f } = this;
    f.local_get(v).local_get(v).f32x4_mul().f32x4_const(0.044715).f32x4_mul().f32x4_const(1).f32x4_add();
    f.local_get(v)
      .f32x4_mul()
      .f32x4_const(Math.sqrt(2 / Math.PI))
      .f32x4_mul();
  }

  /** GELU (tanh form) of the v128 in `v`: v·sigmoid(2u), since ½(1 + tanh u) = sigmoid(2u). */
  gelu(v: Local): void {
    const { f } = this;
    f.local_get(v);
    this.#geluArg(v);
    f.f32x4_const(2).f32x4_mul();
    this.sigmoid();
    f.f32x4_mul();
  }

  /**
   * GELU's derivative at `v` times `dy`: with s = sigmoid(2u),
   * d/dv = s + 2v·s(1 − s)·√(2/π)·(1 + 3·0.044715·v²).
   */
  geluGrad(v: Local, dy: Local, s: Local): void {
    const { f } = this;
    this.#geluArg(v);
    f.f32x4_const(2).f32x4_mul();
    this.sigmoid();
    f.local_set(s);
    f.local_get(s);
    f.local_get(v)
      .f32x4_const(2 * Math.sqrt(2 / Math.PI))
      .f32x4_mul();
    f.local_get(s).f32x4_mul();
    f.f32x4_const(1).local_get(s).f32x4_sub().f32x4_mul();
    f.local_get(v)
      .local_get(v)
      .f32x4_mul()
      .f32x4_const(3 * 0.044715)
      .f32x4_mul()
      .f32x4_const(1)
      .f32x4_add();
    f.f32x4_mul().f32x4_add();
    f.local_get(dy).f32x4_mul();
  }
}

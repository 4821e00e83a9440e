// Vector math emitted inline into kernels: e^x, the logistic sigmoid, tanh, erf and
// GELU (tanh and erf forms) on four f32 lanes. WebAssembly has no transcendental instructions, so e^x
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
  readonly e1: Local;
  readonly e2: Local;
  readonly e3: Local;

  constructor(readonly f: FunctionBuilder) {
    this.x = f.local('v128');
    this.n = f.local('v128');
    this.r = f.local('v128');
    this.p = f.local('v128');
    this.t = f.local('v128');
    this.e1 = f.local('v128');
    this.e2 = f.local('v128');
    this.e3 = f.local('v128');
  }

  /**
   * Pushes erf of the v128 in `v` (not one of this scratch's locals), as the scalar erf
   * of backend-cpu's kernels: the odd Taylor series to x¹¹ where |x| < 0.5 (keeps
   * relative precision near 0), else 1 − erfc(|x|) with erfc by Numerical Recipes'
   * Chebyshev fit (fractional error < 1.2e-7), with x's sign. Both are computed and
   * one is selected per lane.
   */
  erf(v: Local): void {
    const { f, e1: z, e2: t, e3: big } = this;
    f.local_get(v).f32x4_abs().local_set(z);
    f.f32x4_const(1).f32x4_const(1).local_get(z).f32x4_const(0.5).f32x4_mul().f32x4_add().f32x4_div();
    f.local_set(t);
    // erfc(z) = t·exp(−z² − 1.26551223 + t·P(t)), P by Horner.
    f.local_get(t).f32x4_const(0.17087277).f32x4_mul().f32x4_const(-0.82215223).f32x4_add();
    for (const c of [1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368]) {
      f.local_get(t).f32x4_mul().f32x4_const(c).f32x4_add();
    }
    f.local_get(t).f32x4_mul().f32x4_const(-1.26551223).f32x4_add();
    f.local_get(z).local_get(z).f32x4_mul().f32x4_sub();
    this.exp();
    f.local_get(t).f32x4_mul().local_set(big);
    // (1 − erfc(|x|)) with the sign bit of x.
    f.f32x4_const(1).local_get(big).f32x4_sub();
    f.local_get(v).f32x4_const(-0).v128_and().v128_or().local_set(big);
    // 2/√π · x · (1 + x²(−1/3 + x²(1/10 + x²(−1/42 + x²(1/216 − x²/1320))))).
    f.local_get(v).local_get(v).f32x4_mul().local_set(t);
    f.local_get(t)
      .f32x4_const(-1 / 1320)
      .f32x4_mul()
      .f32x4_const(1 / 216)
      .f32x4_add();
    for (const c of [-1 / 42, 1 / 10, -1 / 3, 1]) {
      f.local_get(t).f32x4_mul().f32x4_const(c).f32x4_add();
    }
    f.local_get(v).f32x4_mul().f32x4_const(1.1283791670955126).f32x4_mul();
    f.local_get(big);
    f.local_get(v).f32x4_abs().f32x4_const(0.5).f32x4_lt();
    f.v128_bitselect();
  }

  /** GELU (erf form, BERT's) of the v128 in `v`: ½·v·(1 + erf(v/√2)); `u` is scratch. */
  geluErf(v: Local, u: Local): void {
    const { f } = this;
    f.local_get(v).f32x4_const(Math.SQRT1_2).f32x4_mul().local_set(u);
    this.erf(u);
    f.f32x4_const(1).f32x4_add().local_get(v).f32x4_mul().f32x4_const(0.5).f32x4_mul();
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

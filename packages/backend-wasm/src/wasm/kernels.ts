// The backend's WebAssembly kernels, emitted once when a backend is created. Every
// pointer is a byte offset into the shared memory and every count is in elements (f32).
// Element loops run four lanes at a time (v128) and finish the last n mod 4 elements
// one at a time with the same vector code on a splatted scalar, so a kernel never
// reads or writes past its row. Each kernel's blocking is described where it is
// emitted; the scalar references they are tested against are in kernels/js-kernels.ts.
import { type FunctionBuilder, type Local, ModuleBuilder } from './assembler.js';
import { emitGemm } from './gemm.js';
import { emitGemv } from './gemv.js';
import { emitLayoutKernels } from './layout-kernels.js';
import { VectorScratch } from './simd-math.js';

/** Unary f32 ops with a SIMD kernel (`u_<op>(x, out, n)`). */
export const SIMD_UNARY = [
  'neg',
  'abs',
  'sign',
  'sqrt',
  'rsqrt',
  'square',
  'reciprocal',
  'relu',
  'floor',
  'ceil',
  'round',
  'exp',
  'sigmoid',
  'tanh',
  'gelu',
  'erf',
  'geluErf',
] as const;
export type SimdUnaryOp = (typeof SIMD_UNARY)[number];

/** Activation gradients `(input, dy) → dx` (`g_<op>(input, dy, out, n)`). */
export const SIMD_GRAD = ['reluGrad', 'tanhGrad', 'sigmoidGrad', 'geluGrad'] as const;
export type SimdGradOp = (typeof SIMD_GRAD)[number];

export const SIMD_REDUCE = ['sum', 'max', 'min'] as const;
export type SimdReduceOp = (typeof SIMD_REDUCE)[number];

/** Register block of the matmul micro-kernel: MR rows × NR columns of C in v128 accumulators. */
export const MR = 4;
export const NR = 8;

type Lanes = 4 | 1;

/** Pushes the f32 (lanes 1, splatted) or v128 (lanes 4) at ptr + off. */
function load(f: FunctionBuilder, ptr: Local, off: Local, lanes: Lanes): void {
  f.local_get(ptr).local_get(off).i32_add();
  if (lanes === 4) f.v128_load();
  else f.v128_load32_splat();
}

/** Stores the v128 on the stack at (address already pushed): four lanes, or lane 0. */
function store(f: FunctionBuilder, lanes: Lanes): void {
  if (lanes === 4) f.v128_store();
  else f.f32x4_extract_lane(0).f32_store();
}

function pushAddress(f: FunctionBuilder, ptr: Local, off: Local): void {
  f.local_get(ptr).local_get(off).i32_add();
}

/** for i in [0, n): body(byte offset, lanes) — four at a time, then the tail one at a time. */
function elementLoop(f: FunctionBuilder, n: Local, body: (off: Local, lanes: Lanes) => void): void {
  const i = f.local('i32');
  const off = f.local('i32');
  const end4 = f.local('i32');
  f.local_get(n).i32_const(-4).i32_and().local_set(end4);
  f.for_(
    i,
    () => f.i32_const(0),
    () => f.local_get(end4),
    4,
    () => {
      f.local_get(i).i32_const(2).i32_shl().local_set(off);
      body(off, 4);
    },
  );
  f.for_(
    i,
    () => f.local_get(end4),
    () => f.local_get(n),
    1,
    () => {
      f.local_get(i).i32_const(2).i32_shl().local_set(off);
      body(off, 1);
    },
  );
}

function emitUnary(op: SimdUnaryOp, f: FunctionBuilder, v: Local, u: Local, math: VectorScratch): void {
  // Pushes op(v).
  switch (op) {
    case 'neg':
      f.local_get(v).f32x4_neg();
      return;
    case 'abs':
      f.local_get(v).f32x4_abs();
      return;
    case 'sign':
      // v > 0 → 1, v < 0 → −1, else v itself (keeps ±0 and NaN).
      f.f32x4_const(1);
      f.f32x4_const(-1).local_get(v).local_get(v).f32x4_const(0).f32x4_lt().v128_bitselect();
      f.local_get(v).f32x4_const(0).f32x4_gt().v128_bitselect();
      return;
    case 'sqrt':
      f.local_get(v).f32x4_sqrt();
      return;
    case 'rsqrt':
      f.f32x4_const(1).local_get(v).f32x4_sqrt().f32x4_div();
      return;
    case 'square':
      f.local_get(v).local_get(v).f32x4_mul();
      return;
    case 'reciprocal':
      f.f32x4_const(1).local_get(v).f32x4_div();
      return;
    case 'relu':
      // IEEE max keeps NaN and maps −0 to +0, as `v <= 0 ? 0 : v` does.
      f.local_get(v).f32x4_const(0).f32x4_max();
      return;
    case 'floor':
      f.local_get(v).f32x4_floor();
      return;
    case 'ceil':
      f.local_get(v).f32x4_ceil();
      return;
    case 'round':
      f.local_get(v).f32x4_nearest(); // ties to even, as PyTorch
      return;
    case 'exp':
      f.local_get(v);
      math.exp();
      return;
    case 'sigmoid':
      f.local_get(v);
      math.sigmoid();
      return;
    case 'tanh':
      f.local_get(v);
      math.tanh();
      return;
    case 'gelu':
      math.gelu(v);
      return;
    case 'erf':
      math.erf(v);
      return;
    case 'geluErf':
      math.geluErf(v, u);
      return;
  }
}

function emitReduceStep(op: SimdReduceOp, f: FunctionBuilder): void {
  if (op === 'sum') f.f32x4_add();
  else if (op === 'max') f.f32x4_max();
  else f.f32x4_min();
}

function emitScalarReduceStep(op: SimdReduceOp, f: FunctionBuilder): void {
  if (op === 'sum') f.f32_add();
  else if (op === 'max') f.f32_max();
  else f.f32_min();
}

/** Pushes the horizontal op of the four lanes of `acc`, combined with the f32 `tail`. */
function horizontal(op: SimdReduceOp, f: FunctionBuilder, acc: Local, tail: Local): void {
  f.local_get(acc).f32x4_extract_lane(0).local_get(acc).f32x4_extract_lane(1);
  emitScalarReduceStep(op, f);
  f.local_get(acc).f32x4_extract_lane(2).local_get(acc).f32x4_extract_lane(3);
  emitScalarReduceStep(op, f);
  emitScalarReduceStep(op, f);
  f.local_get(tail);
  emitScalarReduceStep(op, f);
}

/**
 * Reduces a dense row (4 lanes plus a scalar tail) with `op`, leaving the f32 on the
 * stack; `value(off, lanes)` pushes the element(s) to reduce. Sums start at 0, max/min
 * at the row's first value (`first` pushes it as f32).
 */
function reduceRow(
  f: FunctionBuilder,
  op: SimdReduceOp,
  n: Local,
  first: () => void,
  value: (off: Local, lanes: Lanes) => void,
): void {
  const acc = f.local('v128');
  const tail = f.local('f32');
  if (op === 'sum') {
    f.f32x4_const(0).local_set(acc);
    f.f32_const(0).local_set(tail);
  } else {
    first();
    f.local_tee(tail).f32x4_splat().local_set(acc);
  }
  elementLoop(f, n, (off, lanes) => {
    if (lanes === 4) {
      f.local_get(acc);
      value(off, 4);
      emitReduceStep(op, f);
      f.local_set(acc);
    } else {
      f.local_get(tail);
      value(off, 1);
      f.f32x4_extract_lane(0);
      emitScalarReduceStep(op, f);
      f.local_set(tail);
    }
  });
  horizontal(op, f, acc, tail);
}

export interface KernelExports {
  readonly [name: string]: (...args: number[]) => number | undefined;
}

/** Emits the kernel module; it imports its memory as `env.memory`. */
export function buildKernelModule(options: {
  relaxedSimd: boolean;
  shared: boolean;
}): Uint8Array<ArrayBuffer> {
  // A shared memory (for threads) must declare its maximum: wasm32's 65,536 pages.
  const mod = new ModuleBuilder(
    options.shared ? { initialPages: 1, maximumPages: 65536, shared: true } : { initialPages: 1 },
  );

  // Element-wise unary: out[i] = op(x[i]).
  for (const op of SIMD_UNARY) {
    const f = mod.function(`u_${op}`, ['i32', 'i32', 'i32']);
    const [x, out, n] = f.params as [Local, Local, Local];
    const math = new VectorScratch(f);
    const v = f.local('v128');
    const u = f.local('v128');
    elementLoop(f, n, (off, lanes) => {
      load(f, x, off, lanes);
      f.local_set(v);
      pushAddress(f, out, off);
      emitUnary(op, f, v, u, math);
      store(f, lanes);
    });
  }

  // Activation gradients, dense and same-shape: input is x (relu, gelu) or y (tanh, sigmoid).
  for (const op of SIMD_GRAD) {
    const f = mod.function(`g_${op}`, ['i32', 'i32', 'i32', 'i32']);
    const [input, dy, out, n] = f.params as [Local, Local, Local, Local];
    const math = new VectorScratch(f);
    const x = f.local('v128');
    const g = f.local('v128');
    const s = f.local('v128');
    elementLoop(f, n, (off, lanes) => {
      load(f, input, off, lanes);
      f.local_set(x);
      load(f, dy, off, lanes);
      f.local_set(g);
      pushAddress(f, out, off);
      if (op === 'reluGrad') f.local_get(g).local_get(x).f32x4_const(0).f32x4_gt().v128_and();
      else if (op === 'tanhGrad') {
        f.local_get(g).f32x4_const(1).local_get(x).local_get(x).f32x4_mul().f32x4_sub().f32x4_mul();
      } else if (op === 'sigmoidGrad') {
        f.local_get(g).local_get(x).f32x4_mul().f32x4_const(1).local_get(x).f32x4_sub().f32x4_mul();
      } else math.geluGrad(x, g, s);
      store(f, lanes);
    });
  }

  // Reductions over the last axis: one row at a time, a v128 accumulator over the row
  // and a scalar one for its tail; out[r] = op(row)·scale (scale: 1, or 1/cols for mean).
  for (const op of SIMD_REDUCE) {
    const f = mod.function(`r_last_${op}`, ['i32', 'i32', 'i32', 'i32', 'f32']);
    const [x, out, rows, cols, scale] = f.params as [Local, Local, Local, Local, Local];
    const r = f.local('i32');
    const row = f.local('i32');
    f.for_(
      r,
      () => f.i32_const(0),
      () => f.local_get(rows),
      1,
      () => {
        f.local_get(x).local_get(r).local_get(cols).i32_mul().i32_const(2).i32_shl().i32_add().local_set(row);
        f.local_get(out).local_get(r).i32_const(2).i32_shl().i32_add();
        reduceRow(
          f,
          op,
          cols,
          () => f.local_get(row).f32_load(),
          (off, lanes) => load(f, row, off, lanes),
        );
        if (op === 'sum') f.local_get(scale).f32_mul();
        f.f32_store();
      },
    );
  }

  // Reductions over a middle axis of (outer, size, inner): the output row of `inner`
  // values is the accumulator, and each of the `size` input rows is folded into it with
  // dense vector ops (a transposed walk: no strided loads).
  for (const op of SIMD_REDUCE) {
    const f = mod.function(`r_axis_${op}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'f32']);
    const [x, out, outer, size, inner, scale] = f.params as [Local, Local, Local, Local, Local, Local];
    const o = f.local('i32');
    const s = f.local('i32');
    const dst = f.local('i32');
    const src = f.local('i32');
    const sv = f.local('v128');
    f.local_get(scale).f32x4_splat().local_set(sv);
    f.for_(
      o,
      () => f.i32_const(0),
      () => f.local_get(outer),
      1,
      () => {
        f.local_get(out)
          .local_get(o)
          .local_get(inner)
          .i32_mul()
          .i32_const(2)
          .i32_shl()
          .i32_add()
          .local_set(dst);
        f.local_get(x)
          .local_get(o)
          .local_get(size)
          .i32_mul()
          .local_get(inner)
          .i32_mul()
          .i32_const(2)
          .i32_shl();
        f.i32_add().local_set(src);
        elementLoop(f, inner, (off, lanes) => {
          pushAddress(f, dst, off);
          load(f, src, off, lanes);
          store(f, lanes);
        });
        f.for_(
          s,
          () => f.i32_const(1),
          () => f.local_get(size),
          1,
          () => {
            f.local_get(src).local_get(inner).i32_const(2).i32_shl().i32_add().local_set(src);
            elementLoop(f, inner, (off, lanes) => {
              pushAddress(f, dst, off);
              load(f, dst, off, lanes);
              load(f, src, off, lanes);
              emitReduceStep(op, f);
              store(f, lanes);
            });
          },
        );
        if (op === 'sum') {
          elementLoop(f, inner, (off, lanes) => {
            pushAddress(f, dst, off);
            load(f, dst, off, lanes);
            f.local_get(sv).f32x4_mul();
            store(f, lanes);
          });
        }
      },
    );
  }

  emitSoftmax(mod);
  emitCrossEntropy(mod);
  emitLayerNorm(mod);
  emitAdamW(mod);
  emitMatmul(mod, options.relaxedSimd);
  emitGemm(mod, MR, NR);
  emitLayoutKernels(mod);
  emitGemv(mod, options.relaxedSimd);
  return mod.encode();
}

/** Byte address of row r: base + r·cols·4. */
function rowAddress(f: FunctionBuilder, base: Local, r: Local, cols: Local, into: Local): void {
  f.local_get(base).local_get(r).local_get(cols).i32_mul().i32_const(2).i32_shl().i32_add().local_set(into);
}

/**
 * Softmax over rows: three passes per row (max; e^(x − max) written out and summed;
 * scale by 1/sum), each over the row with v128 lanes, so a row stays in L1 between
 * passes. A row of −∞ uses max 0, as the reference does. Backward: one dot product
 * and one element pass per row.
 */
function emitSoftmax(mod: ModuleBuilder): void {
  {
    const f = mod.function('softmax', ['i32', 'i32', 'i32', 'i32']);
    const [x, out, rows, cols] = f.params as [Local, Local, Local, Local];
    const math = new VectorScratch(f);
    const r = f.local('i32');
    const xr = f.local('i32');
    const or = f.local('i32');
    const peak = f.local('f32');
    const pv = f.local('v128');
    const e = f.local('v128');
    const sumv = f.local('v128');
    const sum = f.local('f32');
    f.for_(
      r,
      () => f.i32_const(0),
      () => f.local_get(rows),
      1,
      () => {
        rowAddress(f, x, r, cols, xr);
        rowAddress(f, out, r, cols, or);
        reduceRow(
          f,
          'max',
          cols,
          () => f.local_get(xr).f32_load(),
          (off, lanes) => load(f, xr, off, lanes),
        );
        f.local_set(peak);
        f.local_get(peak).f32_const(Number.NEGATIVE_INFINITY).f32_eq();
        f.if_(() => f.f32_const(0).local_set(peak));
        f.local_get(peak).f32x4_splat().local_set(pv);
        f.f32x4_const(0).local_set(sumv);
        f.f32_const(0).local_set(sum);
        elementLoop(f, cols, (off, lanes) => {
          pushAddress(f, or, off);
          load(f, xr, off, lanes);
          f.local_get(pv).f32x4_sub();
          math.exp();
          f.local_tee(e);
          store(f, lanes);
          if (lanes === 4) f.local_get(sumv).local_get(e).f32x4_add().local_set(sumv);
          else f.local_get(sum).local_get(e).f32x4_extract_lane(0).f32_add().local_set(sum);
        });
        horizontal('sum', f, sumv, sum);
        f.local_set(sum);
        f.f32_const(1).local_get(sum).f32_div().f32x4_splat().local_set(pv);
        elementLoop(f, cols, (off, lanes) => {
          pushAddress(f, or, off);
          load(f, or, off, lanes);
          f.local_get(pv).f32x4_mul();
          store(f, lanes);
        });
      },
    );
  }
  for (const log of [false, true]) {
    // softmax: dx = y·(dy − Σ dy·y); log-softmax: dx = dy − e^y·Σ dy.
    const f = mod.function(log ? 'log_softmax_backward' : 'softmax_backward', [
      'i32',
      'i32',
      'i32',
      'i32',
      'i32',
    ]);
    const [y, dy, dx, rows, cols] = f.params as [Local, Local, Local, Local, Local];
    const math = new VectorScratch(f);
    const r = f.local('i32');
    const yr = f.local('i32');
    const gr = f.local('i32');
    const xr = f.local('i32');
    const dot = f.local('v128');
    f.for_(
      r,
      () => f.i32_const(0),
      () => f.local_get(rows),
      1,
      () => {
        rowAddress(f, y, r, cols, yr);
        rowAddress(f, dy, r, cols, gr);
        rowAddress(f, dx, r, cols, xr);
        reduceRow(
          f,
          'sum',
          cols,
          () => {},
          (off, lanes) => {
            load(f, gr, off, lanes);
            if (!log) {
              load(f, yr, off, lanes);
              f.f32x4_mul();
            }
          },
        );
        f.f32x4_splat().local_set(dot);
        elementLoop(f, cols, (off, lanes) => {
          pushAddress(f, xr, off);
          if (log) {
            load(f, gr, off, lanes);
            load(f, yr, off, lanes);
            math.exp();
            f.local_get(dot).f32x4_mul().f32x4_sub();
          } else {
            load(f, yr, off, lanes);
            load(f, gr, off, lanes);
            f.local_get(dot).f32x4_sub().f32x4_mul();
          }
          store(f, lanes);
        });
      },
    );
  }
}

/**
 * The row statistics of a log-sum-exp, and the cross-entropy gradient. `row_max_sumexp`
 * writes each row's max and Σ e^(x − max) (two passes over the row, v128 lanes; the
 * caller takes the log in JS: wasm has no log instruction, and it is one per row).
 * `ce_backward` writes e^(x − lse[r])·scale[r] per element (softmax times the row's
 * upstream gradient, 0 for ignored rows); the caller subtracts scale[r] at the target.
 */
function emitCrossEntropy(mod: ModuleBuilder): void {
  {
    const f = mod.function('row_max_sumexp', ['i32', 'i32', 'i32', 'i32', 'i32']);
    const [x, maxOut, sumOut, rows, cols] = f.params as [Local, Local, Local, Local, Local];
    const math = new VectorScratch(f);
    const r = f.local('i32');
    const xr = f.local('i32');
    const peak = f.local('f32');
    const pv = f.local('v128');
    f.for_(
      r,
      () => f.i32_const(0),
      () => f.local_get(rows),
      1,
      () => {
        rowAddress(f, x, r, cols, xr);
        reduceRow(
          f,
          'max',
          cols,
          () => f.local_get(xr).f32_load(),
          (off, lanes) => load(f, xr, off, lanes),
        );
        f.local_set(peak);
        f.local_get(maxOut).local_get(r).i32_const(2).i32_shl().i32_add().local_get(peak).f32_store();
        f.local_get(peak).f32x4_splat().local_set(pv);
        f.local_get(sumOut).local_get(r).i32_const(2).i32_shl().i32_add();
        reduceRow(
          f,
          'sum',
          cols,
          () => {},
          (off, lanes) => {
            load(f, xr, off, lanes);
            f.local_get(pv).f32x4_sub();
            math.exp();
          },
        );
        f.f32_store();
      },
    );
  }
  {
    const f = mod.function('ce_backward', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
    const [x, lse, scale, out, rows, cols] = f.params as Local[] as [
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
    ];
    const math = new VectorScratch(f);
    const r = f.local('i32');
    const xr = f.local('i32');
    const or = f.local('i32');
    const lv = f.local('v128');
    const sv = f.local('v128');
    f.for_(
      r,
      () => f.i32_const(0),
      () => f.local_get(rows),
      1,
      () => {
        rowAddress(f, x, r, cols, xr);
        rowAddress(f, out, r, cols, or);
        f.local_get(lse).local_get(r).i32_const(2).i32_shl().i32_add().v128_load32_splat().local_set(lv);
        f.local_get(scale).local_get(r).i32_const(2).i32_shl().i32_add().v128_load32_splat().local_set(sv);
        elementLoop(f, cols, (off, lanes) => {
          pushAddress(f, or, off);
          load(f, xr, off, lanes);
          f.local_get(lv).f32x4_sub();
          math.exp();
          f.local_get(sv).f32x4_mul();
          store(f, lanes);
        });
      },
    );
  }
}

/**
 * Layer norm over rows: per row a sum pass (mean), a squared-deviation pass (two-pass
 * variance, as the reference), and an output pass y = (x − μ)·rstd·w + b. The caller
 * passes w = 1 and b = 0 rows when the layer has none. Backward: per row one pass that
 * accumulates Σg, Σg·x̂ and the column sums dW += dy·x̂, dB += dy, then one pass for dx.
 */
function emitLayerNorm(mod: ModuleBuilder): void {
  {
    const f = mod.function('layer_norm', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'f32']);
    const [x, w, b, y, mean, rstd, rows, cols, eps] = f.params as Local[] as [
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
    ];
    const r = f.local('i32');
    const xr = f.local('i32');
    const yr = f.local('i32');
    const mu = f.local('f32');
    const inv = f.local('f32');
    const muv = f.local('v128');
    const invv = f.local('v128');
    const d = f.local('v128');
    f.for_(
      r,
      () => f.i32_const(0),
      () => f.local_get(rows),
      1,
      () => {
        rowAddress(f, x, r, cols, xr);
        rowAddress(f, y, r, cols, yr);
        reduceRow(
          f,
          'sum',
          cols,
          () => {},
          (off, lanes) => load(f, xr, off, lanes),
        );
        f.local_get(cols).f32_convert_i32_s().f32_div().local_tee(mu).f32x4_splat().local_set(muv);
        reduceRow(
          f,
          'sum',
          cols,
          () => {},
          (off, lanes) => {
            load(f, xr, off, lanes);
            f.local_get(muv).f32x4_sub().local_tee(d).local_get(d).f32x4_mul();
          },
        );
        f.local_get(cols).f32_convert_i32_s().f32_div().local_get(eps).f32_add().f32_sqrt();
        f.local_set(inv);
        f.f32_const(1).local_get(inv).f32_div().local_tee(inv).f32x4_splat().local_set(invv);
        f.local_get(mean).local_get(r).i32_const(2).i32_shl().i32_add().local_get(mu).f32_store();
        f.local_get(rstd).local_get(r).i32_const(2).i32_shl().i32_add().local_get(inv).f32_store();
        elementLoop(f, cols, (off, lanes) => {
          pushAddress(f, yr, off);
          load(f, xr, off, lanes);
          f.local_get(muv).f32x4_sub().local_get(invv).f32x4_mul();
          load(f, w, off, lanes);
          f.f32x4_mul();
          load(f, b, off, lanes);
          f.f32x4_add();
          store(f, lanes);
        });
      },
    );
  }
  {
    const f = mod.function('layer_norm_backward', [
      'i32',
      'i32',
      'i32',
      'i32',
      'i32',
      'i32',
      'i32',
      'i32',
      'i32',
      'i32',
    ]);
    const [dy, x, w, mean, rstd, dx, dw, db, rows, cols] = f.params as Local[] as [
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
    ];
    const r = f.local('i32');
    const xr = f.local('i32');
    const gr = f.local('i32');
    const dr = f.local('i32');
    const muv = f.local('v128');
    const invv = f.local('v128');
    const xhat = f.local('v128');
    const g = f.local('v128');
    const gy = f.local('v128');
    const sg = f.local('v128');
    const sgx = f.local('v128');
    const tg = f.local('f32');
    const tgx = f.local('f32');
    f.for_(
      r,
      () => f.i32_const(0),
      () => f.local_get(rows),
      1,
      () => {
        rowAddress(f, x, r, cols, xr);
        rowAddress(f, dy, r, cols, gr);
        rowAddress(f, dx, r, cols, dr);
        f.local_get(mean).local_get(r).i32_const(2).i32_shl().i32_add().v128_load32_splat().local_set(muv);
        f.local_get(rstd).local_get(r).i32_const(2).i32_shl().i32_add().v128_load32_splat().local_set(invv);
        f.f32x4_const(0).local_set(sg);
        f.f32x4_const(0).local_set(sgx);
        f.f32_const(0).local_set(tg);
        f.f32_const(0).local_set(tgx);
        elementLoop(f, cols, (off, lanes) => {
          load(f, xr, off, lanes);
          f.local_get(muv).f32x4_sub().local_get(invv).f32x4_mul().local_set(xhat);
          load(f, gr, off, lanes);
          f.local_tee(gy);
          load(f, w, off, lanes);
          f.f32x4_mul().local_set(g);
          // Column sums.
          pushAddress(f, dw, off);
          load(f, dw, off, lanes);
          f.local_get(gy).local_get(xhat).f32x4_mul().f32x4_add();
          store(f, lanes);
          pushAddress(f, db, off);
          load(f, db, off, lanes);
          f.local_get(gy).f32x4_add();
          store(f, lanes);
          if (lanes === 4) {
            f.local_get(sg).local_get(g).f32x4_add().local_set(sg);
            f.local_get(sgx).local_get(g).local_get(xhat).f32x4_mul().f32x4_add().local_set(sgx);
          } else {
            f.local_get(tg).local_get(g).f32x4_extract_lane(0).f32_add().local_set(tg);
            f.local_get(tgx).local_get(g).local_get(xhat).f32x4_mul().f32x4_extract_lane(0).f32_add();
            f.local_set(tgx);
          }
        });
        // Means of g and g·x̂ over the row, splatted.
        horizontal('sum', f, sg, tg);
        f.local_get(cols).f32_convert_i32_s().f32_div().f32x4_splat().local_set(sg);
        horizontal('sum', f, sgx, tgx);
        f.local_get(cols).f32_convert_i32_s().f32_div().f32x4_splat().local_set(sgx);
        elementLoop(f, cols, (off, lanes) => {
          pushAddress(f, dr, off);
          load(f, gr, off, lanes);
          load(f, w, off, lanes);
          f.f32x4_mul().local_get(sg).f32x4_sub();
          load(f, xr, off, lanes);
          f.local_get(muv).f32x4_sub().local_get(invv).f32x4_mul();
          f.local_get(sgx).f32x4_mul().f32x4_sub();
          f.local_get(invv).f32x4_mul();
          store(f, lanes);
        });
      },
    );
  }
}

/** AdamW, in place, one pass: m, v, then param·decay − lr·m̂ / (√v̂ + ε). */
function emitAdamW(mod: ModuleBuilder): void {
  const f = mod.function('adamw', [
    'i32',
    'i32',
    'i32',
    'i32',
    'i32',
    'f32',
    'f32',
    'f32',
    'f32',
    'f32',
    'f32',
    'f32',
  ]);
  const [p, g, m, v, n, lr, beta1, beta2, eps, decay, invC1, invC2] = f.params as Local[] as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const splat = (s: Local) => {
    const l = f.local('v128');
    f.local_get(s).f32x4_splat().local_set(l);
    return l;
  };
  const [lrv, b1, b2, epsv, decayv, c1, c2] = [lr, beta1, beta2, eps, decay, invC1, invC2].map(splat) as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const gv = f.local('v128');
  const mv = f.local('v128');
  const vv = f.local('v128');
  elementLoop(f, n, (off, lanes) => {
    load(f, g, off, lanes);
    f.local_set(gv);
    pushAddress(f, m, off);
    f.local_get(b1);
    load(f, m, off, lanes);
    f.f32x4_mul()
      .f32x4_const(1)
      .local_get(b1)
      .f32x4_sub()
      .local_get(gv)
      .f32x4_mul()
      .f32x4_add()
      .local_tee(mv);
    store(f, lanes);
    pushAddress(f, v, off);
    f.local_get(b2);
    load(f, v, off, lanes);
    f.f32x4_mul()
      .f32x4_const(1)
      .local_get(b2)
      .f32x4_sub()
      .local_get(gv)
      .f32x4_mul()
      .local_get(gv)
      .f32x4_mul();
    f.f32x4_add().local_tee(vv);
    store(f, lanes);
    pushAddress(f, p, off);
    load(f, p, off, lanes);
    f.local_get(decayv).f32x4_mul();
    f.local_get(lrv).local_get(mv).local_get(c1).f32x4_mul().f32x4_mul();
    f.local_get(vv).local_get(c2).f32x4_mul().f32x4_sqrt().local_get(epsv).f32x4_add();
    f.f32x4_div().f32x4_sub();
    store(f, lanes);
  });
}

/**
 * The matmul macro- and micro-kernel (BLIS's GEBP) over packed panels. A is packed in
 * panels of MR = 4 rows (per k: 4 consecutive floats), B in panels of NR = 8 columns
 * (per k: 8 consecutive floats), both zero-padded to whole panels. For each B panel
 * (kc×8 floats, 8 KiB at kc = 256: it stays in L1) every A panel of the block streams
 * past it; the micro-kernel keeps the 4×8 tile of C in eight v128 accumulators and per
 * k does two B loads, four splatted A loads and eight multiply-adds (fused with relaxed
 * SIMD where the engine has it). Full tiles are written (or added,
 * for k blocks after the first) straight into C; edge tiles go through a scratch tile.
 * The blocking around it (KC, MC, and the split between threads) is in gemm.ts and
 * kernels/matmul.ts.
 *
 * gebp(aPack, bPack, c, m, n, kc, ldc, accumulate, scratch)
 */
function emitMatmul(mod: ModuleBuilder, relaxed: boolean): void {
  const f = mod.function('gebp', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [aPack, bPack, c, m, n, kc, ldc, accumulate, scratch] = f.params as Local[] as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const ip = f.local('i32');
  const jp = f.local('i32');
  const kk = f.local('i32');
  const pa = f.local('i32');
  const pb = f.local('i32');
  const rowsHere = f.local('i32');
  const colsHere = f.local('i32');
  const cp = f.local('i32');
  const i = f.local('i32');
  const j = f.local('i32');
  const b0 = f.local('v128');
  const b1 = f.local('v128');
  const av = f.local('v128');
  const acc: Local[] = [];
  for (let t = 0; t < MR * (NR / 4); t++) acc.push(f.local('v128'));
  const mPanels = f.local('i32');
  const nPanels = f.local('i32');
  f.local_get(m)
    .i32_const(MR - 1)
    .i32_add()
    .i32_const(MR)
    .i32_div_u()
    .local_set(mPanels);
  f.local_get(n)
    .i32_const(NR - 1)
    .i32_add()
    .i32_const(3)
    .i32_shr_u()
    .local_set(nPanels);
  const madd = (a: Local, bvec: Local, accum: Local) => {
    if (relaxed) f.local_get(a).local_get(bvec).local_get(accum).f32x4_relaxed_madd().local_set(accum);
    else f.local_get(accum).local_get(a).local_get(bvec).f32x4_mul().f32x4_add().local_set(accum);
  };
  f.for_(
    jp,
    () => f.i32_const(0),
    () => f.local_get(nPanels),
    1,
    () => {
      f.local_get(n).local_get(jp).i32_const(3).i32_shl().i32_sub().local_set(colsHere);
      f.local_get(colsHere)
        .i32_const(NR)
        .local_get(colsHere)
        .i32_const(NR)
        .i32_lt_s()
        .select()
        .local_set(colsHere);
      f.for_(
        ip,
        () => f.i32_const(0),
        () => f.local_get(mPanels),
        1,
        () => {
          for (const a of acc) f.f32x4_const(0).local_set(a);
          // pa = aPack + ip·kc·MR·4, pb = bPack + jp·kc·NR·4 (NR = 8: a shift by 5)
          f.local_get(aPack)
            .local_get(ip)
            .local_get(kc)
            .i32_mul()
            .i32_const(MR * 4)
            .i32_mul()
            .i32_add()
            .local_set(pa);
          f.local_get(bPack)
            .local_get(jp)
            .local_get(kc)
            .i32_mul()
            .i32_const(5)
            .i32_shl()
            .i32_add()
            .local_set(pb);
          // One k: two B loads, MR splatted A loads, 2·MR multiply-adds.
          const kStep = (q: number) => {
            f.local_get(pb)
              .v128_load(q * NR * 4)
              .local_set(b0);
            f.local_get(pb)
              .v128_load(q * NR * 4 + 16)
              .local_set(b1);
            for (let r = 0; r < MR; r++) {
              f.local_get(pa)
                .v128_load32_splat((q * MR + r) * 4)
                .local_set(av);
              madd(av, b0, acc[2 * r]!);
              madd(av, b1, acc[2 * r + 1]!);
            }
          };
          // Not unrolled: unrolling k by 2 or 4 measured 20% slower under V8 (Node 20),
          // and 5×8 or 6×8 tiles slower than 4×8 (x64 has 16 xmm registers, one V8's scratch).
          f.for_(
            kk,
            () => f.i32_const(0),
            () => f.local_get(kc),
            1,
            () => {
              kStep(0);
              f.local_get(pa)
                .i32_const(MR * 4)
                .i32_add()
                .local_set(pa);
              f.local_get(pb)
                .i32_const(NR * 4)
                .i32_add()
                .local_set(pb);
            },
          );
          f.local_get(m).local_get(ip).i32_const(MR).i32_mul().i32_sub().local_set(rowsHere);
          // cp = c + ip·MR·ldc + jp·NR·4
          f.local_get(c).local_get(ip).i32_const(MR).i32_mul().local_get(ldc).i32_mul().i32_add();
          f.local_get(jp).i32_const(5).i32_shl().i32_add().local_set(cp);
          f.local_get(rowsHere).i32_const(MR).i32_ge_s().local_get(colsHere).i32_const(NR).i32_eq().i32_and();
          f.if_(
            () => {
              f.local_get(accumulate);
              f.if_(() => {
                f.local_get(cp).local_set(i);
                for (let r = 0; r < MR; r++) {
                  for (let h = 0; h < 2; h++) {
                    const a = acc[2 * r + h]!;
                    f.local_get(i)
                      .v128_load(h * 16)
                      .local_get(a)
                      .f32x4_add()
                      .local_set(a);
                  }
                  f.local_get(i).local_get(ldc).i32_add().local_set(i);
                }
              });
              for (let r = 0; r < MR; r++) {
                for (let h = 0; h < 2; h++)
                  f.local_get(cp)
                    .local_get(acc[2 * r + h]!)
                    .v128_store(h * 16);
                f.local_get(cp).local_get(ldc).i32_add().local_set(cp);
              }
            },
            () => {
              // Edge tile: spill the accumulators, then copy the valid part element-wise.
              for (let t = 0; t < acc.length; t++)
                f.local_get(scratch)
                  .local_get(acc[t]!)
                  .v128_store(t * 16);
              f.local_get(rowsHere).i32_const(MR).local_get(rowsHere).i32_const(MR).i32_lt_s().select();
              f.local_set(rowsHere);
              f.for_(
                i,
                () => f.i32_const(0),
                () => f.local_get(rowsHere),
                1,
                () => {
                  f.for_(
                    j,
                    () => f.i32_const(0),
                    () => f.local_get(colsHere),
                    1,
                    () => {
                      // address of C element
                      f.local_get(cp).local_get(i).local_get(ldc).i32_mul().i32_add();
                      f.local_get(j).i32_const(2).i32_shl().i32_add();
                      f.local_get(scratch).local_get(i).i32_const(5).i32_shl().i32_add();
                      f.local_get(j).i32_const(2).i32_shl().i32_add().f32_load();
                      f.local_get(cp).local_get(i).local_get(ldc).i32_mul().i32_add();
                      f.local_get(j).i32_const(2).i32_shl().i32_add().f32_load();
                      f.f32_const(0);
                      f.local_get(accumulate).select();
                      f.f32_add();
                      f.f32_store();
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

// The wasm kernels that keep a training step's data movement in the module: broadcast
// element-wise ops over a (rows × cols) view (binary arithmetic, comparisons to bool,
// `where`), strided 4-d copies (head split/merge transposes, slices), the counter-based
// uniform stream (dropout masks); matmul packing is in gemm.ts. The JS side (kernels/layout.ts)
// first merges every pair of axes that all operands walk contiguously, so most
// broadcasts reach these kernels as one (rows × cols) call. Scalar references: the
// JS loops in kernels/js-kernels.ts and kernels/matmul.ts, tested in layout.test.ts.
import type { FunctionBuilder, Local, ModuleBuilder } from './assembler.js';

/** Binary f32 ops with a 2-d broadcast kernel; the comparisons write bool (u8 0/1). */
export const BROADCAST_ARITH = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
export const BROADCAST_COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type BroadcastOp = (typeof BROADCAST_ARITH)[number] | (typeof BROADCAST_COMPARE)[number] | 'where';

/** How an operand walks a row: 'd' dense (column stride 1), 's' one value per row (stride 0). */
export type ColumnMode = 'd' | 's';

/** Every combination of column modes for `count` operands ('dd', 'ds', …). */
export function columnModes(count: number): string[] {
  let out = [''];
  for (let i = 0; i < count; i++) out = out.flatMap((m) => [`${m}d`, `${m}s`]);
  return out;
}

type Kind = 'f32' | 'u8';
type Lanes = 4 | 1;

/**
 * Pushes operand values as i32/f32 lanes: f32 loads 4 lanes (or one, splatted); u8 loads
 * 4 bytes and zero-extends them to four i32 lanes (or one byte, splatted).
 */
function loadLanes(f: FunctionBuilder, kind: Kind, row: Local, off: Local, lanes: Lanes): void {
  f.local_get(row).local_get(off);
  if (kind === 'u8') f.i32_const(2).i32_shr_u();
  f.i32_add();
  if (kind === 'f32') {
    if (lanes === 4) f.v128_load();
    else f.v128_load32_splat();
  } else if (lanes === 4) {
    f.v128_load32_splat().i16x8_extend_low_i8x16_u().i32x4_extend_low_i16x8_u();
  } else {
    f.i32_load8_u().i32x4_splat();
  }
}

/** Pushes the element (f32) or byte (u8) address of element off/4 of `row`. */
function address(f: FunctionBuilder, kind: Kind, row: Local, off: Local): void {
  f.local_get(row).local_get(off);
  if (kind === 'u8') f.i32_const(2).i32_shr_u();
  f.i32_add();
}

/** Stores the v128 on the stack: f32 lanes, or the low byte of each i32 mask lane as 0/1. */
function storeLanes(f: FunctionBuilder, kind: Kind, lanes: Lanes, scratch: Local): void {
  if (kind === 'f32') {
    if (lanes === 4) f.v128_store();
    else f.f32x4_extract_lane(0).f32_store();
    return;
  }
  // −1/0 i32 lanes → −1/0 bytes (two signed narrows) → 1/0.
  f.local_tee(scratch).local_get(scratch).i16x8_narrow_i32x4_s();
  f.local_tee(scratch).local_get(scratch).i8x16_narrow_i16x8_s();
  f.i32x4_const(0x01010101).v128_and().i32x4_extract_lane(0);
  if (lanes === 4) f.i32_store();
  else f.i32_store8();
}

function emitOp(op: BroadcastOp, f: FunctionBuilder, v: Local[]): void {
  const [a, b, c] = v as [Local, Local, Local | undefined];
  if (op === 'where') {
    // v = (cond, a, b): bits of a where cond ≠ 0 (any 4-byte dtype: the select is bitwise).
    f.local_get(c!).local_get(b).local_get(a).i32x4_const(0).i32x4_eq().v128_bitselect();
    return;
  }
  f.local_get(a).local_get(b);
  const table: Record<Exclude<BroadcastOp, 'where'>, () => void> = {
    add: () => f.f32x4_add(),
    sub: () => f.f32x4_sub(),
    mul: () => f.f32x4_mul(),
    div: () => f.f32x4_div(),
    maximum: () => f.f32x4_max(),
    minimum: () => f.f32x4_min(),
    eq: () => f.f32x4_eq(),
    ne: () => f.f32x4_ne(),
    lt: () => f.f32x4_lt(),
    le: () => f.f32x4_le(),
    gt: () => f.f32x4_gt(),
    ge: () => f.f32x4_ge(),
  };
  table[op]();
}

/**
 * `e_<op>_<modes>(in…, out, rows, cols, rowStride…)`: out (dense rows × cols) =
 * op(inputs), each input walking its row densely ('d') or repeating one value ('s'),
 * and advancing `rowStride` bytes per row (0: the same row for every output row).
 * Blocking: one row at a time, four lanes per step and a one-lane tail, so a kernel
 * never touches memory past a row; per-row scalars are splatted once per row.
 */
function emitBroadcast(mod: ModuleBuilder, op: BroadcastOp, modes: string): void {
  const inKinds: Kind[] = op === 'where' ? ['u8', 'f32', 'f32'] : ['f32', 'f32'];
  const outKind: Kind = (BROADCAST_COMPARE as readonly string[]).includes(op) ? 'u8' : 'f32';
  const count = inKinds.length;
  const f = mod.function(`e_${op}_${modes}`, new Array(2 * count + 3).fill('i32'));
  const ins = f.params.slice(0, count);
  const [out, rows, cols] = f.params.slice(count, count + 3) as [Local, Local, Local];
  const strides = f.params.slice(count + 3);
  const rowPtr = ins.map(() => f.local('i32'));
  const values = ins.map(() => f.local('v128'));
  const outRow = f.local('i32');
  const outStep = f.local('i32');
  const r = f.local('i32');
  const i = f.local('i32');
  const off = f.local('i32');
  const end4 = f.local('i32');
  const scratch = f.local('v128');
  ins.forEach((p, k) => {
    f.local_get(p).local_set(rowPtr[k]!);
  });
  f.local_get(out).local_set(outRow);
  f.local_get(cols);
  if (outKind === 'f32') f.i32_const(2).i32_shl();
  f.local_set(outStep);
  f.local_get(cols).i32_const(-4).i32_and().local_set(end4);
  const body = (lanes: Lanes) => {
    for (let k = 0; k < count; k++) {
      if (modes[k] === 's') continue;
      loadLanes(f, inKinds[k]!, rowPtr[k]!, off, lanes);
      f.local_set(values[k]!);
    }
    address(f, outKind, outRow, off);
    emitOp(op, f, values);
    storeLanes(f, outKind, lanes, scratch);
  };
  f.for_(
    r,
    () => f.i32_const(0),
    () => f.local_get(rows),
    1,
    () => {
      for (let k = 0; k < count; k++) {
        if (modes[k] !== 's') continue;
        const zero = f.local('i32');
        f.i32_const(0).local_set(zero);
        loadLanes(f, inKinds[k]!, rowPtr[k]!, zero, 1);
        f.local_set(values[k]!);
      }
      for (const [lanes, from, to] of [
        [4, () => f.i32_const(0), () => f.local_get(end4)],
        [1, () => f.local_get(end4), () => f.local_get(cols)],
      ] as const) {
        f.for_(i, from, to, lanes, () => {
          f.local_get(i).i32_const(2).i32_shl().local_set(off);
          body(lanes);
        });
      }
      ins.forEach((_, k) => {
        f.local_get(rowPtr[k]!).local_get(strides[k]!).i32_add().local_set(rowPtr[k]!);
      });
      f.local_get(outRow).local_get(outStep).i32_add().local_set(outRow);
    },
  );
}

/**
 * `copy4(src, dst, n0, n1, n2, n3, s0, s1, s2, s3, d0, d1, d2, d3)`: copies a 4-d view
 * of 4-byte elements; strides in bytes. Three loops of running pointers around the
 * inner axis, which moves four lanes at a time when both inner strides are 4 (a row
 * copy) and one element at a time otherwise (a transpose's gather).
 */
function emitCopy4(mod: ModuleBuilder): void {
  const f = mod.function('copy4', new Array(14).fill('i32'));
  const [src, dst, n0, n1, n2, n3, s0, s1, s2, s3, d0, d1, d2, d3] = f.params as Local[] as [
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
    Local,
    Local,
  ];
  const [i0, i1, i2, i3] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  const [p0, p1, p2, q0, q1, q2] = [0, 1, 2, 3, 4, 5].map(() => f.local('i32')) as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const ps = f.local('i32');
  const pd = f.local('i32');
  const end4 = f.local('i32');
  const dense = f.local('i32');
  f.local_get(s3).i32_const(4).i32_eq().local_get(d3).i32_const(4).i32_eq().i32_and().local_set(dense);
  f.local_get(n3).i32_const(-4).i32_and().local_set(end4);
  const level = (
    i: Local,
    n: Local,
    ps_: Local,
    pd_: Local,
    sIn: Local,
    dIn: Local,
    sStep: Local,
    dStep: Local,
    inner: () => void,
  ) => {
    f.local_get(sIn).local_set(ps_);
    f.local_get(dIn).local_set(pd_);
    f.for_(
      i,
      () => f.i32_const(0),
      () => f.local_get(n),
      1,
      () => {
        inner();
        f.local_get(ps_).local_get(sStep).i32_add().local_set(ps_);
        f.local_get(pd_).local_get(dStep).i32_add().local_set(pd_);
      },
    );
  };
  level(i0, n0, p0, q0, src, dst, s0, d0, () =>
    level(i1, n1, p1, q1, p0, q0, s1, d1, () =>
      level(i2, n2, p2, q2, p1, q1, s2, d2, () => {
        f.local_get(dense);
        f.if_(
          () => {
            f.local_get(p2).local_set(ps);
            f.local_get(q2).local_set(pd);
            f.for_(
              i3,
              () => f.i32_const(0),
              () => f.local_get(end4),
              4,
              () => {
                f.local_get(pd).local_get(ps).v128_load().v128_store();
                f.local_get(ps).i32_const(16).i32_add().local_set(ps);
                f.local_get(pd).i32_const(16).i32_add().local_set(pd);
              },
            );
            f.for_(
              i3,
              () => f.local_get(end4),
              () => f.local_get(n3),
              1,
              () => {
                f.local_get(pd).local_get(ps).i32_load().i32_store();
                f.local_get(ps).i32_const(4).i32_add().local_set(ps);
                f.local_get(pd).i32_const(4).i32_add().local_set(pd);
              },
            );
          },
          () => {
            level(i3, n3, ps, pd, p2, q2, s3, d3, () => {
              f.local_get(pd).local_get(ps).i32_load().i32_store();
            });
          },
        );
      }),
    ),
  );
}

/**
 * `rand_uniform(out, n, counterLo, hiHash, k0)`: out[i] = uniform in [0, 1) for counter
 * (counterLo + i, hi), tensor-core's counter RNG (random/counter-rng.ts) four lanes at a
 * time: a = mix(lo ^ k0), bits = mix(a + hiHash) ^ mix(a ^ 0x68e31da4), u = (bits >>> 8)
 * / 2^24, where hiHash = mix(hi ^ k1) is the same for the whole call (the caller splits
 * a draw where the counter's low word wraps). Bit-identical to the JS reference.
 */
function emitRandomUniform(mod: ModuleBuilder): void {
  const f = mod.function('rand_uniform', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [out, n, lo, hiHash, k0] = f.params as [Local, Local, Local, Local, Local];
  const x = f.local('v128');
  const a = f.local('v128');
  const i = f.local('i32');
  const end4 = f.local('i32');
  const counter = f.local('v128');
  const keyV = f.local('v128');
  const hiV = f.local('v128');
  f.local_get(k0).i32x4_splat().local_set(keyV);
  f.local_get(hiHash).i32x4_splat().local_set(hiV);
  /** x = lowbias32(x), lane-wise. */
  const mix = () => {
    f.local_set(x);
    f.local_get(x).local_get(x).i32_const(16).i32x4_shr_u().v128_xor().local_set(x);
    f.local_get(x).i32x4_const(0x7feb352d).i32x4_mul().local_set(x);
    f.local_get(x).local_get(x).i32_const(15).i32x4_shr_u().v128_xor().local_set(x);
    f.local_get(x)
      .i32x4_const(0x846ca68b | 0)
      .i32x4_mul()
      .local_set(x);
    f.local_get(x).local_get(x).i32_const(16).i32x4_shr_u().v128_xor();
  };
  const step = (lanes: Lanes) => {
    f.local_get(lo).local_get(i).i32_add().i32x4_splat().i32x4_const_lanes(0, 1, 2, 3).i32x4_add();
    f.local_set(counter);
    f.local_get(counter).local_get(keyV).v128_xor();
    mix();
    f.local_set(a);
    f.local_get(out).local_get(i).i32_const(2).i32_shl().i32_add();
    f.local_get(a).local_get(hiV).i32x4_add();
    mix();
    f.local_get(a).i32x4_const(0x68e31da4).v128_xor();
    mix();
    f.v128_xor()
      .i32_const(8)
      .i32x4_shr_u()
      .f32x4_convert_i32x4_s()
      .f32x4_const(2 ** -24)
      .f32x4_mul();
    if (lanes === 4) f.v128_store();
    else f.f32x4_extract_lane(0).f32_store();
  };
  f.local_get(n).i32_const(-4).i32_and().local_set(end4);
  f.for_(
    i,
    () => f.i32_const(0),
    () => f.local_get(end4),
    4,
    () => step(4),
  );
  f.for_(
    i,
    () => f.local_get(end4),
    () => f.local_get(n),
    1,
    () => step(1),
  );
}

/** Emits every layout kernel into `mod`. */
export function emitLayoutKernels(mod: ModuleBuilder): void {
  for (const op of [...BROADCAST_ARITH, ...BROADCAST_COMPARE]) {
    for (const modes of columnModes(2)) emitBroadcast(mod, op, modes);
  }
  for (const modes of columnModes(3)) emitBroadcast(mod, 'where', modes);
  emitCopy4(mod);
  emitRandomUniform(mod);
}

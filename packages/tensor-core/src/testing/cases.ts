// The op cases of the conformance suite: each runs a tensor-core op on the backend
// under test and a plain f64 reference on the same inputs; differentiable cases also
// compare the backward pass with central finite differences of the reference.
import * as T from '../index.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Nd } from './reference.js';
import * as R from './reference.js';

export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  /** normal (default), positive (0.5..2), unit (-0.9..0.9), int in [low, high), bool, or fixed values. */
  readonly kind?: 'normal' | 'positive' | 'unit' | 'int' | 'bool';
  readonly low?: number;
  readonly high?: number;
  readonly values?: readonly number[];
}

export interface OpCase {
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly run: (...inputs: Tensor[]) => Tensor;
  readonly reference: (...inputs: Nd[]) => Nd;
  /** Expected output dtype (f32 by default). */
  readonly dtype?: DType;
  /** Inputs to gradient-check (default: every f32 input); false for none. */
  readonly grad?: readonly number[] | false;
  /** Forward tolerance: |a − e| ≤ tol·(1 + |e|). */
  readonly tol?: number;
  /** Gradient tolerance on the relative error. */
  readonly gradTol?: number;
}

const f = (shape: readonly number[], kind: InputSpec['kind'] = 'normal'): InputSpec => ({ shape, kind });
const ints = (shape: readonly number[], low: number, high: number): InputSpec => ({
  shape,
  dtype: 'i32',
  kind: 'int',
  low,
  high,
});
const bools = (shape: readonly number[]): InputSpec => ({ shape, dtype: 'bool', kind: 'bool' });

const unary = (
  name: string,
  run: (x: Tensor) => Tensor,
  ref: (v: number) => number,
  kind: InputSpec['kind'] = 'normal',
  extra: Partial<OpCase> = {},
): OpCase => ({
  name,
  inputs: [f([3, 5], kind)],
  run,
  reference: (x) => R.map(x, ref),
  ...extra,
});

const binaryCases = (
  name: string,
  run: (a: Tensor, b: Tensor) => Tensor,
  ref: (a: number, b: number) => number,
  kinds: [InputSpec['kind'], InputSpec['kind']] = ['normal', 'normal'],
): OpCase[] =>
  [
    [
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3]],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [[], [2, 3]],
    [[17], [1]],
  ].map(([sa, sb]) => ({
    name: `${name} [${sa}] with [${sb}]`,
    inputs: [f(sa!, kinds[0]), f(sb!, kinds[1])],
    run,
    reference: (a: Nd, b: Nd) => R.zip(a, b, ref),
  }));

const compare = (
  name: string,
  run: (a: Tensor, b: Tensor) => Tensor,
  ref: (a: number, b: number) => boolean,
): OpCase => ({
  name,
  inputs: [ints([2, 4], -2, 3), ints([4], -2, 3)],
  run,
  reference: (a, b) => R.zip(a, b, (x, y) => (ref(x, y) ? 1 : 0)),
  dtype: 'bool',
});

const picks = (x: Nd, axis: number, idx: Nd) => {
  // index_select reference
  const a = axis < 0 ? axis + x.shape.length : axis;
  const shape = [...x.shape];
  shape[a] = idx.data.length;
  const out = new Float64Array(R.sizeOfShape(shape));
  for (let i = 0; i < out.length; i++) {
    const at = R.unravel(i, shape);
    at[a] = idx.data[at[a]!]!;
    out[i] = R.get(x, at);
  }
  return { shape, data: out };
};

export const opCases: readonly OpCase[] = [
  // --- unary ------------------------------------------------------------------
  unary('neg', T.neg, (v) => -v),
  unary('abs', T.abs, Math.abs),
  unary('exp', T.exp, Math.exp),
  unary('log', T.log, Math.log, 'positive'),
  unary('sqrt', T.sqrt, Math.sqrt, 'positive'),
  unary('rsqrt', T.rsqrt, (v) => 1 / Math.sqrt(v), 'positive'),
  unary('square', T.square, (v) => v * v),
  unary('reciprocal', T.reciprocal, (v) => 1 / v, 'positive'),
  unary('tanh', T.tanh, Math.tanh),
  unary('sigmoid', T.sigmoid, (v) => 1 / (1 + Math.exp(-v))),
  unary('relu', T.relu, (v) => Math.max(v, 0)),
  unary('gelu (tanh approximation)', (x) => T.gelu(x), R.geluTanh),
  unary('gelu (exact erf)', (x) => T.gelu(x, { approximate: 'none' }), R.geluExact),
  unary('erf', T.erf, R.erf, 'normal', { tol: 2e-6 }),
  unary('sin', T.sin, Math.sin),
  unary('cos', T.cos, Math.cos),
  unary('floor', T.floor, Math.floor, 'normal', { grad: false }),
  unary('ceil', T.ceil, Math.ceil, 'normal', { grad: false }),
  unary('sign', T.sign, Math.sign, 'normal', { grad: false }),
  {
    name: 'round (half to even)',
    inputs: [{ shape: [6], values: [0.5, 1.5, 2.5, -0.5, -1.5, 2.4] }],
    run: T.round,
    reference: (x) => R.map(x, (v) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v))),
    grad: false,
  },
  {
    name: 'pow with a scalar exponent',
    inputs: [f([4, 3], 'positive')],
    run: (x) => T.pow(x, 2.5),
    reference: (x) => R.map(x, (v) => v ** 2.5),
  },
  // --- binary -------------------------------------------------------------------
  ...binaryCases('add', T.add, (a, b) => a + b),
  ...binaryCases('sub', T.sub, (a, b) => a - b),
  ...binaryCases('mul', T.mul, (a, b) => a * b),
  ...binaryCases('div', T.div, (a, b) => a / b, ['normal', 'positive']),
  ...binaryCases('pow', T.pow, (a, b) => a ** b, ['positive', 'normal']),
  ...binaryCases('maximum', T.maximum, Math.max),
  ...binaryCases('minimum', T.minimum, Math.min),
  {
    name: 'add scalar',
    inputs: [f([2, 3])],
    run: (x) => T.add(x, 1.5),
    reference: (x) => R.map(x, (v) => v + 1.5),
  },
  {
    name: 'i32 arithmetic stays i32',
    inputs: [ints([5], -10, 10), ints([5], -10, 10)],
    run: (a, b) => T.sub(T.mul(a, b), a),
    reference: (a, b) =>
      R.zip(
        R.zip(a, b, (x, y) => x * y),
        a,
        (x, y) => x - y,
      ),
    dtype: 'i32',
  },
  {
    name: 'i32 true division gives f32',
    inputs: [ints([5], -10, 10), ints([5], 1, 5)],
    run: T.div,
    reference: (a, b) => R.zip(a, b, (x, y) => x / y),
  },
  compare('equal', T.equal, (a, b) => a === b),
  compare('notEqual', T.notEqual, (a, b) => a !== b),
  compare('less', T.less, (a, b) => a < b),
  compare('lessEqual', T.lessEqual, (a, b) => a <= b),
  compare('greater', T.greater, (a, b) => a > b),
  compare('greaterEqual', T.greaterEqual, (a, b) => a >= b),
  {
    name: 'logical and / or / not',
    inputs: [bools([3, 4]), bools([4])],
    run: (a, b) => T.logicalOr(T.logicalAnd(a, b), T.logicalNot(b)),
    reference: (a, b) => R.zip(a, b, (x, y) => ((x && y) || !y ? 1 : 0)),
    dtype: 'bool',
  },
  {
    name: 'where with broadcasting',
    inputs: [bools([2, 1, 4]), f([3, 4]), f([2, 3, 1])],
    run: (c, a, b) => T.where(c, a, b),
    reference: (c, a, b) => R.zip3(c, a, b, (cv, av, bv) => (cv ? av : bv)),
  },
  {
    name: 'maskedFill',
    inputs: [f([2, 3, 4]), bools([3, 4])],
    run: (x, m) => T.maskedFill(x, m, -5),
    reference: (x, m) => R.zip(x, m, (v, mv) => (mv ? -5 : v)),
  },
  // --- reductions ---------------------------------------------------------------
  { name: 'sum of all', inputs: [f([3, 4])], run: (x) => T.sum(x), reference: (x) => R.sum(x) },
  { name: 'sum axis 0', inputs: [f([3, 4])], run: (x) => T.sum(x, 0), reference: (x) => R.sum(x, [0]) },
  {
    name: 'sum axes [0, 2] keepDims',
    inputs: [f([2, 3, 4])],
    run: (x) => T.sum(x, [0, 2], { keepDims: true }),
    reference: (x) => R.sum(x, [0, 2], true),
  },
  {
    name: 'sum over an empty axis',
    inputs: [f([0, 3])],
    run: (x) => T.sum(x, 0),
    reference: (x) => R.sum(x, [0]),
    grad: false,
  },
  { name: 'mean axis -1', inputs: [f([3, 5])], run: (x) => T.mean(x, -1), reference: (x) => R.mean(x, [-1]) },
  {
    name: 'max axis 1',
    inputs: [f([3, 5])],
    run: (x) => T.max(x, 1),
    reference: (x) => R.reduce(x, [1], Number.NEGATIVE_INFINITY, Math.max),
  },
  {
    name: 'min of all',
    inputs: [f([3, 5])],
    run: (x) => T.min(x),
    reference: (x) => R.reduce(x, undefined, Number.POSITIVE_INFINITY, Math.min),
  },
  {
    name: 'argmax axis 1',
    inputs: [f([4, 6])],
    run: (x) => T.argmax(x, 1),
    reference: (x) => R.argReduce(x, 1, (v, b) => v > b),
    dtype: 'i32',
  },
  {
    name: 'argmin axis 0 keepDims',
    inputs: [f([4, 6])],
    run: (x) => T.argmin(x, 0, { keepDims: true }),
    reference: (x) => {
      const r = R.argReduce(x, 0, (v, b) => v < b);
      return { shape: [1, ...r.shape], data: r.data };
    },
    dtype: 'i32',
  },
  {
    name: 'argmax first index on ties',
    inputs: [{ shape: [2, 4], values: [1, 3, 3, 0, 2, 2, 2, 2] }],
    run: (x) => T.argmax(x, 1),
    reference: () => R.nd([2], [1, 0]),
    dtype: 'i32',
  },
  {
    name: 'variance unbiased',
    inputs: [f([3, 6])],
    run: (x) => T.variance(x, 1),
    reference: (x) => {
      const mu = R.mean(x, [1], true);
      return R.map(
        R.sum(
          R.map(
            R.zip(x, mu, (a, b) => a - b),
            (v) => v * v,
          ),
          [1],
        ),
        (v) => v / 5,
      );
    },
  },
  {
    name: 'variance biased',
    inputs: [f([3, 6])],
    run: (x) => T.variance(x, 1, { unbiased: false }),
    reference: (x) => {
      const mu = R.mean(x, [1], true);
      return R.map(
        R.sum(
          R.map(
            R.zip(x, mu, (a, b) => a - b),
            (v) => v * v,
          ),
          [1],
        ),
        (v) => v / 6,
      );
    },
  },
  {
    name: 'logSumExp',
    inputs: [f([3, 5])],
    run: (x) => T.logSumExp(x, -1),
    reference: (x) => R.map(R.sum(R.map(x, Math.exp), [1]), Math.log),
  },
  // --- matmul ---------------------------------------------------------------------
  ...(
    [
      [
        [3, 4],
        [4, 5],
      ],
      [
        [5, 7],
        [7, 3],
      ],
      [
        [1, 1],
        [1, 1],
      ],
      [
        [2, 3, 4],
        [2, 4, 5],
      ],
      [
        [2, 1, 3, 4],
        [3, 4, 2],
      ],
      [[4], [4, 3]],
      [[3, 4], [4]],
      [
        [9, 17],
        [17, 6],
      ],
    ] as const
  ).map(
    ([sa, sb]): OpCase => ({
      name: `matmul [${sa}]·[${sb}]`,
      inputs: [f(sa), f(sb)],
      run: (a, b) => T.matmul(a, b),
      reference: (a, b) => {
        const a2 = a.shape.length === 1 ? { shape: [1, ...a.shape], data: a.data } : a;
        const b2 = b.shape.length === 1 ? { shape: [...b.shape, 1], data: b.data } : b;
        const y = R.matmul(a2, b2);
        const shape = [...y.shape];
        if (a.shape.length === 1) shape.splice(-2, 1);
        if (b.shape.length === 1) shape.pop();
        return { shape, data: y.data };
      },
    }),
  ),
  {
    name: 'matmul transposeA',
    inputs: [f([2, 4, 3]), f([2, 4, 5])],
    run: (a, b) => T.matmul(a, b, { transposeA: true }),
    reference: (a, b) => R.matmul(R.transposeLast(a), b),
  },
  {
    name: 'matmul transposeB',
    inputs: [f([3, 4]), f([5, 4])],
    run: (a, b) => T.matmul(a, b, { transposeB: true }),
    reference: (a, b) => R.matmul(a, R.transposeLast(b)),
  },
  {
    name: 'matmul transposeA and transposeB',
    inputs: [f([4, 3]), f([5, 4])],
    run: (a, b) => T.matmul(a, b, { transposeA: true, transposeB: true }),
    reference: (a, b) => R.matmul(R.transposeLast(a), R.transposeLast(b)),
  },
  // Past the tiny sizes, so the GPU's tiled paths run too (large tiles, and small ones
  // for a long k); edges off every multiple of 4, 8 and 16. Forward only: their
  // gradients are matmuls checked above.
  ...(
    [
      [false, false, [67, 45], [45, 131]],
      [true, false, [2, 45, 67], [2, 45, 70]],
      [false, true, [3, 129, 33], [70, 33]],
      [true, true, [33, 65], [37, 33]],
      [false, false, [5, 100], [100, 40]],
      [true, true, [2, 100, 30], [2, 7, 100]],
      // Few output tiles over a long k (weight gradients): GPU backends may split k.
      [true, false, [600, 40], [600, 36]],
      [false, true, [33, 700], [40, 700]],
      // One or two rows through a wide weight (a cached decoding step).
      [false, true, [2, 100], [70, 100]],
    ] as const
  ).map(
    ([transposeA, transposeB, sa, sb]): OpCase => ({
      name: `matmul ${transposeA ? 'T' : 'N'}${transposeB ? 'T' : 'N'} [${sa}]·[${sb}]`,
      inputs: [f(sa), f(sb)],
      run: (a, b) => T.matmul(a, b, { transposeA, transposeB }),
      reference: (a, b) => R.matmul(transposeA ? R.transposeLast(a) : a, transposeB ? R.transposeLast(b) : b),
      grad: false,
      // An f32 sum of k products drifts by about √k·2⁻²⁴ of the terms' scale, past the
      // default tolerance once k reaches the hundreds.
      tol: 4e-5,
    }),
  ),
  {
    name: 'matmul with k = 0 gives zeros',
    inputs: [f([2, 0]), f([0, 3])],
    run: (a, b) => T.matmul(a, b),
    reference: () => R.nd([2, 3], [0, 0, 0, 0, 0, 0]),
    grad: false,
  },
  {
    name: 'linear',
    inputs: [f([2, 3, 4]), f([5, 4]), f([5])],
    run: (x, w, b) => T.linear(x, w, b),
    reference: (x, w, b) => R.zip(R.matmul(x, R.transposeLast(w)), b, (u, v) => u + v),
  },
  // --- shape and movement -------------------------------------------------------------
  {
    name: 'reshape with -1',
    inputs: [f([2, 6])],
    run: (x) => T.reshape(x, [3, -1]),
    reference: (x) => R.nd([3, 4], x.data),
  },
  {
    name: 'permute',
    inputs: [f([2, 3, 4])],
    run: (x) => T.permute(x, [2, 0, 1]),
    reference: (x) => R.permute(x, [2, 0, 1]),
  },
  {
    name: 'transpose',
    inputs: [f([3, 5])],
    run: (x) => T.transpose(x),
    reference: (x) => R.transposeLast(x),
  },
  {
    name: 'slice with step and negative bounds',
    inputs: [f([4, 7])],
    run: (x) =>
      T.slice(x, [
        [1, null],
        [-6, -1, 2],
      ]),
    reference: (x) => R.sliceAxis(R.sliceAxis(x, 0, 1, 4, 1), 1, 1, 6, 2),
  },
  {
    name: 'slice with an index drops the axis',
    inputs: [f([3, 4])],
    run: (x) => T.slice(x, [-1]),
    reference: (x) => ({ shape: [4], data: R.sliceAxis(x, 0, 2, 3, 1).data }),
  },
  {
    name: 'concat axis 1',
    inputs: [f([2, 3]), f([2, 1]), f([2, 4])],
    run: (a, b, c) => T.concat([a, b, c], 1),
    reference: (a, b, c) => R.concat([a, b, c], 1),
  },
  {
    name: 'stack axis 1',
    inputs: [f([2, 3]), f([2, 3])],
    run: (a, b) => T.stack([a, b], 1),
    reference: (a, b) =>
      R.permute(R.concat([R.nd([1, 2, 3], a.data), R.nd([1, 2, 3], b.data)], 0), [1, 0, 2]),
  },
  {
    name: 'split then recombine',
    inputs: [f([5, 3])],
    run: (x) => {
      const [a, b] = T.split(x, [2, 3], 0);
      return T.concat([T.mul(a!, 2), b!], 0);
    },
    reference: (x) =>
      R.concat([R.map(R.sliceAxis(x, 0, 0, 2, 1), (v) => 2 * v), R.sliceAxis(x, 0, 2, 5, 1)], 0),
  },
  {
    name: 'expand',
    inputs: [f([3, 1])],
    run: (x) => T.expand(x, [2, 3, 4]),
    reference: (x) => R.zip(x, R.nd([2, 3, 4], new Array(24).fill(0)), (a) => a),
  },
  // --- indexing ---------------------------------------------------------------------
  {
    name: 'indexSelect axis 0 with repeats',
    inputs: [f([5, 3]), { shape: [4], dtype: 'i32', values: [4, 0, 4, 2] }],
    run: (x, i) => T.indexSelect(x, 0, i),
    reference: (x, i) => picks(x, 0, i),
  },
  {
    name: 'indexSelect axis 1',
    inputs: [f([2, 5, 3]), { shape: [3], dtype: 'i32', values: [1, 1, 3] }],
    run: (x, i) => T.indexSelect(x, 1, i),
    reference: (x, i) => picks(x, 1, i),
  },
  {
    name: 'embedding',
    inputs: [{ shape: [2, 3], dtype: 'i32', values: [0, 3, 3, 1, 2, 0] }, f([4, 5])],
    run: (ids, w) => T.embedding(ids, w),
    reference: (ids, w) => {
      const rows = picks(w, 0, ids);
      return { shape: [2, 3, 5], data: rows.data };
    },
  },
  {
    name: 'gather along axis 1',
    inputs: [f([3, 4]), { shape: [3, 2], dtype: 'i32', values: [3, 0, 1, 1, 2, 3] }],
    run: (x, i) => T.gather(x, 1, i),
    reference: (x, i) => {
      const out = new Float64Array(6);
      for (let r = 0; r < 3; r++)
        for (let j = 0; j < 2; j++) out[r * 2 + j] = R.get(x, [r, i.data[r * 2 + j]!]);
      return R.nd([3, 2], out);
    },
  },
  {
    name: 'scatterAdd along axis 0',
    inputs: [{ shape: [2, 3], dtype: 'i32', values: [1, 0, 1, 1, 2, 1] }, f([2, 3])],
    run: (i, src) => T.scatterAdd([3, 3], 0, i, src),
    reference: (i, src) => {
      const out = new Float64Array(9);
      for (let r = 0; r < 2; r++)
        for (let c = 0; c < 3; c++) out[i.data[r * 3 + c]! * 3 + c]! += src.data[r * 3 + c]!;
      return R.nd([3, 3], out);
    },
  },
  {
    name: 'tril and triu',
    inputs: [f([2, 3, 4])],
    run: (x) => T.add(T.tril(x), T.mul(T.triu(x, 2), 10)),
    reference: (x) =>
      R.nd(
        x.shape,
        Array.from(x.data, (v, i) => {
          const [, r, c] = R.unravel(i, x.shape) as [number, number, number];
          return (c - r <= 0 ? v : 0) + (c - r >= 2 ? 10 * v : 0);
        }),
      ),
  },
  // --- neural-network ops ---------------------------------------------------------------
  {
    name: 'softmax last axis',
    inputs: [f([3, 5])],
    run: (x) => T.softmax(x),
    reference: (x) => R.softmax(x, -1),
  },
  {
    name: 'softmax axis 0',
    inputs: [f([4, 3])],
    run: (x) => T.softmax(x, 0),
    reference: (x) => R.softmax(x, 0),
  },
  {
    name: 'logSoftmax',
    inputs: [f([3, 5])],
    run: (x) => T.logSoftmax(x),
    reference: (x) => R.softmax(x, -1, true),
  },
  {
    name: 'layerNorm with weight and bias',
    inputs: [f([2, 3, 6]), f([6]), f([6])],
    run: (x, w, b) => T.layerNorm(x, 6, { weight: w, bias: b, eps: 1e-5 }),
    reference: (x, w, b) => R.layerNorm(x, 6, w, b, 1e-5),
  },
  {
    name: 'layerNorm without affine, eps 1e-12',
    inputs: [f([4, 5])],
    run: (x) => T.layerNorm(x, [5], { eps: 1e-12 }),
    reference: (x) => R.layerNorm(x, 5, null, null, 1e-12),
  },
  // Wide rows exercise the workgroup-cooperative paths GPU backends use past ~64 columns.
  {
    name: 'layerNorm on wide rows with a large mean',
    inputs: [f([3, 300]), f([300]), f([300])],
    run: (x, w, b) => T.layerNorm(T.add(x, 20), 300, { weight: w, bias: b }),
    reference: (x, w, b) =>
      R.layerNorm(
        R.map(x, (v) => v + 20),
        300,
        w,
        b,
        1e-5,
      ),
    tol: 1e-4,
  },
  {
    name: 'softmax on wide rows',
    inputs: [f([2, 300])],
    run: (x) => T.softmax(x),
    reference: (x) => R.softmax(x, -1),
  },
  {
    name: 'sum over a long last axis',
    inputs: [f([3, 300])],
    run: (x) => T.sum(x, -1),
    reference: (x) => R.sum(x, [1]),
  },
  {
    name: 'argmax over a long last axis',
    inputs: [f([2, 300])],
    run: (x) => T.argmax(x, -1),
    reference: (x) => R.argReduce(x, 1, (v, b) => v > b),
    dtype: 'i32',
  },
  {
    name: 'crossEntropy over many classes',
    inputs: [f([3, 300]), { shape: [3], dtype: 'i32', values: [7, 299, 150] }],
    run: (l, t) => T.crossEntropy(l, t),
    reference: (l, t) =>
      R.nd([], [R.crossEntropyRows(l, Array.from(t.data), -100).reduce((a, b) => a + b, 0) / 3]),
  },
  {
    name: 'crossEntropy mean with ignoreIndex',
    inputs: [f([5, 4]), { shape: [5], dtype: 'i32', values: [2, -100, 0, 3, 1] }],
    run: (l, t) => T.crossEntropy(l, t),
    reference: (l, t) => {
      const losses = R.crossEntropyRows(l, Array.from(t.data), -100);
      return R.nd([], [losses.reduce((a, b) => a + b, 0) / 4]);
    },
  },
  {
    name: 'crossEntropy sum over (B, T, C)',
    inputs: [f([2, 3, 4]), { shape: [2, 3], dtype: 'i32', values: [0, 1, 2, 3, 0, 1] }],
    run: (l, t) => T.crossEntropy(l, t, { reduction: 'sum' }),
    reference: (l, t) =>
      R.nd([], [R.crossEntropyRows(l, Array.from(t.data), -100).reduce((a, b) => a + b, 0)]),
  },
  {
    name: 'crossEntropy none',
    inputs: [f([3, 4]), { shape: [3], dtype: 'i32', values: [1, 7, 0] }],
    run: (l, t) => T.crossEntropy(l, t, { reduction: 'none', ignoreIndex: 7 }),
    reference: (l, t) => R.nd([3], R.crossEntropyRows(l, Array.from(t.data), 7)),
  },
  {
    name: 'topk values (largest)',
    inputs: [f([3, 7])],
    run: (x) => T.topk(x, 3).values,
    reference: (x) => {
      const out: number[] = [];
      for (let r = 0; r < 3; r++)
        out.push(
          ...Array.from(x.data.slice(r * 7, r * 7 + 7))
            .sort((a, b) => b - a)
            .slice(0, 3),
        );
      return R.nd([3, 3], out);
    },
  },
  {
    name: 'topk indices (smallest, ties keep the lower index)',
    inputs: [{ shape: [2, 5], values: [3, 1, 2, 1, 5, 0, 0, 4, -1, 0] }],
    run: (x) => T.topk(x, 3, { largest: false }).indices,
    reference: () => R.nd([2, 3], [1, 3, 2, 3, 0, 1]),
    dtype: 'i32',
  },
  {
    name: 'cosineSimilarity with broadcasting',
    inputs: [f([3, 5]), f([5])],
    run: (a, b) => T.cosineSimilarity(a, b),
    reference: (a, b) => {
      const dot = R.sum(
        R.zip(a, b, (x, y) => x * y),
        [1],
      );
      const na = R.map(
        R.sum(
          R.map(a, (v) => v * v),
          [1],
        ),
        Math.sqrt,
      );
      const nb = Math.sqrt(R.sum(R.map(b, (v) => v * v)).data[0]!);
      return R.zip(dot, na, (d, n) => d / Math.max(n * nb, 1e-8));
    },
  },
  {
    name: 'normalize',
    inputs: [f([3, 4])],
    run: (x) => T.normalize(x),
    reference: (x) =>
      R.zip(
        x,
        R.map(
          R.sum(
            R.map(x, (v) => v * v),
            [1],
            true,
          ),
          Math.sqrt,
        ),
        (v, n) => v / n,
      ),
  },
  {
    name: 'composite: variance via var of a product graph reusing inputs',
    inputs: [f([4, 3])],
    run: (x) => T.sum(T.mul(T.exp(T.mul(x, 0.5)), T.tanh(x)), 1),
    reference: (x) =>
      R.sum(
        R.map(x, (v) => Math.exp(0.5 * v) * Math.tanh(v)),
        [1],
      ),
  },
];

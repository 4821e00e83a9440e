// Element-wise kernels. Each op's loop is generated once from an expression (and
// cached), so every loop stays monomorphic for the JIT instead of calling a shared
// closure per element. Broadcasting walks the output with an odometer over all but
// the last dimension and uses stride 0 for broadcast inputs. The activations and
// their gradients share these tables: the backend's fused `activation` /
// `activationGrad` kernels are one loop each.
import {
  type ActivationGradOp,
  type ActivationOp,
  type BinaryOp,
  broadcastStrides,
  type DataArray,
  type Shape,
  sizeOf,
  type UnaryOp,
} from '@tensorlm/tensor-core';
import { type Helpers, helpers } from './math.js';

export type UnaryLoopOp = UnaryOp | ActivationOp;
export type BinaryLoopOp = BinaryOp | ActivationGradOp;

const UNARY: Readonly<Record<UnaryLoopOp, string>> = {
  neg: '-v',
  abs: 'Math.abs(v)',
  sign: '(v > 0 ? 1 : v < 0 ? -1 : v)',
  exp: 'Math.exp(v)',
  log: 'Math.log(v)',
  sqrt: 'Math.sqrt(v)',
  rsqrt: '1 / Math.sqrt(v)',
  square: 'v * v',
  reciprocal: '1 / v',
  tanh: 'Math.tanh(v)',
  sigmoid: '1 / (1 + Math.exp(-v))',
  // `v <= 0 ? 0 : v` keeps NaN visible instead of silently mapping it to 0.
  relu: '(v <= 0 ? 0 : v)',
  gelu: 'H.gelu(v)',
  geluErf: 'H.geluErf(v)',
  erf: 'H.erf(v)',
  sin: 'Math.sin(v)',
  cos: 'Math.cos(v)',
  floor: 'Math.floor(v)',
  ceil: 'Math.ceil(v)',
  round: 'H.roundHalfEven(v)',
  logicalNot: '(v === 0 ? 1 : 0)',
};

const BINARY: Readonly<Record<BinaryLoopOp, string>> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'Math.pow(a, b)',
  maximum: 'Math.max(a, b)',
  minimum: 'Math.min(a, b)',
  eq: '(a === b ? 1 : 0)',
  ne: '(a !== b ? 1 : 0)',
  lt: '(a < b ? 1 : 0)',
  le: '(a <= b ? 1 : 0)',
  gt: '(a > b ? 1 : 0)',
  ge: '(a >= b ? 1 : 0)',
  logicalAnd: '(a !== 0 && b !== 0 ? 1 : 0)',
  logicalOr: '(a !== 0 || b !== 0 ? 1 : 0)',
  reluGrad: '(a > 0 ? b : 0)',
  geluGrad: 'H.geluGrad(a) * b',
  geluErfGrad: 'H.geluErfGrad(a) * b',
  tanhGrad: 'b * (1 - a * a)',
  sigmoidGrad: 'b * a * (1 - a)',
};

type UnaryLoop = (x: DataArray, out: DataArray, n: number, H: Helpers) => void;
type BinaryLoop = (
  a: DataArray,
  b: DataArray,
  out: DataArray,
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
  H: Helpers,
) => void;

const unaryLoops = new Map<UnaryLoopOp, UnaryLoop>();
const binaryLoops = new Map<BinaryLoopOp, BinaryLoop>();

function unaryLoop(op: UnaryLoopOp): UnaryLoop {
  let loop = unaryLoops.get(op);
  if (!loop) {
    loop = new Function(
      'x',
      'out',
      'n',
      'H',
      `for (let i = 0; i < n; i++) { const v = x[i]; out[i] = ${UNARY[op]}; }`,
    ) as UnaryLoop;
    unaryLoops.set(op, loop);
  }
  return loop;
}

function binaryLoop(op: BinaryLoopOp): BinaryLoop {
  let loop = binaryLoops.get(op);
  if (!loop) {
    const expr = BINARY[op];
    loop = new Function(
      'A',
      'B',
      'out',
      'shape',
      'sa',
      'sb',
      'H',
      `
      const rank = shape.length;
      const inner = rank === 0 ? 1 : shape[rank - 1];
      const ia = rank === 0 ? 0 : sa[rank - 1];
      const ib = rank === 0 ? 0 : sb[rank - 1];
      const total = out.length;
      if (inner === 0 || total === 0) return;
      const index = new Array(Math.max(rank - 1, 0)).fill(0);
      let offA = 0, offB = 0;
      for (let o = 0; o < total; o += inner) {
        if (ia === 1 && ib === 1) {
          for (let j = 0; j < inner; j++) { const a = A[offA + j], b = B[offB + j]; out[o + j] = ${expr}; }
        } else if (ib === 0) {
          const b = B[offB];
          for (let j = 0; j < inner; j++) { const a = A[offA + j * ia]; out[o + j] = ${expr}; }
        } else {
          for (let j = 0; j < inner; j++) { const a = A[offA + j * ia], b = B[offB + j * ib]; out[o + j] = ${expr}; }
        }
        for (let d = rank - 2; d >= 0; d--) {
          index[d]++; offA += sa[d]; offB += sb[d];
          if (index[d] < shape[d]) break;
          offA -= sa[d] * shape[d]; offB -= sb[d] * shape[d]; index[d] = 0;
        }
      }`,
    ) as BinaryLoop;
    binaryLoops.set(op, loop);
  }
  return loop;
}

export function unaryKernel(op: UnaryLoopOp, x: DataArray, out: DataArray): void {
  unaryLoop(op)(x, out, out.length, helpers);
}

export function binaryKernel(
  op: BinaryLoopOp,
  a: DataArray,
  aShape: Shape,
  b: DataArray,
  bShape: Shape,
  out: DataArray,
  outShape: Shape,
): void {
  binaryLoop(op)(
    a,
    b,
    out,
    outShape,
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
    helpers,
  );
}

export function whereKernel(
  cond: DataArray,
  condShape: Shape,
  a: DataArray,
  aShape: Shape,
  b: DataArray,
  bShape: Shape,
  out: DataArray,
  outShape: Shape,
): void {
  const rank = outShape.length;
  const sc = broadcastStrides(condShape, outShape);
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const total = sizeOf(outShape);
  const inner = rank === 0 ? 1 : outShape[rank - 1]!;
  if (total === 0 || inner === 0) return;
  const ic = rank === 0 ? 0 : sc[rank - 1]!;
  const ia = rank === 0 ? 0 : sa[rank - 1]!;
  const ib = rank === 0 ? 0 : sb[rank - 1]!;
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  let offC = 0;
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < total; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = cond[offC + j * ic] ? a[offA + j * ia]! : b[offB + j * ib]!;
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      offC += sc[d]!;
      offA += sa[d]!;
      offB += sb[d]!;
      if (index[d]! < outShape[d]!) break;
      offC -= sc[d]! * outShape[d]!;
      offA -= sa[d]! * outShape[d]!;
      offB -= sb[d]! * outShape[d]!;
      index[d] = 0;
    }
  }
}

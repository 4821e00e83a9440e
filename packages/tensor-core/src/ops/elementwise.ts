// Element-wise ops with broadcasting: dtype conversion, the unary math table, binary
// arithmetic and comparisons, `where`. Each differentiable op's backward rule sits in
// one table beside its forward, written in terms of other ops (gradients are defined
// once for all backends). GELU and the activation gradients go through `fused`: the
// backend's own kernel, or a default composed from the primitives.
import {
  type ActivationGradOp,
  type ActivationOp,
  type BinaryOp,
  COMPARISON_OPS,
  type UnaryOp,
} from '../backend/backend.js';
import { fused } from '../backend/fused/index.js';
import { TensorError } from '../errors.js';
import { type DType, promoteTypes } from '../tensor/dtype.js';
import { broadcastShapeOf, broadcastShapes, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import {
  backendOf,
  record,
  type Scalar,
  scalarDType,
  scalarTensor,
  type TensorLike,
  wrap,
} from './op-utils.js';
import { sumToShape } from './reduce.js';

// ---------------------------------------------------------------------------------
// dtype conversion

export function cast(x: Tensor, dtype: DType): Tensor {
  const backend = backendOf('cast', x);
  // Same dtype: a view that keeps the gradient flowing (a no-op cast must not cut the graph).
  if (x.dtype === dtype) return record(x.withShape(x.shape), 'cast', [x], (dy) => [dy]);
  // Casts between different dtypes cut the graph, as in PyTorch: only f32 carries gradients.
  return wrap(backend, backend.cast(x, dtype), x.shape, dtype);
}

// ---------------------------------------------------------------------------------
// unary

/** Every element-wise unary op: the primitives and the activations with a fused kernel. */
export type ElementwiseUnaryOp = UnaryOp | ActivationOp;

const ACTIVATIONS: ReadonlySet<ElementwiseUnaryOp> = new Set<ActivationOp>(['gelu', 'geluErf']);

const FLOAT_ONLY: ReadonlySet<ElementwiseUnaryOp> = new Set<ElementwiseUnaryOp>([
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'tanh',
  'sigmoid',
  'gelu',
  'geluErf',
  'erf',
  'sin',
  'cos',
]);

type UnaryGrad = (x: Tensor, y: Tensor, dy: Tensor) => Tensor;

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const UNARY_GRADS: Readonly<Partial<Record<ElementwiseUnaryOp, UnaryGrad>>> = {
  neg: (_x, _y, dy) => neg(dy),
  abs: (x, _y, dy) => mul(dy, unary('sign', x)),
  exp: (_x, y, dy) => mul(dy, y),
  log: (x, _y, dy) => div(dy, x),
  sqrt: (_x, y, dy) => div(dy, mul(y, 2)),
  rsqrt: (_x, y, dy) => mul(dy, mul(pow(y, 3), -0.5)),
  square: (x, _y, dy) => mul(dy, mul(x, 2)),
  reciprocal: (_x, y, dy) => neg(mul(dy, mul(y, y))),
  tanh: (_x, y, dy) => activationGrad('tanhGrad', y, dy),
  sigmoid: (_x, y, dy) => activationGrad('sigmoidGrad', y, dy),
  relu: (x, _y, dy) => activationGrad('reluGrad', x, dy),
  gelu: (x, _y, dy) => activationGrad('geluGrad', x, dy),
  geluErf: (x, _y, dy) => activationGrad('geluErfGrad', x, dy),
  erf: (x, _y, dy) => mul(dy, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)),
  sin: (x, _y, dy) => mul(dy, cos(x)),
  cos: (x, _y, dy) => neg(mul(dy, sin(x))),
};

/** An activation's gradient from the forward input (or output, for tanh/sigmoid) and dy. */
function activationGrad(op: ActivationGradOp, input: Tensor, dy: Tensor): Tensor {
  const backend = backendOf(op, input, dy);
  return wrap(backend, fused.activationGrad(backend, op, input, dy), input.shape, 'f32');
}

/** Applies a unary kernel, converting the input's dtype as the op requires. */
export function unary(op: ElementwiseUnaryOp, x: Tensor): Tensor {
  const backend = backendOf(op, x);
  if (op === 'logicalNot') {
    const input = x.dtype === 'bool' ? x : notEqual(x, 0);
    return wrap(backend, backend.unary(op, input), x.shape, 'bool');
  }
  const dtype: DType = FLOAT_ONLY.has(op) ? 'f32' : x.dtype === 'bool' ? 'i32' : x.dtype;
  const input = x.dtype === dtype ? x : cast(x, dtype);
  const storage = ACTIVATIONS.has(op)
    ? fused.activation(backend, op as ActivationOp, input)
    : backend.unary(op as UnaryOp, input);
  const y = wrap(backend, storage, x.shape, dtype);
  const grad = UNARY_GRADS[op];
  if (!grad || dtype !== 'f32') return y;
  return record(y, op, [x], (dy) => [grad(x, y, dy)]);
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** GELU with the tanh approximation (GPT-2); pass `approximate: 'none'` for the exact erf form (BERT). */
export const gelu = (x: Tensor, options: { approximate?: 'tanh' | 'none' } = {}): Tensor =>
  unary(options.approximate === 'none' ? 'geluErf' : 'gelu', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
export const round = (x: Tensor): Tensor => unary('round', x);
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);

// ---------------------------------------------------------------------------------
// binary

function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  if (a instanceof Tensor)
    return [a, scalarTensor(backendOf(op, a), b as Scalar, scalarDType(b as Scalar, a.dtype))];
  if (b instanceof Tensor) return [scalarTensor(backendOf(op, b), a, scalarDType(a, b.dtype)), b];
  throw new TensorError(op, 'at least one operand must be a Tensor');
}

/** Runs a binary kernel on two tensors already of one dtype (no grad, no promotion). */
function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const backend = backendOf(op, a, b);
  const outShape = broadcastShapes(a.shape, b.shape, op);
  const outDtype: DType =
    COMPARISON_OPS.has(op) || op === 'logicalAnd' || op === 'logicalOr' ? 'bool' : a.dtype;
  return wrap(backend, backend.binary(op, a, b, outShape), outShape, outDtype);
}

function toDType(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : cast(x, dtype);
}

type BinaryGrad = (a: Tensor, b: Tensor, y: Tensor, dy: Tensor) => [Tensor | null, Tensor | null];

function arithmetic(
  op: BinaryOp,
  aIn: TensorLike,
  bIn: TensorLike,
  grad: BinaryGrad,
  forceFloat = false,
): Tensor {
  const [a0, b0] = operands(op, aIn, bIn);
  let dtype = forceFloat ? 'f32' : promoteTypes(a0.dtype, b0.dtype);
  if (dtype === 'bool') dtype = 'i32';
  const a = toDType(a0, dtype);
  const b = toDType(b0, dtype);
  const y = binaryKernel(op, a, b);
  if (dtype !== 'f32') return y;
  return record(y, op, [a0, b0], (dy) => {
    const [da, db] = grad(a, b, y, dy);
    return [
      da && a0.requiresGrad ? sumToShape(da, a0.shape) : null,
      db && b0.requiresGrad ? sumToShape(db, b0.shape) : null,
    ];
  });
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('add', a, b, (_a, _b, _y, dy) => [dy, dy]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('sub', a, b, (_a, _b, _y, dy) => [dy, neg(dy)]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('mul', a, b, (a, b, _y, dy) => [mul(dy, b), mul(dy, a)]);
}

/** True division: the result is always f32, as in PyTorch. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('div', a, b, (_a, b, y, dy) => [div(dy, b), neg(div(mul(dy, y), b))], true);
}

/** a^b in f32. The gradient for b uses log(a) and is 0 where a ≤ 0. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic(
    'pow',
    a,
    b,
    (a, b, y, dy) => {
      const da = a.requiresGrad ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null;
      let db: Tensor | null = null;
      if (b.requiresGrad) {
        const positive = greater(a, 0);
        const safeLog = log(where(positive, a, 1));
        db = mul(dy, mul(y, safeLog));
      }
      return [da, db];
    },
    true,
  );
}

export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('maximum', a, b, (a, b, _y, dy) => {
    const takeA = greaterEqual(a, b);
    return [where(takeA, dy, 0), where(takeA, 0, dy)];
  });
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('minimum', a, b, (a, b, _y, dy) => {
    const takeA = lessEqual(a, b);
    return [where(takeA, dy, 0), where(takeA, 0, dy)];
  });
}

function comparison(op: BinaryOp, aIn: TensorLike, bIn: TensorLike): Tensor {
  const [a0, b0] = operands(op, aIn, bIn);
  const dtype = promoteTypes(a0.dtype, b0.dtype);
  return binaryKernel(op, toDType(a0, dtype), toDType(b0, dtype));
}

export const equal = (a: TensorLike, b: TensorLike): Tensor => comparison('eq', a, b);
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => comparison('ne', a, b);
export const less = (a: TensorLike, b: TensorLike): Tensor => comparison('lt', a, b);
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => comparison('le', a, b);
export const greater = (a: TensorLike, b: TensorLike): Tensor => comparison('gt', a, b);
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => comparison('ge', a, b);

function asBool(x: Tensor): Tensor {
  return x.dtype === 'bool' ? x : notEqual(x, 0);
}

export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  const [a0, b0] = operands('logicalAnd', a, b);
  return binaryKernel('logicalAnd', asBool(a0), asBool(b0));
}

export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  const [a0, b0] = operands('logicalOr', a, b);
  return binaryKernel('logicalOr', asBool(a0), asBool(b0));
}

// ---------------------------------------------------------------------------------
// selection

/** Elements of `a` where `condition` is true, else of `b` (all three broadcast). */
export function where(condition: Tensor, aIn: TensorLike, bIn: TensorLike): Tensor {
  const op = 'where';
  if (!(condition instanceof Tensor)) throw new TensorError(op, 'condition must be a bool Tensor');
  if (condition.dtype !== 'bool') throw new TensorError(op, `condition must be bool, got ${condition.dtype}`);
  const backend = backendOf(op, condition);
  const a0 = aIn instanceof Tensor ? aIn : null;
  const b0 = bIn instanceof Tensor ? bIn : null;
  let dtype: DType;
  if (a0 && b0) dtype = promoteTypes(a0.dtype, b0.dtype);
  else if (a0 || b0) {
    const reference = (a0 ?? b0)!;
    const scalar = (a0 ? bIn : aIn) as Scalar;
    dtype = promoteTypes(reference.dtype, scalarDType(scalar, reference.dtype));
  } else dtype = typeof aIn === 'boolean' && typeof bIn === 'boolean' ? 'bool' : 'f32';
  const a = a0 ? toDType(a0, dtype) : scalarTensor(backend, aIn as Scalar, dtype);
  const b = b0 ? toDType(b0, dtype) : scalarTensor(backend, bIn as Scalar, dtype);
  backendOf(op, condition, a, b);
  const outShape = broadcastShapeOf([condition.shape, a.shape, b.shape], op);
  const y = wrap(backend, backend.where(condition, a, b, outShape), outShape, dtype);
  if (dtype !== 'f32') return y;
  const inputs = [a0, b0].filter((t): t is Tensor => t !== null);
  return record(y, op, inputs, (dy) => {
    const grads: Tensor[] = [];
    if (a0) grads.push(sumToShape(where(condition, dy, 0), a0.shape));
    if (b0) grads.push(sumToShape(where(condition, 0, dy), b0.shape));
    return grads;
  });
}

/** `value` where `mask` is true, else x (torch's masked_fill). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== 'bool') throw new TensorError('maskedFill', `mask must be bool, got ${mask.dtype}`);
  const outShape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (!shapesEqual(outShape, x.shape)) {
    throw new TensorError(
      'maskedFill',
      `mask of shape [${mask.shape}] must broadcast to the input's shape [${x.shape}]`,
    );
  }
  return where(mask, value, x);
}

// Reductions over one or more axes (sum, mean, max, min, argmax, argmin), the
// statistics built from them (variance, std, logSumExp), and `sumToShape`, which
// every broadcasting op's backward uses to fold a gradient back to its input's shape.
import type { ReduceOp } from '../backend/backend.js';
import { TensorError } from '../errors.js';
import { noGrad } from '../tensor/engine.js';
import {
  formatShape,
  normalizeAxes,
  normalizeAxis,
  type Shape,
  shapesEqual,
  splitAroundAxis,
} from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, cast, div, equal, exp, log, mul, sqrt, sub, where } from './elementwise.js';
import { backendOf, record, wrap } from './op-utils.js';
import { expand, reshape } from './shape.js';

export type Axes = number | readonly number[];

export interface ReduceOptions {
  keepDims?: boolean;
}

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Applies a one-axis kernel for each axis, last first; returns the keepDims-shaped result. */
function reduceKernel(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  const backend = backendOf(op, x);
  let current = x;
  const shape = [...x.shape];
  for (let i = axes.length - 1; i >= 0; i--) {
    const axis = axes[i]!;
    const layout = splitAroundAxis(shape, axis);
    if (layout.size === 0 && (op === 'max' || op === 'min')) {
      throw new TensorError(op, `cannot reduce an empty axis ${axis} of shape ${formatShape(x.shape)}`);
    }
    shape[axis] = 1;
    const next = wrap(
      backend,
      backend.reduce(op, current, layout),
      shape,
      op === 'argmax' || op === 'argmin' ? 'i32' : current.dtype,
    );
    if (current !== x) current.dispose();
    current = next;
  }
  return current === x ? x.withShape(x.shape) : current;
}

function finishShape(y: Tensor, x: Tensor, axes: readonly number[], keepDims: boolean): Tensor {
  if (keepDims) return y;
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  const out = y.withShape(shape);
  y.dispose();
  return out;
}

function sumLike(op: 'sum' | 'mean', x: Tensor, axesIn: Axes | undefined, options: ReduceOptions): Tensor {
  const axes = normalizeAxes(axesIn, x.rank, op);
  const input = x.dtype === 'bool' ? cast(x, 'i32') : op === 'mean' && x.dtype !== 'f32' ? cast(x, 'f32') : x;
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  if (op === 'mean' && count === 0)
    throw new TensorError('mean', `cannot average over an empty axis of shape ${formatShape(x.shape)}`);
  const y = finishShape(reduceKernel(op, input, axes), x, axes, options.keepDims ?? false);
  if (input.dtype !== 'f32') return y;
  const kept = keptShape(x.shape, axes);
  return record(y, op, [x], (dy) => {
    const g = expand(reshape(dy, kept), x.shape);
    return [op === 'mean' ? div(g, count) : g];
  });
}

export function sum(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return sumLike('sum', x, axes, options);
}

export function mean(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return sumLike('mean', x, axes, options);
}

function extreme(op: 'max' | 'min', x: Tensor, axesIn: Axes | undefined, options: ReduceOptions): Tensor {
  const axes = normalizeAxes(axesIn, x.rank, op);
  const input = x.dtype === 'bool' ? cast(x, 'i32') : x;
  const keptResult = reduceKernel(op, input, axes);
  const y = finishShape(keptResult, x, axes, options.keepDims ?? false);
  if (input.dtype !== 'f32') return y;
  const kept = keptShape(x.shape, axes);
  return record(y, op, [x], (dy) => {
    // Ties share the gradient equally (PyTorch's amax/amin rule).
    const hit = cast(equal(x, reshape(y, kept)), 'f32');
    const share = div(hit, sum(hit, axes, { keepDims: true }));
    return [mul(share, reshape(dy, kept))];
  });
}

export function max(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return extreme('max', x, axes, options);
}

export function min(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return extreme('min', x, axes, options);
}

function argExtreme(
  op: 'argmax' | 'argmin',
  x: Tensor,
  axis: number | undefined,
  options: ReduceOptions,
): Tensor {
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    const y = reduceKernel(op, flat, [0]);
    flat.dispose();
    const out = y.withShape(options.keepDims ? x.shape.map(() => 1) : []);
    y.dispose();
    return out;
  }
  const a = normalizeAxis(axis, x.rank, op);
  if (x.shape[a] === 0) throw new TensorError(op, `cannot take ${op} of an empty axis ${axis}`);
  const input = x.dtype === 'bool' ? cast(x, 'i32') : x;
  return finishShape(reduceKernel(op, input, [a]), x, [a], options.keepDims ?? false);
}

/** Index of the largest element along `axis` (of the flattened tensor when omitted); first on ties. */
export function argmax(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  return argExtreme('argmax', x, axis, options);
}

export function argmin(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  return argExtreme('argmin', x, axis, options);
}

export interface VarianceOptions extends ReduceOptions {
  /** Subtracted from the count in the denominator: 1 = unbiased (default, as PyTorch), 0 = biased. */
  correction?: number;
  /** Shorthand for correction 1 (true) or 0 (false). */
  unbiased?: boolean;
}

export function variance(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  const normalized = normalizeAxes(axes, x.rank, 'var');
  const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
  const count = normalized.reduce((n, a) => n * x.shape[a]!, 1);
  const centered = sub(x, mean(x, normalized, { keepDims: true }));
  const squares = sum(mul(centered, centered), normalized, { keepDims: options.keepDims ?? false });
  return div(squares, Math.max(count - correction, 0));
}

export function std(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, axes, options));
}

/** log Σ exp(x) along axes, computed stably by subtracting the (constant) maximum first. */
export function logSumExp(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const normalized = normalizeAxes(axes, x.rank, 'logSumExp');
  // The shift is a constant for autograd: d/dx [log Σ e^(x−m) + m] is softmax(x) for any m.
  const shift = noGrad(() => {
    const peak = max(x, normalized, { keepDims: true });
    return where(equal(peak, Number.NEGATIVE_INFINITY), 0, peak);
  });
  const out = add(log(sum(exp(sub(x, shift)), normalized, { keepDims: true })), shift);
  return options.keepDims
    ? out
    : reshape(
        out,
        x.shape.filter((_, i) => !normalized.includes(i)),
      );
}

/** Sums a gradient of a broadcast result back to the shape of the input that was broadcast. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? sum(g, axes, { keepDims: true }) : g;
  return reshape(summed, shape);
}

// Fluent methods on Tensor (`x.add(y).relu().sum()`), as PyTorch users expect. Each
// is a thin call into the op functions; declared here so tensor.ts stays free of op
// imports (the ops import Tensor, not the other way round).
import { type BackwardOptions, backward as runBackward } from '../autograd/backward.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { assign } from './assign.js';
import { onesLike } from './creation.js';
import * as ew from './elementwise.js';
import { gather, indexSelect } from './indexing.js';
import { linear, type MatmulOptions, matmul } from './matmul.js';
import type { TensorLike } from './op-utils.js';
import * as red from './reduce.js';
import * as shp from './shape.js';
import { logSoftmax, softmax } from './softmax.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    gelu(options?: { approximate?: 'tanh' | 'none' }): Tensor;
    equal(other: TensorLike): Tensor;
    notEqual(other: TensorLike): Tensor;
    less(other: TensorLike): Tensor;
    lessEqual(other: TensorLike): Tensor;
    greater(other: TensorLike): Tensor;
    greaterEqual(other: TensorLike): Tensor;
    maskedFill(mask: Tensor, value: number): Tensor;
    cast(dtype: DType): Tensor;
    sum(axes?: red.Axes, options?: red.ReduceOptions): Tensor;
    mean(axes?: red.Axes, options?: red.ReduceOptions): Tensor;
    max(axes?: red.Axes, options?: red.ReduceOptions): Tensor;
    min(axes?: red.Axes, options?: red.ReduceOptions): Tensor;
    argmax(axis?: number, options?: red.ReduceOptions): Tensor;
    argmin(axis?: number, options?: red.ReduceOptions): Tensor;
    variance(axes?: red.Axes, options?: red.VarianceOptions): Tensor;
    std(axes?: red.Axes, options?: red.VarianceOptions): Tensor;
    matmul(other: Tensor, options?: MatmulOptions): Tensor;
    linear(weight: Tensor, bias?: Tensor | null): Tensor;
    reshape(shape: readonly number[]): Tensor;
    view(shape: readonly number[]): Tensor;
    flatten(startAxis?: number, endAxis?: number): Tensor;
    squeeze(axis?: number): Tensor;
    unsqueeze(axis: number): Tensor;
    expand(shape: readonly number[]): Tensor;
    transpose(axis0?: number, axis1?: number): Tensor;
    permute(dims: readonly number[]): Tensor;
    slice(specs: readonly shp.SliceSpec[]): Tensor;
    narrow(axis: number, start: number, length: number): Tensor;
    indexSelect(axis: number, indices: Tensor): Tensor;
    gather(axis: number, index: Tensor): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    clone(): Tensor;
    detach(): Tensor;
    /** Copies `value` into this leaf tensor in place (inside noGrad for parameters). */
    assign(value: Tensor): Tensor;
    /** Gradients of this (scalar, or with `gradient`) tensor into every leaf that requires grad. */
    backward(gradient?: Tensor, options?: BackwardOptions): void;
  }
}

const methods: Partial<Record<keyof Tensor, (this: Tensor, ...args: never[]) => unknown>> = {
  add(this: Tensor, o: TensorLike) {
    return ew.add(this, o);
  },
  sub(this: Tensor, o: TensorLike) {
    return ew.sub(this, o);
  },
  mul(this: Tensor, o: TensorLike) {
    return ew.mul(this, o);
  },
  div(this: Tensor, o: TensorLike) {
    return ew.div(this, o);
  },
  pow(this: Tensor, o: TensorLike) {
    return ew.pow(this, o);
  },
  maximum(this: Tensor, o: TensorLike) {
    return ew.maximum(this, o);
  },
  minimum(this: Tensor, o: TensorLike) {
    return ew.minimum(this, o);
  },
  neg(this: Tensor) {
    return ew.neg(this);
  },
  abs(this: Tensor) {
    return ew.abs(this);
  },
  exp(this: Tensor) {
    return ew.exp(this);
  },
  log(this: Tensor) {
    return ew.log(this);
  },
  sqrt(this: Tensor) {
    return ew.sqrt(this);
  },
  square(this: Tensor) {
    return ew.square(this);
  },
  tanh(this: Tensor) {
    return ew.tanh(this);
  },
  sigmoid(this: Tensor) {
    return ew.sigmoid(this);
  },
  relu(this: Tensor) {
    return ew.relu(this);
  },
  gelu(this: Tensor, options?: { approximate?: 'tanh' | 'none' }) {
    return ew.gelu(this, options);
  },
  equal(this: Tensor, o: TensorLike) {
    return ew.equal(this, o);
  },
  notEqual(this: Tensor, o: TensorLike) {
    return ew.notEqual(this, o);
  },
  less(this: Tensor, o: TensorLike) {
    return ew.less(this, o);
  },
  lessEqual(this: Tensor, o: TensorLike) {
    return ew.lessEqual(this, o);
  },
  greater(this: Tensor, o: TensorLike) {
    return ew.greater(this, o);
  },
  greaterEqual(this: Tensor, o: TensorLike) {
    return ew.greaterEqual(this, o);
  },
  maskedFill(this: Tensor, mask: Tensor, value: number) {
    return ew.maskedFill(this, mask, value);
  },
  cast(this: Tensor, dtype: DType) {
    return ew.cast(this, dtype);
  },
  sum(this: Tensor, axes?: red.Axes, o?: red.ReduceOptions) {
    return red.sum(this, axes, o);
  },
  mean(this: Tensor, axes?: red.Axes, o?: red.ReduceOptions) {
    return red.mean(this, axes, o);
  },
  max(this: Tensor, axes?: red.Axes, o?: red.ReduceOptions) {
    return red.max(this, axes, o);
  },
  min(this: Tensor, axes?: red.Axes, o?: red.ReduceOptions) {
    return red.min(this, axes, o);
  },
  argmax(this: Tensor, axis?: number, o?: red.ReduceOptions) {
    return red.argmax(this, axis, o);
  },
  argmin(this: Tensor, axis?: number, o?: red.ReduceOptions) {
    return red.argmin(this, axis, o);
  },
  variance(this: Tensor, axes?: red.Axes, o?: red.VarianceOptions) {
    return red.variance(this, axes, o);
  },
  std(this: Tensor, axes?: red.Axes, o?: red.VarianceOptions) {
    return red.std(this, axes, o);
  },
  matmul(this: Tensor, other: Tensor, o?: MatmulOptions) {
    return matmul(this, other, o);
  },
  linear(this: Tensor, weight: Tensor, bias?: Tensor | null) {
    return linear(this, weight, bias);
  },
  reshape(this: Tensor, shape: readonly number[]) {
    return shp.reshape(this, shape);
  },
  view(this: Tensor, shape: readonly number[]) {
    return shp.reshape(this, shape);
  },
  flatten(this: Tensor, s?: number, e?: number) {
    return shp.flatten(this, s, e);
  },
  squeeze(this: Tensor, axis?: number) {
    return shp.squeeze(this, axis);
  },
  unsqueeze(this: Tensor, axis: number) {
    return shp.unsqueeze(this, axis);
  },
  expand(this: Tensor, shape: readonly number[]) {
    return shp.expand(this, shape);
  },
  transpose(this: Tensor, a?: number, b?: number) {
    return shp.transpose(this, a, b);
  },
  permute(this: Tensor, dims: readonly number[]) {
    return shp.permute(this, dims);
  },
  slice(this: Tensor, specs: readonly shp.SliceSpec[]) {
    return shp.slice(this, specs);
  },
  narrow(this: Tensor, axis: number, start: number, length: number) {
    return shp.narrow(this, axis, start, length);
  },
  indexSelect(this: Tensor, axis: number, indices: Tensor) {
    return indexSelect(this, axis, indices);
  },
  gather(this: Tensor, axis: number, index: Tensor) {
    return gather(this, axis, index);
  },
  softmax(this: Tensor, axis?: number) {
    return softmax(this, axis);
  },
  logSoftmax(this: Tensor, axis?: number) {
    return logSoftmax(this, axis);
  },
  clone(this: Tensor) {
    return shp.clone(this);
  },
  detach(this: Tensor) {
    return shp.detach(this);
  },
  assign(this: Tensor, value: Tensor) {
    return assign(this, value);
  },
  backward(this: Tensor, gradient?: Tensor, options?: BackwardOptions) {
    runBackward(
      this,
      gradient,
      { onesLike: (t) => onesLike(t), add: (a, b) => ew.add(a, b), clone: shp.clone },
      options,
    );
  },
};

Object.assign(Tensor.prototype, methods);

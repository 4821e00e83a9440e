// A small scope for writing the fused kernels' defaults in terms of the primitives:
// each call runs one primitive on dense kernel tensors and returns its result as a
// kernel tensor, remembering the storage; `composeKernel` releases every intermediate
// the body did not `keep`, also when a primitive throws (a bad index on a synchronous
// backend), so a default never leaks device memory.
import type { DataArray, DType } from '../../tensor/dtype.js';
import { broadcastShapeOf, broadcastStrides, type Shape, sizeOf } from '../../tensor/shape.js';
import {
  type AxisLayout,
  type BackendPrimitives,
  type BinaryOp,
  COMPARISON_OPS,
  type KernelTensor,
  LOGICAL_OPS,
  type ReduceOp,
  type Storage,
  type UnaryOp,
} from '../backend.js';

/** A number broadcast against a tensor (materialised as a one-element storage). */
export type Operand = KernelTensor | number;

export class Composer {
  readonly backend: BackendPrimitives;
  readonly #temporaries = new Set<Storage>();

  constructor(backend: BackendPrimitives) {
    this.backend = backend;
  }

  #own(storage: Storage, shape: Shape, dtype: DType): KernelTensor {
    this.#temporaries.add(storage);
    return { storage, shape, dtype };
  }

  /** The same storage seen with another shape of the same size (no copy). */
  view(x: KernelTensor, shape: Shape): KernelTensor {
    return { storage: x.storage, shape, dtype: x.dtype };
  }

  /** A storage another kernel returned, released with the scope unless kept. */
  adopt(storage: Storage, shape: Shape, dtype: DType = 'f32'): KernelTensor {
    return this.#own(storage, shape, dtype);
  }

  /** A small tensor built on the host (a mask pattern), uploaded once. */
  constant(values: DataArray, shape: Shape, dtype: DType): KernelTensor {
    return this.#own(this.backend.upload(values, dtype), shape, dtype);
  }

  scalar(value: number, dtype: DType = 'f32'): KernelTensor {
    return this.#own(this.backend.fill(1, dtype, value), [], dtype);
  }

  #operand(x: Operand, dtype: DType): KernelTensor {
    return typeof x === 'number' ? this.scalar(x, dtype) : x;
  }

  unary(op: UnaryOp, x: KernelTensor): KernelTensor {
    return this.#own(this.backend.unary(op, x), x.shape, op === 'logicalNot' ? 'bool' : x.dtype);
  }

  /** A binary primitive with broadcasting; a number takes the other operand's dtype. */
  binary(op: BinaryOp, aIn: Operand, bIn: Operand): KernelTensor {
    const dtype = typeof aIn === 'number' ? (bIn as KernelTensor).dtype : aIn.dtype;
    const a = this.#operand(aIn, dtype);
    const b = this.#operand(bIn, dtype);
    const shape = broadcastShapeOf([a.shape, b.shape], op);
    const outDtype = COMPARISON_OPS.has(op) || LOGICAL_OPS.has(op) ? 'bool' : dtype;
    return this.#own(this.backend.binary(op, a, b, shape), shape, outDtype);
  }

  add = (a: Operand, b: Operand): KernelTensor => this.binary('add', a, b);
  sub = (a: Operand, b: Operand): KernelTensor => this.binary('sub', a, b);
  mul = (a: Operand, b: Operand): KernelTensor => this.binary('mul', a, b);
  div = (a: Operand, b: Operand): KernelTensor => this.binary('div', a, b);

  /** `a` where `cond`, else `b`; numbers take the tensor operand's dtype (f32 if both are numbers). */
  where(cond: KernelTensor, aIn: Operand, bIn: Operand): KernelTensor {
    const dtype =
      typeof aIn !== 'number' ? aIn.dtype : typeof bIn !== 'number' ? bIn.dtype : ('f32' as DType);
    const a = this.#operand(aIn, dtype);
    const b = this.#operand(bIn, dtype);
    const shape = broadcastShapeOf([cond.shape, a.shape, b.shape], 'where');
    return this.#own(this.backend.where(cond, a, b, shape), shape, dtype);
  }

  cast(x: KernelTensor, to: DType): KernelTensor {
    return this.#own(this.backend.cast(x, to), x.shape, to);
  }

  /** Reduces the middle axis of `layout`; the result has `shape` (its size is outer·inner). */
  reduce(op: ReduceOp, x: KernelTensor, layout: AxisLayout, shape: Shape): KernelTensor {
    const dtype = op === 'argmax' || op === 'argmin' ? 'i32' : x.dtype;
    return this.#own(this.backend.reduce(op, x, layout), shape, dtype);
  }

  /** Row statistics of a (rows, cols) tensor, shaped (rows, 1) to broadcast back over it. */
  reduceRows(op: ReduceOp, x: KernelTensor, rows: number, cols: number): KernelTensor {
    return this.reduce(op, x, { outer: rows, size: cols, inner: 1 }, [rows, 1]);
  }

  /** Column sums of a (rows, cols) tensor, shaped (cols). */
  sumColumns(x: KernelTensor, rows: number, cols: number): KernelTensor {
    return this.reduce('sum', x, { outer: 1, size: rows, inner: cols }, [cols]);
  }

  /**
   * Batched op(a)·op(b) over one shared batch shape: a (…, m, k) or (…, k, m) when
   * `transA`, b (…, k, n) or (…, n, k) when `transB`; batch dims of size 1 broadcast.
   */
  matmul(a: KernelTensor, b: KernelTensor, transA: boolean, transB: boolean): KernelTensor {
    const [aRows, aCols] = a.shape.slice(-2) as [number, number];
    const [bRows, bCols] = b.shape.slice(-2) as [number, number];
    const m = transA ? aCols : aRows;
    const k = transA ? aRows : aCols;
    const n = transB ? bRows : bCols;
    const aBatch = a.shape.slice(0, -2);
    const bBatch = b.shape.slice(0, -2);
    const batchShape = broadcastShapeOf([aBatch, bBatch], 'matmul');
    const stridesOver = (batch: Shape, matrix: number): number[] =>
      broadcastStrides(batch, batchShape).map((stride) => stride * matrix);
    const storage = this.backend.matmul(a, b, {
      transA,
      transB,
      m,
      n,
      k,
      batchShape,
      aBatchStrides: stridesOver(aBatch, aRows * aCols),
      bBatchStrides: stridesOver(bBatch, bRows * bCols),
    });
    return this.#own(storage, [...batchShape, m, n], 'f32');
  }

  gatherAlong(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): KernelTensor {
    return this.#own(this.backend.gatherAlong(x, indices, layout), indices.shape, x.dtype);
  }

  scatterAddAlong(src: KernelTensor, indices: KernelTensor, layout: AxisLayout, shape: Shape): KernelTensor {
    return this.#own(this.backend.scatterAddAlong(src, indices, layout), shape, 'f32');
  }

  /** Copies a dense tensor into `dst` (a storage of at least its size), in place. */
  copyInto(x: KernelTensor, dst: Storage): void {
    const size = sizeOf(x.shape);
    if (size === 0) return;
    const view = { offset: 0, strides: [1] };
    this.backend.copyStrided(x.storage, dst, x.dtype, [size], view, view);
  }

  /** Hands `x`'s storage to the caller: it is no longer released with the scope. */
  keep(x: KernelTensor): Storage {
    this.#temporaries.delete(x.storage);
    return x.storage;
  }

  release(): void {
    for (const storage of this.#temporaries) this.backend.release(storage);
    this.#temporaries.clear();
  }
}

/** Runs `body` with a fresh Composer and releases its intermediates afterwards. */
export function composeKernel<T>(backend: BackendPrimitives, body: (k: Composer) => T): T {
  const k = new Composer(backend);
  try {
    return body(k);
  } finally {
    k.release();
  }
}

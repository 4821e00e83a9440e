// Matrix products: batched matmul with broadcast batch dimensions and transposed
// operands read in place (no copy), plus `linear` (x·Wᵀ + b, PyTorch's layout).
// The backward pass reuses the transpose flags, so it never materialises a transpose.
import { TensorError } from '../errors.js';
import { broadcastShapes, broadcastStrides, formatShape, type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, cast } from './elementwise.js';
import { assertDType, backendOf, record, wrap } from './op-utils.js';
import { sumToShape } from './reduce.js';
import { reshape } from './shape.js';

export interface MatmulOptions {
  /** Read A's last two dimensions transposed (A stored as (…, k, m)). */
  transposeA?: boolean;
  /** Read B's last two dimensions transposed (B stored as (…, n, k)). */
  transposeB?: boolean;
}

function batchStrides(batch: Shape, matrixSize: number, target: Shape): number[] {
  return broadcastStrides(batch, target).map((s) => s * matrixSize);
}

/** f32 batched matmul of tensors of rank ≥ 2. */
function matmul2d(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const op = 'matmul';
  const backend = backendOf(op, a, b);
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const m = transA ? aCols : aRows;
  const k = transA ? aRows : aCols;
  const kB = transB ? bCols : bRows;
  const n = transB ? bRows : bCols;
  if (k !== kB) {
    const describe = (t: Tensor, tr: boolean) => `${formatShape(t.shape)}${tr ? 'ᵀ' : ''}`;
    throw new TensorError(
      op,
      `inner dimensions differ: ${describe(a, transA)} · ${describe(b, transB)} (${k} vs ${kB})`,
    );
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(aBatch, bBatch, op);
  const outShape = [...batchShape, m, n];
  const storage = backend.matmul(a, b, {
    transA,
    transB,
    m,
    n,
    k,
    batchShape,
    aBatchStrides: batchStrides(aBatch, aRows * aCols, batchShape),
    bBatchStrides: batchStrides(bBatch, bRows * bCols, batchShape),
  });
  const y = wrap(backend, storage, outShape, 'f32');
  return record(y, op, [a, b], (dy) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (a.requiresGrad) {
      // C = op(A)·op(B): dop(A) = dC·op(B)ᵀ, stored back in A's layout.
      da = transA ? matmul2d(b, dy, transB, true) : matmul2d(dy, b, false, !transB);
      da = sumToShape(da, a.shape);
    }
    if (b.requiresGrad) {
      db = transB ? matmul2d(dy, a, true, transA) : matmul2d(a, dy, !transA, false);
      db = sumToShape(db, b.shape);
    }
    return [da, db];
  });
}

/**
 * Matrix product with PyTorch's `matmul` semantics: 1-D operands are vectors, batch
 * dimensions broadcast, integer inputs are converted to f32.
 */
export function matmul(aIn: Tensor, bIn: Tensor, options: MatmulOptions = {}): Tensor {
  const op = 'matmul';
  if (aIn.rank === 0 || bIn.rank === 0) {
    throw new TensorError(
      op,
      `both operands need at least one dimension, got ${formatShape(aIn.shape)} and ${formatShape(bIn.shape)}`,
    );
  }
  const a0 = aIn.dtype === 'f32' ? aIn : cast(aIn, 'f32');
  const b0 = bIn.dtype === 'f32' ? bIn : cast(bIn, 'f32');
  const aVector = a0.rank === 1;
  const bVector = b0.rank === 1;
  const a = aVector ? reshape(a0, [1, a0.shape[0]!]) : a0;
  const b = bVector ? reshape(b0, [b0.shape[0]!, 1]) : b0;
  const transA = aVector ? false : (options.transposeA ?? false);
  const transB = bVector ? false : (options.transposeB ?? false);
  let y = matmul2d(a, b, transA, transB);
  if (aVector || bVector) {
    const shape = y.shape.slice(0, -2);
    if (!aVector) shape.push(y.shape.at(-2)!);
    if (!bVector) shape.push(y.shape.at(-1)!);
    y = reshape(y, shape);
  }
  return y;
}

/** x·Wᵀ + b with W stored as (out, in), as torch.nn.functional.linear. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  assertDType('linear', weight, ['f32'], 'weight');
  if (weight.rank !== 2)
    throw new TensorError('linear', `weight must be (out, in), got ${formatShape(weight.shape)}`);
  if (x.shape.at(-1) !== weight.shape[1]) {
    throw new TensorError(
      'linear',
      `input features ${x.shape.at(-1)} do not match weight ${formatShape(weight.shape)}`,
    );
  }
  // Fold leading dimensions into rows so the product is one large matmul, not a batch of small ones.
  const rows = sizeOf(x.shape.slice(0, -1));
  const flat = reshape(x, [rows, weight.shape[1]!]);
  let y = matmul(flat, weight, { transposeB: true });
  if (bias) y = add(y, bias);
  return reshape(y, [...x.shape.slice(0, -1), weight.shape[0]!]);
}

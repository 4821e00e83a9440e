// Indexing ops: index_select, torch.gather / scatter_add along an axis, embedding
// lookup, and triangular masks. Their backward passes are the scatter-add kernels.
import { TensorError } from '../errors.js';
import { formatShape, normalizeAxis, type Shape, splitAroundAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { arange } from './creation.js';
import { greaterEqual, lessEqual, sub, where } from './elementwise.js';
import { assertDType, backendOf, record, wrap } from './op-utils.js';
import { reshape, unsqueeze } from './shape.js';

/** Picks entries of `axis` by a 1-D i32 index tensor (torch.index_select). */
export function indexSelect(x: Tensor, axis: number, indices: Tensor): Tensor {
  const op = 'indexSelect';
  assertDType(op, indices, ['i32'], 'indices');
  if (indices.rank !== 1) throw new TensorError(op, `indices must be 1-D, got ${formatShape(indices.shape)}`);
  const a = normalizeAxis(axis, x.rank, op);
  const backend = backendOf(op, x, indices);
  const layout = splitAroundAxis(x.shape, a);
  const shape = [...x.shape];
  shape[a] = indices.size;
  const y = wrap(backend, backend.indexSelect(x, indices, layout), shape, x.dtype);
  if (x.dtype !== 'f32') return y;
  return record(y, op, [x], (dy) => [wrap(backend, backend.indexAdd(dy, indices, layout), x.shape, 'f32')]);
}

/** Rows of an embedding table for integer ids of any shape: (…ids) → (…ids, dim). */
export function embedding(ids: Tensor, weight: Tensor): Tensor {
  const op = 'embedding';
  assertDType(op, ids, ['i32'], 'ids');
  if (weight.rank !== 2)
    throw new TensorError(op, `weight must be (num_embeddings, dim), got ${formatShape(weight.shape)}`);
  const flat = reshape(ids, [ids.size]);
  const rows = indexSelect(weight, 0, flat);
  return reshape(rows, [...ids.shape, weight.shape[1]!]);
}

function checkAlongShapes(op: string, x: Shape, index: Shape, axis: number): void {
  const ok = index.length === x.length && index.every((d, i) => i === axis || d === x[i]);
  if (!ok) {
    throw new TensorError(
      op,
      `index ${formatShape(index)} must match input ${formatShape(x)} on every axis but ${axis}`,
    );
  }
}

/** out[…, j, …] = x[…, index[…, j, …], …] along `axis` (torch.gather). */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const op = 'gather';
  assertDType(op, index, ['i32'], 'index');
  const a = normalizeAxis(axis, x.rank, op);
  checkAlongShapes(op, x.shape, index.shape, a);
  const backend = backendOf(op, x, index);
  const layout = splitAroundAxis(x.shape, a);
  const y = wrap(backend, backend.gatherAlong(x, index, layout), index.shape, x.dtype);
  if (x.dtype !== 'f32') return y;
  return record(y, op, [x], (dy) => [
    wrap(backend, backend.scatterAddAlong(dy, index, layout), x.shape, 'f32'),
  ]);
}

/** Zeros of `shape` with src added at index along axis (torch.zeros(shape).scatter_add(axis, index, src)). */
export function scatterAdd(shape: Shape, axis: number, index: Tensor, src: Tensor): Tensor {
  const op = 'scatterAdd';
  assertDType(op, index, ['i32'], 'index');
  assertDType(op, src, ['f32'], 'src');
  const a = normalizeAxis(axis, shape.length, op);
  checkAlongShapes(op, shape, index.shape, a);
  if (index.shape.some((d, i) => d !== src.shape[i]) || index.rank !== src.rank) {
    throw new TensorError(
      op,
      `src ${formatShape(src.shape)} must have the index's shape ${formatShape(index.shape)}`,
    );
  }
  const backend = backendOf(op, index, src);
  const y = wrap(backend, backend.scatterAddAlong(src, index, splitAroundAxis(shape, a)), shape, 'f32');
  return record(y, op, [src], (dy) => [gather(dy, a, index)]);
}

function triangle(op: string, x: Tensor, diagonal: number, lower: boolean): Tensor {
  if (x.rank < 2) throw new TensorError(op, `needs a tensor of rank ≥ 2, got ${formatShape(x.shape)}`);
  const rows = x.shape.at(-2)!;
  const cols = x.shape.at(-1)!;
  const backend = backendOf(op, x);
  const r = unsqueeze(arange(0, rows, 1, { backend }), 1);
  const c = arange(0, cols, 1, { backend });
  const offset = sub(c, r); // (rows, cols): column − row
  const keep = lower ? lessEqual(offset, diagonal) : greaterEqual(offset, diagonal);
  for (const t of [r, c, offset]) t.dispose();
  return where(keep, x, x.dtype === 'bool' ? false : 0);
}

/** Lower triangle (elements with column − row ≤ diagonal); the rest zero. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal, true);
}

/** Upper triangle (elements with column − row ≥ diagonal); the rest zero. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal, false);
}

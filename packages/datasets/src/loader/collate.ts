// Default collation (torch's default_collate): a list of items becomes one batch,
// numbers and equal-length sequences stacked into tensor-core tensors, records and
// tuples collated field by field, strings kept as lists.
import { isTensor, stack, type Tensor, tensor } from '@tensorlm/tensor-core';
import { DatasetError } from '../errors.js';

type NumericArray =
  | Int32Array
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Uint32Array
  | readonly number[]
  | readonly boolean[];

/** The batch type `defaultCollate` makes from items of type T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends NumericArray | readonly (readonly number[])[] | readonly (readonly boolean[])[]
        ? Tensor
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : T extends object
            ? { -readonly [K in keyof T]: Collated<T[K]> }
            : never;

/** A function from a list of items to a batch. */
export type CollateFn<T, B> = (items: T[]) => B | Promise<B>;

function isNumericLeaf(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'boolean';
}

/** True when `value` is a typed array or a (nested) array whose first leaf is a number or boolean. */
function isNumericArray(value: unknown): boolean {
  if (ArrayBuffer.isView(value)) return true;
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    if (probe.length === 0) return false;
    probe = probe[0];
  }
  // Arrays of typed arrays are tuples (e.g. [input, target]), as torch treats tuples of tensors.
  return probe !== value && isNumericLeaf(probe);
}

function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const length = (probe as ArrayLike<unknown>).length;
    shape.push(length);
    if (ArrayBuffer.isView(probe) || length === 0) break;
    probe = (probe as unknown[])[0];
  }
  return shape;
}

function flattenInto(value: unknown, out: number[], where: string): void {
  if (ArrayBuffer.isView(value)) {
    const view = value as unknown as ArrayLike<number>;
    for (let i = 0; i < view.length; i++) out.push(view[i]!);
  } else if (Array.isArray(value)) {
    for (const v of value) flattenInto(v, out, where);
  } else if (typeof value === 'boolean') out.push(value ? 1 : 0);
  else if (typeof value === 'number') out.push(value);
  else throw new DatasetError(`${where}: expected numbers, found ${typeof value}`);
}

/** i32 for integer data and Int32Array, f32 for fractions and float arrays, bool for booleans. */
function dtypeFor(items: readonly unknown[], values: readonly number[]): 'i32' | 'f32' | 'bool' {
  const first = items[0];
  if (first instanceof Float32Array || first instanceof Float64Array) return 'f32';
  if (first instanceof Uint8Array) return 'bool';
  if (typeof first === 'boolean') return 'bool';
  let probe: unknown = first;
  while (Array.isArray(probe)) probe = probe[0];
  if (typeof probe === 'boolean') return 'bool';
  if (ArrayBuffer.isView(first) && !(first instanceof Float32Array)) return 'i32';
  return values.every(Number.isInteger) ? 'i32' : 'f32';
}

function collateAt(items: readonly unknown[], where: string): unknown {
  const first = items[0];
  if (first === null || first === undefined) throw new DatasetError(`${where}: item is ${first}`);
  if (isTensor(first)) {
    if (!items.every(isTensor)) throw new DatasetError(`${where}: mixes tensors and other values`);
    return stack(items as Tensor[]);
  }
  if (typeof first === 'string') return [...(items as string[])];
  if (isNumericLeaf(first) || isNumericArray(first)) {
    const shape = shapeOf(first);
    const values: number[] = [];
    items.forEach((item, i) => {
      const itemShape = shapeOf(item);
      if (itemShape.join(',') !== shape.join(',')) {
        throw new DatasetError(
          `${where}: item ${i} has shape [${itemShape.join(', ')}] but item 0 has [${shape.join(', ')}]; ` +
            'sequences of different lengths need padCollate',
        );
      }
      flattenInto(item, values, where);
    });
    return tensor(values, [items.length, ...shape], { dtype: dtypeFor(items, values) });
  }
  if (Array.isArray(first)) {
    // A tuple (e.g. [input, target]): collate position by position.
    return first.map((_, k) =>
      collateAt(
        items.map((item) => (item as unknown[])[k]),
        `${where}[${k}]`,
      ),
    );
  }
  if (typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collateAt(
        items.map((item) => {
          if (typeof item !== 'object' || item === null || !(key in item)) {
            throw new DatasetError(`${where}: an item has no field '${key}'`);
          }
          return (item as Record<string, unknown>)[key];
        }),
        where === 'batch' ? key : `${where}.${key}`,
      );
    }
    return out;
  }
  throw new DatasetError(`${where}: cannot collate a ${typeof first}`);
}

/**
 * Stacks items into a batch: numbers → a [B] tensor, equal-length sequences → [B, L]
 * (i32 for Int32Array or all-integer arrays, f32 for float data, bool for booleans),
 * tensors → stacked, records and tuples → collated per field, strings → a list.
 * The caller owns (and disposes) the tensors.
 */
export function defaultCollate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw new DatasetError('defaultCollate: no items to collate');
  return collateAt(items, 'batch') as Collated<T>;
}

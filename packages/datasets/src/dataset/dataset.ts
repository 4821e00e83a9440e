// The two dataset shapes a DataLoader reads, as in torch.utils.data: random access
// (`Dataset`: `length` + `get(i)`) and streaming (`IterableDataset`: any (async)
// iterable), plus small composable map-style datasets.
import { DatasetError } from '../errors.js';

/** A random-access dataset: `length` items, `get(i)` for 0 ≤ i < length (sync or async). */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T | Promise<T>;
}

/** A streaming dataset: any sync or async iterable; `length`, when known, lets a loader count batches. */
export type IterableDataset<T> = (Iterable<T> | AsyncIterable<T>) & { readonly length?: number };

/** True for random-access datasets (a numeric `length` and a `get` method). */
export function isDataset<T>(value: unknown): value is Dataset<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { get?: unknown }).get === 'function' &&
    typeof (value as { length?: unknown }).length === 'number'
  );
}

/** Throws unless `index` is an integer in [0, length). */
export function checkIndex(index: number, length: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new DatasetError(`${what}: index ${index} is out of range [0, ${length})`);
  }
}

/** A dataset over an in-memory array. */
export class ArrayDataset<T> implements Dataset<T> {
  constructor(private readonly items: readonly T[]) {}

  get length(): number {
    return this.items.length;
  }

  get(index: number): T {
    checkIndex(index, this.items.length, 'ArrayDataset');
    return this.items[index]!;
  }
}

/** The items of `dataset` at `indices`, in that order (torch's Subset). */
export class Subset<T> implements Dataset<T> {
  readonly indices: readonly number[];

  constructor(
    readonly dataset: Dataset<T>,
    indices: readonly number[],
  ) {
    for (const i of indices) checkIndex(i, dataset.length, 'Subset');
    this.indices = indices;
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T | Promise<T> {
    checkIndex(index, this.indices.length, 'Subset');
    return this.dataset.get(this.indices[index]!);
  }
}

/** A dataset whose items are `fn(item, index)` of `dataset`'s, computed on access. */
export function mapDataset<T, U>(
  dataset: Dataset<T>,
  fn: (item: T, index: number) => U | Promise<U>,
): Dataset<U> {
  return {
    get length() {
      return dataset.length;
    },
    get(index: number) {
      const item = dataset.get(index);
      return item instanceof Promise ? item.then((value) => fn(value, index)) : fn(item, index);
    },
  };
}

/** The datasets one after another (torch's ConcatDataset). */
export function concatDatasets<T>(datasets: readonly Dataset<T>[]): Dataset<T> {
  // Empty parts are dropped so that the search below never lands on one.
  const parts = datasets.filter((d) => d.length > 0);
  const starts: number[] = [];
  let total = 0;
  for (const d of parts) {
    starts.push(total);
    total += d.length;
  }
  return {
    length: total,
    get(index: number) {
      checkIndex(index, total, 'concatDatasets');
      // Binary search for the last start ≤ index.
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= index) lo = mid;
        else hi = mid - 1;
      }
      return parts[lo]!.get(index - starts[lo]!);
    },
  };
}

// trainValSplit as the seeds do it: the first `fraction` of the data trains, the rest
// validates (a contiguous split, so text stays text); datasets may ask for a seeded
// random split instead (torch's random_split).
import { DatasetError } from '../errors.js';
import { Rng, type Seed } from '../random/rng.js';
import { type Dataset, isDataset, Subset } from './dataset.js';

export type TypedArray = Int32Array | Float32Array | Uint8Array | Uint16Array | Uint32Array | Float64Array;

export interface SplitOptions {
  /** Split a Dataset at random instead of contiguously (text is always contiguous). */
  shuffle?: boolean;
  seed?: Seed;
}

function checkFraction(fraction: number): void {
  if (!(fraction > 0 && fraction < 1)) {
    throw new DatasetError(`trainValSplit: fraction must be strictly between 0 and 1, got ${fraction}`);
  }
}

/** The code-unit offset where code point `k` of `text` starts. */
function codePointOffset(text: string, k: number): number {
  let units = 0;
  for (let seen = 0; seen < k; seen++) {
    const code = text.charCodeAt(units);
    units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return units;
}

/** Code points in `text`, as Python's `len`. */
function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) i++;
  }
  return n;
}

/**
 * Splits at `floor(fraction · length)` as `int(0.9 * len(data))` does in the seeds.
 * Strings count code points (as Python's `len`), arrays count items.
 */
export function trainValSplit(data: string, fraction: number): [string, string];
export function trainValSplit<A extends TypedArray>(data: A, fraction: number): [A, A];
export function trainValSplit<T>(data: readonly T[], fraction: number, options?: SplitOptions): [T[], T[]];
export function trainValSplit<T>(
  data: Dataset<T>,
  fraction: number,
  options?: SplitOptions,
): [Subset<T>, Subset<T>];
export function trainValSplit<T>(
  data: string | TypedArray | readonly T[] | Dataset<T>,
  fraction: number,
  options: SplitOptions = {},
): [unknown, unknown] {
  checkFraction(fraction);
  if (typeof data === 'string') {
    const n = codePointLength(data);
    if (n === 0) throw new DatasetError('trainValSplit: the text is empty');
    const at = codePointOffset(data, Math.floor(fraction * n));
    return [data.slice(0, at), data.slice(at)];
  }
  const length = data.length;
  if (length === 0) throw new DatasetError('trainValSplit: the data is empty');
  const cut = Math.floor(fraction * length);
  if (isDataset<T>(data) && !Array.isArray(data) && !ArrayBuffer.isView(data)) {
    const order = options.shuffle
      ? new Rng(options.seed ?? 0).permutation(length)
      : Array.from({ length }, (_, i) => i);
    return [new Subset(data, order.slice(0, cut)), new Subset(data, order.slice(cut))];
  }
  if (ArrayBuffer.isView(data)) {
    const view = data as TypedArray;
    return [view.slice(0, cut), view.slice(cut)];
  }
  const items = [...(data as readonly T[])];
  if (options.shuffle) new Rng(options.seed ?? 0).shuffle(items);
  return [items.slice(0, cut), items.slice(cut)];
}

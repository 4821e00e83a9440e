// Batch sources: what the Trainer pulls batches from. A source has a position that
// is plain JSON (`state()` / `restore()`), so a checkpoint records where the data was and
// a resumed run continues with exactly the batch it would have seen. Four sources:
// - indexedSource: batch i is a pure function of i (seeded samplers, synthetic data);
// - tokenBatchSource: fixed-length padded id batches from a seeded sequence sampler
//   (the toy grammar: `sample: (n, seed) => new GrammarSampler({ seed }).batch(n)`);
// - datasetSource: a random-access dataset, shuffled per epoch from (seed, epoch);
// - loaderSource: any DataLoader-like async iterable with an `epoch` (e.g.
//   @tensorlm/datasets' DataLoader); resuming re-enters the epoch and skips batches.
import { disposeTensors, type Tensor, tensor } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { parseWith, TrainerError } from '../errors.js';
import type { JsonValue } from '../util/json.js';
import { deriveIntSeed, permutation } from '../util/seed.js';

export interface BatchSource<B> {
  /** The batch at the current position; advances the position. The caller owns the batch. */
  next(): B | Promise<B>;
  /** The position, as JSON (saved in checkpoints). */
  state(): JsonValue;
  /** Moves to a position previously returned by `state()`. */
  restore(state: JsonValue): void;
  /** Completed passes over the data so far (finite sources); the Trainer fires onEpochEnd when it grows. */
  readonly epoch?: number;
  /** Releases resources (open iterators); called when training ends. */
  close?(): void | Promise<void>;
}

const positionSchema = z.object({ index: z.number().int().nonnegative() }).strict();
const epochPositionSchema = z
  .object({ epoch: z.number().int().nonnegative(), batch: z.number().int().nonnegative() })
  .strict();

/** A source whose batch `i` is `make(i)`: trivially deterministic and resumable. */
export class IndexedBatchSource<B> implements BatchSource<B> {
  index: number;

  constructor(
    private readonly make: (index: number) => B | Promise<B>,
    /** When given, every this many batches count as an epoch. */
    readonly batchesPerEpoch?: number,
  ) {
    if (typeof make !== 'function') throw new TrainerError('indexedSource: make must be a function');
    if (batchesPerEpoch !== undefined && !(Number.isInteger(batchesPerEpoch) && batchesPerEpoch > 0)) {
      throw new TrainerError(
        `indexedSource: batchesPerEpoch must be a positive integer, got ${batchesPerEpoch}`,
      );
    }
    this.index = 0;
  }

  get epoch(): number | undefined {
    return this.batchesPerEpoch === undefined ? undefined : Math.floor(this.index / this.batchesPerEpoch);
  }

  next(): B | Promise<B> {
    return this.make(this.index++);
  }

  state(): JsonValue {
    return { index: this.index };
  }

  restore(state: JsonValue): void {
    this.index = parseWith(positionSchema, state, 'indexedSource position').index;
  }
}

/** Batch `i` is `make(i)`; see IndexedBatchSource. */
export function indexedSource<B>(
  make: (index: number) => B | Promise<B>,
  options: { batchesPerEpoch?: number } = {},
): IndexedBatchSource<B> {
  return new IndexedBatchSource(make, options.batchesPerEpoch);
}

const tokenOptionsSchema = z
  .object({
    batchSize: z.number().int().positive(),
    /** Every row is padded (right) or truncated (keeping the start) to this many ids. */
    length: z.number().int().min(2),
    padId: z.number().int().default(0),
    seed: z.number().int().nonnegative().default(0),
    batchesPerEpoch: z.number().int().positive().optional(),
  })
  .strict();

export type TokenBatchSourceOptions = z.input<typeof tokenOptionsSchema> & {
  /**
   * `count` sequences of ids, drawn with `seed` (a 31-bit integer that is a pure
   * function of the source's seed and the batch index).
   */
  sample: (count: number, seed: number) => readonly ArrayLike<number>[];
};

/** Rows of ids → an i32 [rows, length] tensor, right-padded with padId and truncated to length. */
export function padBatch(rows: readonly ArrayLike<number>[], length: number, padId = 0): Tensor {
  const values = new Int32Array(rows.length * length).fill(padId);
  rows.forEach((row, r) => {
    const n = Math.min(row.length, length);
    for (let i = 0; i < n; i++) values[r * length + i] = row[i]!;
  });
  return tensor(values, [rows.length, length], { dtype: 'i32' });
}

/**
 * Fixed-length token batches ([batchSize, length] i32 tensors, padded with padId) from a
 * seeded sampler; batch i uses the seed derived from (seed, i), so it is resumable.
 */
export function tokenBatchSource(options: TokenBatchSourceOptions): IndexedBatchSource<Tensor> {
  const { sample, ...rest } = options;
  if (typeof sample !== 'function') throw new TrainerError('tokenBatchSource: sample must be a function');
  const o = parseWith(tokenOptionsSchema, rest, 'tokenBatchSource options');
  return new IndexedBatchSource((index) => {
    const rows = sample(o.batchSize, deriveIntSeed(o.seed, 'batch', index));
    if (!Array.isArray(rows) || rows.length !== o.batchSize) {
      throw new TrainerError(
        `tokenBatchSource: sample(${o.batchSize}, seed) returned ${Array.isArray(rows) ? rows.length : typeof rows} rows`,
      );
    }
    return padBatch(rows, o.length, o.padId);
  }, o.batchesPerEpoch);
}

/** What datasetSource reads: `length` items, each by index (sync or async). */
export interface IndexedDataset<T> {
  readonly length: number;
  get(index: number): T | Promise<T>;
}

const datasetOptionsSchema = z
  .object({
    batchSize: z.number().int().positive(),
    shuffle: z.boolean().default(true),
    seed: z.number().int().nonnegative().default(0),
    dropLast: z.boolean().default(true),
  })
  .strict();

export type DatasetSourceOptions<T, B> = z.input<typeof datasetOptionsSchema> & {
  /** Items → batch (e.g. @tensorlm/datasets' causalLmCollate). */
  collate: (items: T[]) => B | Promise<B>;
};

/** Batches of a random-access dataset, reshuffled every epoch from (seed, epoch), endlessly. */
export class DatasetBatchSource<T, B> implements BatchSource<B> {
  epoch = 0;
  batch = 0;
  private order: number[] | null = null;
  private orderEpoch = -1;
  private readonly options: z.output<typeof datasetOptionsSchema>;
  private readonly collate: (items: T[]) => B | Promise<B>;

  constructor(
    readonly dataset: IndexedDataset<T>,
    options: DatasetSourceOptions<T, B>,
  ) {
    const { collate, ...rest } = options;
    if (typeof collate !== 'function') throw new TrainerError('datasetSource: collate must be a function');
    if (typeof dataset?.length !== 'number' || typeof dataset.get !== 'function') {
      throw new TrainerError('datasetSource: the dataset needs a numeric length and get(index)');
    }
    this.options = parseWith(datasetOptionsSchema, rest, 'datasetSource options');
    this.collate = collate;
    if (this.batchesPerEpoch === 0) {
      throw new TrainerError(
        `datasetSource: ${dataset.length} items make no batch of ${this.options.batchSize}${this.options.dropLast ? ' (dropLast)' : ''}`,
      );
    }
  }

  get batchesPerEpoch(): number {
    const { batchSize, dropLast } = this.options;
    const n = this.dataset.length;
    return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  }

  /** The order in which epoch `epoch` visits the items. */
  orderOf(epoch: number): number[] {
    const n = this.dataset.length;
    return this.options.shuffle
      ? permutation(n, deriveIntSeed(this.options.seed, 'shuffle', epoch))
      : Array.from({ length: n }, (_, i) => i);
  }

  async next(): Promise<B> {
    if (this.orderEpoch !== this.epoch || !this.order) {
      this.order = this.orderOf(this.epoch);
      this.orderEpoch = this.epoch;
    }
    const size = this.options.batchSize;
    const indices = this.order.slice(this.batch * size, (this.batch + 1) * size);
    this.batch++;
    if (this.batch >= this.batchesPerEpoch) {
      this.epoch++;
      this.batch = 0;
    }
    const items = await Promise.all(indices.map((i) => this.dataset.get(i)));
    return this.collate(items);
  }

  state(): JsonValue {
    return { epoch: this.epoch, batch: this.batch };
  }

  restore(state: JsonValue): void {
    const s = parseWith(epochPositionSchema, state, 'datasetSource position');
    if (s.batch >= this.batchesPerEpoch) {
      throw new TrainerError(
        `datasetSource position: batch ${s.batch} is past the ${this.batchesPerEpoch} batches of an epoch`,
      );
    }
    this.epoch = s.epoch;
    this.batch = s.batch;
  }
}

export function datasetSource<T, B>(
  dataset: IndexedDataset<T>,
  options: DatasetSourceOptions<T, B>,
): DatasetBatchSource<T, B> {
  return new DatasetBatchSource(dataset, options);
}

/** A DataLoader-like object: async iteration over one epoch, and the epoch the next iteration runs. */
export interface EpochLoader<B> extends AsyncIterable<B> {
  epoch: number;
}

/**
 * Batches of a DataLoader-like loader, epoch after epoch. The position is (epoch, batch):
 * restoring sets the loader's epoch and skips (and frees) the batches already used, which
 * replays the same order when the loader's shuffle depends only on (seed, epoch), as
 * @tensorlm/datasets' DataLoader does.
 */
export class LoaderBatchSource<B> implements BatchSource<B> {
  epoch: number;
  batch = 0;
  private iterator: AsyncIterator<B> | null = null;
  private skip = 0;

  constructor(readonly loader: EpochLoader<B>) {
    if (typeof loader?.[Symbol.asyncIterator] !== 'function' || typeof loader.epoch !== 'number') {
      throw new TrainerError('loaderSource: the loader must be async iterable and have a numeric epoch');
    }
    this.epoch = loader.epoch;
  }

  async next(): Promise<B> {
    for (let emptyEpochs = 0; emptyEpochs < 2; ) {
      if (!this.iterator) {
        this.loader.epoch = this.epoch;
        this.iterator = this.loader[Symbol.asyncIterator]();
      }
      const result = await this.iterator.next();
      if (result.done) {
        if (this.batch === 0 && this.skip === 0) emptyEpochs++;
        this.iterator = null;
        this.epoch++;
        this.batch = 0;
        this.skip = 0;
        continue;
      }
      if (this.skip > 0) {
        this.skip--;
        disposeTensors(result.value);
        continue;
      }
      this.batch++;
      return result.value;
    }
    throw new TrainerError('loaderSource: the loader yields no batches');
  }

  state(): JsonValue {
    return { epoch: this.epoch, batch: this.batch + this.skip };
  }

  restore(state: JsonValue): void {
    const s = parseWith(epochPositionSchema, state, 'loaderSource position');
    void this.close();
    this.epoch = s.epoch;
    this.batch = 0;
    this.skip = s.batch;
  }

  async close(): Promise<void> {
    const it = this.iterator;
    this.iterator = null;
    await it?.return?.();
  }
}

export function loaderSource<B>(loader: EpochLoader<B>): LoaderBatchSource<B> {
  return new LoaderBatchSource(loader);
}

// DataLoader: batches from a random-access Dataset (seeded shuffle, reshuffled every
// epoch) or a streaming IterableDataset (optional seeded shuffle buffer), collated to
// tensors, served by async iteration while the next batches load (prefetch).
import { disposeTensors } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { type Dataset, type IterableDataset, isDataset } from '../dataset/dataset.js';
import { DatasetError, parseWith } from '../errors.js';
import { deriveSeed, Rng, type Seed } from '../random/rng.js';
import { type Collated, type CollateFn, defaultCollate } from './collate.js';

const optionsSchema = z.object({
  batchSize: z.number().int().positive().default(1),
  shuffle: z.boolean().default(false),
  seed: z.union([z.number().int(), z.string(), z.array(z.union([z.number().int(), z.string()]))]).default(0),
  dropLast: z.boolean().default(false),
  prefetch: z.number().int().nonnegative().default(2),
  shuffleBuffer: z.number().int().positive().optional(),
  epoch: z.number().int().nonnegative().default(0),
});

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the order every epoch (random-access datasets; default false). */
  shuffle?: boolean;
  /** Seed of the shuffle; epoch e uses the stream (seed, 'shuffle', e). */
  seed?: Seed;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Items → batch (default: defaultCollate, which stacks into tensors). */
  collate?: CollateFn<T, B>;
  /** Batches loaded ahead of the one being consumed (default 2; 0 loads on demand). */
  prefetch?: number;
  /** Streaming datasets only: shuffle through a seeded buffer of this many items. */
  shuffleBuffer?: number;
  /** The epoch the next iteration starts (default 0); it advances by one per iteration. */
  epoch?: number;
}

type Source<T> = Dataset<T> | IterableDataset<T>;

/** Runs `load` for each job, keeping `ahead` jobs in flight while the consumer holds a result. */
async function* pipelined<J, B>(
  jobs: Iterator<J>,
  load: (job: J) => Promise<B>,
  ahead: number,
): AsyncGenerator<B> {
  const inflight: Promise<B>[] = [];
  const launch = () => {
    const job = jobs.next();
    if (job.done) return false;
    const p = load(job.value);
    p.catch(() => {}); // observed when awaited below; this only silences "unhandled" while queued
    inflight.push(p);
    return true;
  };
  try {
    for (let k = 0; k <= ahead && launch(); k++);
    while (inflight.length > 0) {
      yield await inflight.shift()!;
      // Launched once the consumer asks again, so `ahead` batches load while it holds one.
      launch();
    }
  } finally {
    // The consumer stopped early: free the tensors of batches it will never see.
    for (const p of inflight) p.then(disposeTensors, () => {});
  }
}

/** Seeded shuffle through a buffer of `size` items (Hugging Face's IterableDataset.shuffle). */
async function* bufferShuffle<T>(source: AsyncIterable<T>, size: number, rng: Rng): AsyncGenerator<T> {
  const buffer: T[] = [];
  for await (const item of source) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const j = rng.int(size);
    const out = buffer[j]!;
    buffer[j] = item;
    yield out;
  }
  rng.shuffle(buffer);
  yield* buffer;
}

async function* toAsync<T>(source: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  yield* source;
}

export class DataLoader<T, B = Collated<T>> implements AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: number;
  /** The epoch the next `for await` runs; each iteration advances it by one. */
  epoch: number;
  private readonly seed: Seed;
  private readonly collate: CollateFn<T, B>;
  private readonly shuffleBuffer: number | undefined;

  constructor(
    readonly dataset: Source<T>,
    options: DataLoaderOptions<T, B> = {},
  ) {
    const { collate, ...rest } = options;
    const o = parseWith(optionsSchema, rest, 'DataLoader options');
    if (collate !== undefined && typeof collate !== 'function') {
      throw new DatasetError('DataLoader options: collate must be a function');
    }
    const randomAccess = isDataset(dataset);
    const iterable =
      typeof dataset === 'object' &&
      dataset !== null &&
      (Symbol.iterator in dataset || Symbol.asyncIterator in dataset);
    if (!randomAccess && !iterable) {
      throw new DatasetError('DataLoader: the dataset is neither a Dataset (length + get) nor iterable');
    }
    if (!randomAccess && o.shuffle) {
      throw new DatasetError(
        'DataLoader options: shuffle needs a random-access Dataset; for a streaming dataset set shuffleBuffer',
      );
    }
    if (randomAccess && o.shuffleBuffer !== undefined) {
      throw new DatasetError('DataLoader options: shuffleBuffer is for streaming datasets; use shuffle');
    }
    this.batchSize = o.batchSize;
    this.shuffle = o.shuffle;
    this.dropLast = o.dropLast;
    this.prefetch = o.prefetch;
    this.epoch = o.epoch;
    this.seed = o.seed;
    this.shuffleBuffer = o.shuffleBuffer;
    this.collate = collate ?? (defaultCollate as unknown as CollateFn<T, B>);
  }

  /** Batches per epoch; a streaming dataset must declare its `length`. */
  get length(): number {
    const n = (this.dataset as { length?: unknown }).length;
    if (typeof n !== 'number') {
      throw new DatasetError('DataLoader.length: the streaming dataset does not declare a length');
    }
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The order in which epoch `epoch` visits a random-access dataset (the identity without shuffle). */
  order(epoch: number = this.epoch): number[] {
    if (!isDataset(this.dataset)) throw new DatasetError('DataLoader.order: the dataset is streaming');
    const n = this.dataset.length;
    return this.shuffle
      ? new Rng(deriveSeed(this.seed, 'shuffle', epoch)).permutation(n)
      : Array.from({ length: n }, (_, i) => i);
  }

  [Symbol.asyncIterator](): AsyncIterator<B> {
    const epoch = this.epoch++;
    return isDataset<T>(this.dataset) ? this.randomAccess(this.dataset, epoch) : this.streaming(epoch);
  }

  private randomAccess(dataset: Dataset<T>, epoch: number): AsyncGenerator<B> {
    const order = this.order(epoch);
    const size = this.batchSize;
    const count = this.dropLast ? Math.floor(order.length / size) : Math.ceil(order.length / size);
    function* jobs() {
      for (let b = 0; b < count; b++) yield order.slice(b * size, (b + 1) * size);
    }
    return pipelined(
      jobs(),
      async (indices) => this.collate(await Promise.all(indices.map((i) => dataset.get(i)))),
      this.prefetch,
    );
  }

  private streaming(epoch: number): AsyncGenerator<B> {
    const source = this.dataset as IterableDataset<T>;
    let items: AsyncIterable<T> = toAsync(source);
    if (this.shuffleBuffer !== undefined) {
      items = bufferShuffle(items, this.shuffleBuffer, new Rng(deriveSeed(this.seed, 'shuffle', epoch)));
    }
    const iterator = items[Symbol.asyncIterator]();
    const size = this.batchSize;
    const dropLast = this.dropLast;
    // Pulls from the source must not overlap, so each batch read waits for the previous one.
    let previous: Promise<unknown> = Promise.resolve();
    let exhausted = false;
    const readBatch = async (): Promise<T[]> => {
      const batch: T[] = [];
      while (!exhausted && batch.length < size) {
        const next = await iterator.next();
        if (next.done) exhausted = true;
        else batch.push(next.value);
      }
      return batch;
    };
    const collate = this.collate;
    const ahead = this.prefetch;
    const SKIP = Symbol('skip');
    async function* run(): AsyncGenerator<B> {
      const inflight: Promise<B | typeof SKIP>[] = [];
      const launch = () => {
        const read = previous.then(readBatch);
        previous = read.catch(() => {});
        const p = read.then((batch) =>
          batch.length === 0 || (dropLast && batch.length < size) ? SKIP : collate(batch),
        );
        p.catch(() => {}); // observed when awaited below
        inflight.push(p);
      };
      try {
        for (let k = 0; k <= ahead; k++) launch();
        while (inflight.length > 0) {
          const batch = await inflight.shift()!;
          if (batch !== SKIP) yield batch;
          if (!exhausted) launch();
        }
      } finally {
        for (const p of inflight) p.then(disposeTensors, () => {});
        await previous;
        await iterator.return?.();
      }
    }
    return run();
  }
}

import '@tensorlm/backend-cpu';
import { memory } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { ArrayDataset, type Dataset } from '../dataset/dataset.js';
import { DataLoader } from './data-loader.js';

const identity = <T>(items: T[]) => items;

async function epochOf<T>(loader: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const batch of loader) batches.push(batch);
  return batches;
}

const range = (n: number) => new ArrayDataset(Array.from({ length: n }, (_, i) => i));

describe('DataLoader over a random-access Dataset', () => {
  it('visits every index exactly once per epoch with shuffle, reshuffling each epoch', async () => {
    const loader = new DataLoader(range(103), { batchSize: 10, shuffle: true, seed: 5, collate: identity });
    const orders: number[][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = await epochOf(loader);
      expect(batches).toHaveLength(11);
      expect(batches.at(-1)).toHaveLength(3);
      const order = batches.flat();
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
      expect(order).toEqual(loader.order(epoch));
      orders.push(order);
    }
    expect(orders[0]).not.toEqual(orders[1]);
    expect(orders[1]).not.toEqual(orders[2]);
    expect(orders[0]).not.toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(loader.epoch).toBe(3);
  });

  it('gives the same order for the same seed, another for another seed', async () => {
    const make = (seed: number) =>
      new DataLoader(range(50), { batchSize: 7, shuffle: true, seed, collate: identity });
    const a = make(1);
    const b = make(1);
    const c = make(2);
    for (let epoch = 0; epoch < 2; epoch++) {
      const [ea, eb, ec] = [await epochOf(a), await epochOf(b), await epochOf(c)];
      expect(ea).toEqual(eb);
      expect(ea.flat()).not.toEqual(ec.flat());
    }
    // Resuming at an epoch reproduces that epoch.
    const resumed = new DataLoader(range(50), {
      batchSize: 7,
      shuffle: true,
      seed: 1,
      collate: identity,
      epoch: 1,
    });
    expect((await epochOf(resumed)).flat()).toEqual(a.order(1));
  });

  it('respects dropLast, and length counts batches', async () => {
    const keep = new DataLoader(range(10), { batchSize: 4, collate: identity });
    const drop = new DataLoader(range(10), { batchSize: 4, dropLast: true, collate: identity });
    expect(keep.length).toBe(3);
    expect(drop.length).toBe(2);
    expect(await epochOf(keep)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(await epochOf(drop)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    const dropShuffled = await epochOf(
      new DataLoader(range(10), { batchSize: 4, dropLast: true, shuffle: true, collate: identity }),
    );
    expect(dropShuffled.map((b) => b.length)).toEqual([4, 4]);
  });

  it('prefetches: the next batches load while the current one is consumed', async () => {
    const requested: number[] = [];
    const slow: Dataset<number> = {
      length: 12,
      async get(i) {
        requested.push(i);
        await new Promise((r) => setTimeout(r, 1));
        return i;
      },
    };
    const loader = new DataLoader(slow, { batchSize: 2, prefetch: 2, collate: identity });
    const iterator = loader[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toEqual([0, 1]);
    // Batch 0 was awaited, batches 1 and 2 were already requested.
    expect(requested.length).toBeGreaterThanOrEqual(6);
    await iterator.return?.();
    const lazy = new DataLoader(slow, { batchSize: 2, prefetch: 0, collate: identity });
    requested.length = 0;
    const it0 = lazy[Symbol.asyncIterator]();
    await it0.next();
    expect(requested.length).toBe(2);
    await it0.return?.();
  });

  it('stacks items into tensors with the default collate and propagates errors', async () => {
    const data = new ArrayDataset([
      { ids: Int32Array.from([1, 2, 3]), label: 0 },
      { ids: Int32Array.from([4, 5, 6]), label: 1 },
      { ids: Int32Array.from([7, 8, 9]), label: 1 },
    ]);
    const loader = new DataLoader(data, { batchSize: 2 });
    const batches = [];
    for await (const batch of loader) batches.push(batch);
    expect(batches[0]!.ids.shape).toEqual([2, 3]);
    expect(batches[0]!.ids.dtype).toBe('i32');
    expect([...(await batches[1]!.ids.data())]).toEqual([7, 8, 9]);
    expect([...(await batches[0]!.label.data())]).toEqual([0, 1]);
    for (const b of batches) {
      b.ids.dispose();
      b.label.dispose();
    }
    const failing: Dataset<number> = {
      length: 4,
      get(i) {
        if (i === 2) throw new Error('bad record 2');
        return i;
      },
    };
    await expect(epochOf(new DataLoader(failing, { batchSize: 1, collate: identity }))).rejects.toThrow(
      'bad record 2',
    );
  });

  it('frees the tensors of prefetched batches when the loop breaks early', async () => {
    const data = new ArrayDataset(Array.from({ length: 40 }, (_, i) => Int32Array.from([i, i + 1])));
    const before = memory().numTensors;
    for await (const batch of new DataLoader(data, { batchSize: 4, prefetch: 3 })) {
      batch.dispose();
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
    expect(memory().numTensors).toBe(before);
  });

  it('names bad options', () => {
    expect(() => new DataLoader(range(3), { batchSize: 0 })).toThrow(/DataLoader options: batchSize/);
    expect(() => new DataLoader([1, 2, 3], { shuffle: true })).toThrow(/shuffleBuffer/);
    expect(() => new DataLoader(42 as never)).toThrow(/neither a Dataset/);
  });
});

describe('DataLoader over a streaming dataset', () => {
  function counting(n: number) {
    const state = { closed: 0, pulled: 0 };
    const source = {
      length: n,
      async *[Symbol.asyncIterator]() {
        try {
          for (let i = 0; i < n; i++) {
            state.pulled++;
            yield i;
          }
        } finally {
          state.closed++;
        }
      },
    };
    return { source, state };
  }

  it('batches in order, honours dropLast and counts batches from the declared length', async () => {
    const { source } = counting(10);
    expect(await epochOf(new DataLoader(source, { batchSize: 4, collate: identity }))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const drop = new DataLoader(source, { batchSize: 4, dropLast: true, collate: identity });
    expect(drop.length).toBe(2);
    expect((await epochOf(drop)).flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => new DataLoader([1, 2][Symbol.iterator]()).length).toThrow(/does not declare a length/);
  });

  it('shuffles through a seeded buffer: a permutation, the same for a seed', async () => {
    const { source } = counting(100);
    const run = async (seed: number) =>
      (
        await epochOf(new DataLoader(source, { batchSize: 8, shuffleBuffer: 16, seed, collate: identity }))
      ).flat();
    const a = await run(3);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a).toEqual(await run(3));
    expect(a).not.toEqual(await run(4));
    expect(a).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('reads ahead only `prefetch` batches and closes the source on break', async () => {
    const { source, state } = counting(1000);
    for await (const batch of new DataLoader(source, { batchSize: 10, prefetch: 2, collate: identity })) {
      expect(batch).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      break;
    }
    expect(state.pulled).toBeLessThanOrEqual(40);
    expect(state.closed).toBe(1);
  });
});

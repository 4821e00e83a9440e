// Batch sources: the property that matters for resuming is that restoring a saved
// position yields exactly the batches the uninterrupted source would have yielded.
import '@tensorlm/backend-cpu';
import { ArrayDataset, DataLoader, GrammarSampler } from '@tensorlm/datasets';
import { setBackend, type Tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetSource, indexedSource, loaderSource, padBatch, tokenBatchSource } from './batch-source.js';

beforeAll(async () => {
  await setBackend('cpu');
});

async function take<B>(source: { next(): B | Promise<B> }, n: number, read: (b: B) => Promise<unknown>) {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(await read(await source.next()));
  return out;
}

const asArray = async (t: Tensor) => {
  const a = await t.toArray();
  t.dispose();
  return a;
};

describe('padBatch', () => {
  it('right-pads with padId and keeps the first `length` ids', async () => {
    const t = padBatch(
      [
        [5, 6, 7],
        [1, 2, 3, 4, 5, 6],
      ],
      4,
      0,
    );
    expect(t.dtype).toBe('i32');
    expect(await t.toArray()).toEqual([
      [5, 6, 7, 0],
      [1, 2, 3, 4],
    ]);
  });
});

describe('indexedSource', () => {
  it('is a pure function of the index, with epochs when batchesPerEpoch is given', async () => {
    const s = indexedSource((i) => i * 10, { batchesPerEpoch: 3 });
    expect(await take(s, 4, async (b) => b)).toEqual([0, 10, 20, 30]);
    expect(s.epoch).toBe(1);
    const saved = s.state();
    const rest = await take(s, 2, async (b) => b);
    s.restore(saved);
    expect(await take(s, 2, async (b) => b)).toEqual(rest);
    expect(() => s.restore({ index: -1 })).toThrow(/index/);
  });
});

describe('tokenBatchSource', () => {
  it('draws each batch from its own seed, so a restored source repeats the same batches', async () => {
    const make = () =>
      tokenBatchSource({
        sample: (n, seed) => new GrammarSampler({ seed }).batch(n),
        batchSize: 4,
        length: 20,
        padId: 0,
        seed: 7,
      });
    const a = make();
    const first = await take(a, 5, asArray);
    const b = make();
    await take(b, 2, asArray);
    const saved = JSON.parse(JSON.stringify(b.state()));
    const c = make();
    c.restore(saved);
    expect(await take(c, 3, asArray)).toEqual(first.slice(2));
    expect(first[0]).not.toEqual(first[1]);
    const rows = first[0] as number[][];
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toHaveLength(20);
      const end = row.indexOf(1); // [End] = 1, then only padding
      expect(end).toBeGreaterThan(0);
      expect(row.slice(end + 1).every((id) => id === 0)).toBe(true);
    }
  });

  it('names bad options', () => {
    expect(() => tokenBatchSource({ sample: () => [], batchSize: 0, length: 4 })).toThrow(/batchSize/);
    expect(() => tokenBatchSource({ sample: () => [], batchSize: 2, length: 1 })).toThrow(/length/);
  });
});

describe('datasetSource', () => {
  const items = Array.from({ length: 10 }, (_, i) => i);
  const dataset = { length: items.length, get: (i: number) => items[i]! };
  const collate = (xs: number[]) => xs;

  it('visits every item once per epoch, in a new order each epoch', async () => {
    const s = datasetSource(dataset, { batchSize: 3, dropLast: false, seed: 1, collate });
    expect(s.batchesPerEpoch).toBe(4);
    const epoch0 = (await take(s, 4, async (b) => b)).flat() as number[];
    expect(s.epoch).toBe(1);
    const epoch1 = (await take(s, 4, async (b) => b)).flat() as number[];
    expect([...epoch0].sort((a, b) => a - b)).toEqual(items);
    expect([...epoch1].sort((a, b) => a - b)).toEqual(items);
    expect(epoch0).not.toEqual(epoch1);
    expect(epoch0).not.toEqual(items);
  });

  it('resumes mid-epoch with the same batches', async () => {
    const s = datasetSource(dataset, { batchSize: 3, seed: 2, collate });
    await take(s, 2, async (b) => b);
    const saved = s.state();
    const expected = await take(s, 5, async (b) => b);
    const r = datasetSource(dataset, { batchSize: 3, seed: 2, collate });
    r.restore(saved);
    expect(await take(r, 5, async (b) => b)).toEqual(expected);
    expect(() => r.restore({ epoch: 0, batch: 3 })).toThrow(/past the 3 batches/);
    expect(() => datasetSource({ length: 2, get: () => 0 }, { batchSize: 3, collate })).toThrow(/no batch/);
  });
});

describe('loaderSource', () => {
  it("replays a shuffled DataLoader's batches after a restore, across epoch ends", async () => {
    const data = new ArrayDataset(Array.from({ length: 7 }, (_, i) => [i, i + 100]));
    const make = () =>
      loaderSource(new DataLoader(data, { batchSize: 2, shuffle: true, seed: 3, dropLast: true }));
    const straight = make();
    const all = await take(straight, 8, asArray); // 3 batches per epoch → spans 3 epochs
    await straight.close();
    const first = make();
    await take(first, 4, asArray);
    const saved = first.state();
    await first.close();
    const resumed = make();
    resumed.restore(saved);
    expect(await take(resumed, 4, asArray)).toEqual(all.slice(4));
    await resumed.close();
    expect(JSON.stringify(all.slice(0, 3))).not.toEqual(JSON.stringify(all.slice(3, 6)));
  });

  it('rejects objects that are not loaders', () => {
    expect(() => loaderSource({} as never)).toThrow(/async iterable/);
  });
});

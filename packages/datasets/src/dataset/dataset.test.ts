import { describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.js';
import { ArrayDataset, concatDatasets, isDataset, mapDataset, Subset } from './dataset.js';
import { trainValSplit } from './split.js';

describe('map-style datasets', () => {
  it('ArrayDataset, Subset, mapDataset and concatDatasets index as expected', async () => {
    const base = new ArrayDataset(['a', 'b', 'c', 'd']);
    expect(isDataset(base)).toBe(true);
    expect(isDataset([1, 2])).toBe(false);
    const sub = new Subset(base, [3, 1]);
    expect([sub.get(0), sub.get(1)]).toEqual(['d', 'b']);
    const upper = mapDataset(base, async (s, i) => `${s.toUpperCase()}${i}`);
    expect(await upper.get(2)).toBe('C2');
    const both = concatDatasets([base, new ArrayDataset<string>([]), new ArrayDataset(['e'])]);
    expect(both.length).toBe(5);
    expect([0, 3, 4].map((i) => both.get(i))).toEqual(['a', 'd', 'e']);
    expect(() => base.get(4)).toThrow(/index 4 is out of range \[0, 4\)/);
    expect(() => new Subset(base, [9])).toThrow(DatasetError);
  });
});

describe('trainValSplit', () => {
  it('splits text at int(0.9 · len) as the seeds do', () => {
    const text = 'x'.repeat(20479);
    const [train, val] = trainValSplit(text, 0.9);
    expect(train.length).toBe(18431);
    expect(val.length).toBe(2048);
    // Code points, as Python's len: the astral character counts once.
    // By UTF-16 units the cut would fall inside the second emoji.
    expect(trainValSplit('😀😀ab', 0.5)).toEqual(['😀😀', 'ab']);
  });

  it('splits arrays and typed arrays contiguously, datasets contiguously or at random', () => {
    const [a, b] = trainValSplit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9);
    expect(a).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(b).toEqual([10]);
    const [ta, tb] = trainValSplit(Int32Array.from([1, 2, 3, 4]), 0.5);
    expect(ta).toBeInstanceOf(Int32Array);
    expect([...tb]).toEqual([3, 4]);
    const data = new ArrayDataset(Array.from({ length: 10 }, (_, i) => i));
    const [tr, va] = trainValSplit(data, 0.8, { shuffle: true, seed: 1 });
    const all = [...tr.indices, ...va.indices].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(tr.length).toBe(8);
    const [tr2] = trainValSplit(data, 0.8, { shuffle: true, seed: 1 });
    expect(tr2.indices).toEqual(tr.indices);
  });

  it('names bad input', () => {
    expect(() => trainValSplit('', 0.9)).toThrow(/text is empty/);
    expect(() => trainValSplit([], 0.9)).toThrow(/data is empty/);
    expect(() => trainValSplit('abc', 1.2)).toThrow(/fraction must be strictly between 0 and 1, got 1.2/);
  });
});

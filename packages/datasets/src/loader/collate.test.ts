import '@tensorlm/backend-cpu';
import type { Tensor } from '@tensorlm/tensor-core';
import { tensor } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { defaultCollate } from './collate.js';
import { causalLmCollate, padCollate } from './pad.js';

const values = async (t: Tensor) => [...(await t.data())];

describe('defaultCollate', () => {
  it('stacks numbers, sequences and tensors with the right dtypes', async () => {
    const ints = defaultCollate([1, 2, 3]);
    expect([ints.shape, ints.dtype]).toEqual([[3], 'i32']);
    const floats = defaultCollate([0.5, 2]);
    expect(floats.dtype).toBe('f32');
    expect(defaultCollate([true, false]).dtype).toBe('bool');
    const rows = defaultCollate([Int32Array.from([1, 2]), Int32Array.from([3, 4])]);
    expect([rows.shape, rows.dtype, await values(rows)]).toEqual([[2, 2], 'i32', [1, 2, 3, 4]]);
    expect(defaultCollate([Float32Array.from([1, 2])]).dtype).toBe('f32');
    const nested = defaultCollate([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    expect(nested.shape).toEqual([1, 2, 2]);
    const stacked = defaultCollate([tensor([1, 2]), tensor([3, 4])]);
    expect([stacked.shape, await values(stacked)]).toEqual([
      [2, 2],
      [1, 2, 3, 4],
    ]);
  });

  it('collates records and tuples field by field and keeps strings as lists', async () => {
    const batch = defaultCollate([
      { input: Int32Array.from([1, 2]), target: Int32Array.from([2, 3]), text: 'ab' },
      { input: Int32Array.from([5, 6]), target: Int32Array.from([6, 7]), text: 'cd' },
    ]);
    expect(batch.input.shape).toEqual([2, 2]);
    expect(await values(batch.target)).toEqual([2, 3, 6, 7]);
    expect(batch.text).toEqual(['ab', 'cd']);
    const [x, y] = defaultCollate([
      [Int32Array.from([1]), 0],
      [Int32Array.from([2]), 1],
    ] as [Int32Array, number][]);
    expect([x.shape, y.shape]).toEqual([[2, 1], [2]]);
  });

  it('names ragged sequences and missing fields', () => {
    expect(() => defaultCollate([[1, 2], [3]])).toThrow(
      /item 1 has shape \[1\] but item 0 has \[2\].*padCollate/,
    );
    expect(() => defaultCollate([{ a: 1 }, { b: 2 }] as { a?: number; b?: number }[])).toThrow(
      /no field 'a'/,
    );
    expect(() => defaultCollate([])).toThrow(/no items/);
  });
});

describe('padCollate', () => {
  it('pads to the longest with a correct mask', async () => {
    const collate = padCollate({ padId: 0 });
    const batch = await collate([[5, 6, 7], [8], [9, 10]]);
    expect(batch.ids.shape).toEqual([3, 3]);
    expect(await values(batch.ids)).toEqual([5, 6, 7, 8, 0, 0, 9, 10, 0]);
    expect(batch.mask.dtype).toBe('bool');
    expect(await values(batch.mask)).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 0]);
    expect([...batch.lengths]).toEqual([3, 1, 2]);
  });

  it('truncates to maxLen (right or left), pads left, pads to maxLen, and gives i32 masks', async () => {
    const right = await padCollate({ padId: 9, maxLen: 2 })([[1, 2, 3], [4]]);
    expect(await values(right.ids)).toEqual([1, 2, 4, 9]);
    const left = await padCollate({ padId: 9, maxLen: 2, truncation: 'left', padSide: 'left' })([
      [1, 2, 3],
      [4],
    ]);
    expect(await values(left.ids)).toEqual([2, 3, 9, 4]);
    expect(await values(left.mask)).toEqual([1, 1, 0, 1]);
    const fixed = await padCollate({ padId: 0, maxLen: 4, padTo: 'maxLen', maskDtype: 'i32' })([[1], [2, 3]]);
    expect([fixed.ids.shape, fixed.mask.dtype]).toEqual([[2, 4], 'i32']);
    expect(await values(fixed.mask)).toEqual([1, 0, 0, 0, 1, 1, 0, 0]);
  });

  it('pads the ids of records and collates their other fields', async () => {
    const batch = await padCollate<{ ids: number[]; label: number }>({ padId: 0 })([
      { ids: [1, 2], label: 1 },
      { ids: [3], label: 0 },
    ]);
    expect(await values(batch.ids)).toEqual([1, 2, 3, 0]);
    expect(await values(batch.label)).toEqual([1, 0]);
  });

  it('names bad options', () => {
    expect(() => padCollate({ padId: 0, padTo: 'maxLen' })).toThrow(/needs maxLen/);
    expect(() => padCollate({ padId: 0.5 })).toThrow(/padCollate options: padId/);
  });
});

describe('causalLmCollate', () => {
  it('shifts targets by one and ignores padding in the loss', async () => {
    const batch = await causalLmCollate({ padId: 0, ignoreIndex: -100 })([
      [5, 6, 7, 1],
      [8, 1],
    ]);
    expect(batch.input.shape).toEqual([2, 3]);
    expect(await values(batch.input)).toEqual([5, 6, 7, 8, 0, 0]);
    expect(await values(batch.target)).toEqual([6, 7, 1, 1, -100, -100]);
    expect(await values(batch.mask)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(() => causalLmCollate({ padId: 0 })([[3]])).toThrow(/item 0 has 1 tokens/);
  });
});

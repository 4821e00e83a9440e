import '@tensorlm/backend-cpu';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { trainValSplit } from '../dataset/split.js';
import { loadTheVerdict } from '../sources/the-verdict.js';
import { createTextLoader, SlidingWindowDataset } from './sliding-window.js';

// An independent GPT-2 tokenizer (js-tiktoken), not ours.
const gpt2 = getEncoding('gpt2');

describe('SlidingWindowDataset (GPTDatasetV1)', () => {
  it('windows like range(0, len(ids) - max_length, stride), target shifted by one', () => {
    const ids = Array.from({ length: 10 }, (_, i) => 100 + i);
    const ds = new SlidingWindowDataset(ids, { maxLength: 4, stride: 3 });
    // Python: list(range(0, 10 - 4, 3)) == [0, 3]
    expect(ds.length).toBe(2);
    expect([...ds.get(1).input]).toEqual([103, 104, 105, 106]);
    expect([...ds.get(1).target]).toEqual([104, 105, 106, 107]);
    expect(new SlidingWindowDataset(ids, { maxLength: 4, stride: 1 }).length).toBe(6);
    expect(new SlidingWindowDataset(ids, { maxLength: 9, stride: 5 }).length).toBe(1);
  });

  it('names input that makes no window', () => {
    expect(() => new SlidingWindowDataset([1, 2, 3], { maxLength: 3, stride: 1 })).toThrow(
      /3 tokens make no window; one needs maxLength \+ 1 = 4/,
    );
    expect(() => SlidingWindowDataset.fromText('', gpt2, { maxLength: 4, stride: 4 })).toThrow(
      /text is empty/,
    );
    expect(() => new SlidingWindowDataset([1, 2, 3], { maxLength: 0, stride: 1 })).toThrow(/maxLength/);
  });
});

describe('the-verdict.txt, as in the seed', () => {
  it('ships the same bytes as the staged copy (sha256 from SOURCES.md)', async () => {
    const text = await loadTheVerdict();
    expect(text.length).toBe(20_479);
    expect(createHash('sha256').update(text).digest('hex')).toBe(
      'b41e41a68f0398a3154ae69e2e4c0e2694e17fe0d66730536837f1b01935b31f',
    );
    expect(text).toBe(readFileSync('/work/shared/data/the-verdict/the-verdict.txt', 'utf8'));
  });

  it('has 5,145 GPT-2 tokens; a 90/10 character split at 256/256, batch 2, gives 9 training batches', async () => {
    const text = await loadTheVerdict();
    expect(gpt2.encode(text).length).toBe(5145);
    const [train, val] = trainValSplit(text, 0.9);
    expect(train.length).toBe(18_431);
    // As the seed: split the characters, then tokenise each part.
    const trainLoader = createTextLoader(train, gpt2, {
      batchSize: 2,
      maxLength: 256,
      stride: 256,
      shuffle: true,
      dropLast: true,
      seed: 123,
    });
    const valLoader = createTextLoader(val, gpt2, {
      batchSize: 2,
      maxLength: 256,
      stride: 256,
      shuffle: false,
      dropLast: false,
    });
    expect((trainLoader.dataset as SlidingWindowDataset).ids.length).toBe(4612);
    expect((valLoader.dataset as SlidingWindowDataset).ids.length).toBe(534);
    expect(trainLoader.length).toBe(9);
    expect(valLoader.length).toBe(1);

    let batches = 0;
    for await (const { input, target } of trainLoader) {
      expect(input.shape).toEqual([2, 256]);
      expect(input.dtype).toBe('i32');
      const x = await input.data();
      const y = await target.data();
      // The target is the input shifted by one position, row by row.
      for (let r = 0; r < 2; r++) {
        for (let t = 0; t < 255; t++) expect(y[r * 256 + t]).toBe(x[r * 256 + t + 1]);
      }
      input.dispose();
      target.dispose();
      batches++;
    }
    expect(batches).toBe(9);
    // The decoded windows are the text: the first window of the unshuffled val loader.
    for await (const { input, target } of valLoader) {
      expect(gpt2.decode([...(await input.data())].slice(0, 256))).toBe(
        gpt2.decode(gpt2.encode(val).slice(0, 256)),
      );
      input.dispose();
      target.dispose();
    }
  });
});

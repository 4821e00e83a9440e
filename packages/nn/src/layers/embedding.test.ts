// Embedding lookups and padding_idx (zero init, no gradient) against hand-written tables.
import '@tensorlm/backend-cpu';
import { tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { Embedding } from './embedding.js';

describe('Embedding', () => {
  it('looks up rows for ids of any shape', async () => {
    const emb = new Embedding(4, 2);
    emb.loadStateDict({
      weight: tensor([
        [0, 0],
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    });
    const y = tidy(() =>
      emb.forward(
        tensor(
          [
            [3, 1],
            [2, 2],
          ],
          { dtype: 'i32' },
        ),
      ),
    );
    expect(y.shape).toEqual([2, 2, 2]);
    expect(await y.toArray()).toEqual([
      [
        [5, 6],
        [1, 2],
      ],
      [
        [3, 4],
        [3, 4],
      ],
    ]);
    expect(emb.toString()).toBe('Embedding(4, 2)');
    emb.dispose();
  });

  it('paddingIdx starts at zero and gets no gradient', async () => {
    const emb = new Embedding(3, 2, { paddingIdx: 0 });
    expect(emb.toString()).toBe('Embedding(3, 2, padding_idx=0)');
    expect(await emb.weight.toArray()).toContainEqual([0, 0]);
    expect(((await emb.weight.toArray()) as number[][])[0]).toEqual([0, 0]);
    tidy(() =>
      emb
        .forward(tensor([0, 2, 0, 1], { dtype: 'i32' }))
        .sum()
        .backward(),
    );
    // Each id's row gets one per occurrence; the pad row none.
    expect(await emb.weight.grad!.toArray()).toEqual([
      [0, 0],
      [1, 1],
      [1, 1],
    ]);
    emb.dispose();
  });

  it('rejects a padding index outside the table', () => {
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow(
      /paddingIdx must be an id in \[0, 3\), got 3/,
    );
  });
});

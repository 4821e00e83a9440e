// CPU-specific behaviour beyond the shared conformance suite: errors a GPU cannot raise,
// backend selection, and matmul on sizes that cross the 4×4 panel edges.
import {
  embedding,
  matmul,
  randn,
  registerBackend,
  removeBackend,
  selectBackend,
  setBackend,
  TensorError,
  tensor,
  transpose,
  zeros,
} from '@tensorlm/tensor-core';
import { reference } from '@tensorlm/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import './index.js';

describe('backend-cpu', () => {
  it('reports out-of-range indices as TensorErrors naming the kernel', async () => {
    await setBackend('cpu');
    expect(() => embedding(tensor([5], { dtype: 'i32' }), zeros([3, 2]))).toThrow(TensorError);
    expect(() => embedding(tensor([5], { dtype: 'i32' }), zeros([3, 2]))).toThrow(
      /indexSelect: index 5 is out of range for an axis of size 3/,
    );
  });

  it('matmul matches the f64 reference across panel edges and transposes', async () => {
    await setBackend('cpu');
    for (const [m, k, n] of [
      [1, 1, 1],
      [5, 3, 7],
      [33, 65, 17],
      [64, 128, 96],
    ] as const) {
      const a = randn([m, k], { seed: m });
      const b = randn([n, k], { seed: n + 100 });
      const got = await matmul(a, b, { transposeB: true }).data();
      const ref = reference.matmul(
        reference.nd([m, k], await a.data()),
        reference.transposeLast(reference.nd([n, k], await b.data())),
      );
      const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - ref.data[i]!)));
      expect(worst).toBeLessThan(1e-4 * Math.sqrt(k));
      const again = await matmul(transpose(a), transpose(b), { transposeA: true, transposeB: false }).data();
      expect(Array.from(again)).toEqual(Array.from(got));
    }
  });

  it('selectBackend honours an explicit choice and falls back with a notice', async () => {
    const notices: string[] = [];
    registerBackend({
      name: 'broken-gpu',
      priority: 50,
      create: () => {
        throw new Error('no adapter');
      },
    });
    try {
      const chosen = await selectBackend({ preferred: 'auto', notice: (line) => notices.push(line) });
      expect(chosen.name).not.toBe('broken-gpu');
      expect(notices[0]).toMatch(/backend 'broken-gpu' is unavailable \(no adapter\); trying the next one/);
      expect((await selectBackend({ preferred: 'cpu' })).name).toBe('cpu');
      await expect(selectBackend({ preferred: 'broken-gpu' })).rejects.toThrow(/no adapter/);
    } finally {
      removeBackend('broken-gpu');
    }
  });
});

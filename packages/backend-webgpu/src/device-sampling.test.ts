// Top-k and multinomial over vocabulary-wide rows on the device: the plans are checked
// by hand, the results against the CPU backend (top-k exactly, ties included) and
// against the weights they draw from (multinomial), on rows far past llvmpipe's loop
// limit for one invocation.
import '@tensorlm/backend-cpu';
import {
  type Backend,
  cast,
  initBackend,
  multinomial,
  randn,
  tensor,
  toBackend,
  topk,
} from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './index.js';
import { planMultinomial } from './kernels/sampling.js';
import { planTopk } from './kernels/topk.js';

let gpu: Backend;
let cpu: Backend;

beforeAll(async () => {
  gpu = await initBackend('webgpu');
  cpu = await initBackend('cpu');
});

describe('capabilities', () => {
  it('asks decoders to sample on the device unless the adapter is the CPU itself', () => {
    expect(gpu.capabilities.deviceSampling).toBe(!gpu.capabilities.hostMemory);
  });
});

describe('plans', () => {
  it('selects the top 50 of 50,257 in levels of chunks of ⌊(60,000 − 50) / 51⌋ = 1,175', () => {
    // A chunk of n loops at most n · 51 + 50 times. 43 chunks keep 2,150 pairs; 2 chunks
    // of those keep 100; one pass over 100 (5,150 ≤ 60,000) picks 50.
    expect(planTopk(50_257, 50)).toEqual({
      kind: 'select',
      levels: [
        { n: 50_257, chunk: 1175, chunks: 43 },
        { n: 2150, chunk: 1175, chunks: 2 },
        { n: 100, chunk: 100, chunks: 1 },
      ],
    });
    // k = 1: 50,257 · 2 + 1 > 60,000, so two levels.
    expect(planTopk(50_257, 1)).toEqual({
      kind: 'select',
      levels: [
        { n: 50_257, chunk: 29_999, chunks: 2 },
        { n: 2, chunk: 2, chunks: 1 },
      ],
    });
    expect(planTopk(50_257, 300)).toEqual({ kind: 'sort', padded: 65_536 });
  });

  it('draws from a 50,257-wide row in chunks of ⌈√50,257⌉ = 225', () => {
    expect(planMultinomial(50_257, 1, true)).toEqual({ kind: 'chunks', chunk: 225, chunks: 224 });
    expect(planMultinomial(100, 1, true)).toEqual({ kind: 'row' });
  });
});

describe('top-k over vocabulary-wide rows', () => {
  async function agree(x: ReturnType<typeof randn>, k: number, largest: boolean): Promise<void> {
    const g = topk(await toBackend(x, gpu), k, { largest });
    const c = topk(x, k, { largest });
    expect(Array.from(await g.indices.data())).toEqual(Array.from(await c.indices.data()));
    expect(Array.from(await g.values.data())).toEqual(Array.from(await c.values.data()));
  }

  it('agrees with the CPU backend by chunked selection (k = 1, 50) and by sorting (k = 300)', async () => {
    const x = randn([3, 50_257], { seed: 11, backend: cpu });
    await agree(x, 1, true);
    await agree(x, 50, true);
    await agree(x, 50, false);
    await agree(x, 300, true);
  });

  it('keeps the lower column first on ties, and sorts whole rows', async () => {
    // Integers 0…9 over 3,000 columns: hundreds of ties per value.
    const values = Array.from({ length: 2 * 3000 }, (_, i) => (i * 7919) % 10);
    const x = tensor(values, [2, 3000], { dtype: 'i32', backend: cpu });
    await agree(x as ReturnType<typeof randn>, 100, true);
    await agree(x as ReturnType<typeof randn>, 3000, false);
  });
});

describe('multinomial over vocabulary-wide rows', () => {
  it('draws the CPU backend’s samples from small-integer weights (exact sums)', async () => {
    const weights = Array.from({ length: 2 * 50_257 }, (_, i) => (i * 31) % 3);
    const w = cast(tensor(weights, [2, 50_257], { dtype: 'i32', backend: cpu }), 'f32');
    const g = multinomial(await toBackend(w, gpu), 1, { seed: 3 });
    const c = multinomial(w, 1, { seed: 3 });
    expect(Array.from(await g.data())).toEqual(Array.from(await c.data()));
  });

  it('lands only on weighted columns, in proportion, and without replacement never twice', async () => {
    // 200 rows of 10,000: weight 1 at columns 5 and 9,000, 2 at 4,321; zero elsewhere.
    const rows = 200;
    const cols = 10_000;
    const weights = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      weights[r * cols + 5] = 1;
      weights[r * cols + 4321] = 2;
      weights[r * cols + 9000] = 1;
    }
    const w = tensor(weights, [rows, cols], { backend: gpu });
    const picks = Array.from(await multinomial(w, 1, { seed: 9 }).data());
    const count = (c: number) => picks.filter((p) => p === c).length;
    expect(count(5) + count(4321) + count(9000)).toBe(rows);
    // Expected 50 / 100 / 50; four standard deviations is about ±28.
    expect(Math.abs(count(4321) - 100)).toBeLessThan(28);
    const three = Array.from(await multinomial(w, 3, { seed: 10 }).data());
    for (let r = 0; r < rows; r++)
      expect(new Set(three.slice(3 * r, 3 * r + 3))).toEqual(new Set([5, 4321, 9000]));
  });
});

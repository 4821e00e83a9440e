// Attention against hand-computed softmax(q·kᵀ/√d)·v and an f64 multi-head reference; masks.
import '@tensorlm/backend-cpu';
import { concat, manualSeed, randn, tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { attention, maxAbsDiff } from '../../test/reference.js';
import {
  causalMask,
  MultiHeadAttention,
  mergeHeads,
  scaledDotProductAttention,
  splitHeads,
} from './attention.js';

describe('scaledDotProductAttention', () => {
  it('matches softmax(q·kᵀ/√d)·v computed by hand', async () => {
    // One head, d = 2. q0 = [1, 0]; keys [1, 0], [0, 1] → scores [1, 0]/√2.
    const q = tensor([[[[1, 0]]]]);
    const k = tensor([
      [
        [
          [1, 0],
          [0, 1],
        ],
      ],
    ]);
    const v = tensor([
      [
        [
          [10, 0],
          [0, 10],
        ],
      ],
    ]);
    const { output, weights } = tidy(() => scaledDotProductAttention(q, k, v));
    const p0 = Math.exp(1 / Math.SQRT2) / (Math.exp(1 / Math.SQRT2) + 1);
    const w = await weights.data();
    expect(w[0]).toBeCloseTo(p0, 6);
    expect(w[1]).toBeCloseTo(1 - p0, 6);
    const o = await output.data();
    expect(o[0]).toBeCloseTo(10 * p0, 5);
    expect(o[1]).toBeCloseTo(10 * (1 - p0), 5);
  });

  it('a causal mask gives zero weight to later keys; rows still sum to 1', async () => {
    const mask = causalMask(3);
    expect(await mask.toArray()).toEqual([
      [
        [
          [false, true, true],
          [false, false, true],
          [false, false, false],
        ],
      ],
    ]);
    const x = randn([1, 1, 3, 4], { seed: 3 });
    const w = (await tidy(
      () => scaledDotProductAttention(x, x, x, { mask }).weights,
    ).toArray()) as number[][][][];
    const rows = w[0]![0]!;
    expect(rows[0]![1]).toBe(0);
    expect(rows[0]![2]).toBe(0);
    expect(rows[1]![2]).toBe(0);
    for (const row of rows) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // With two cached positions, query i sees keys 0 … i + 2.
    expect(((await causalMask(1, { pastLength: 2 }).toArray()) as boolean[][][][])[0]![0]![0]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('masks a preallocated cache’s unused keys past the causal horizon (keys > pastLength + T)', async () => {
    // Queries at positions 1 and 2 over 5 key slots: slots 3 and 4 are unused buffer.
    expect(await causalMask(2, { pastLength: 1, keys: 5 }).toArray()).toEqual([
      [
        [
          [false, false, true, true, true],
          [false, false, false, true, true],
        ],
      ],
    ]);
    expect(() => causalMask(2, { pastLength: 1, keys: 2 })).toThrow(
      /keys \(2\) must be .* ≥ pastLength \+ length = 3/,
    );
  });
});

describe('splitHeads / mergeHeads', () => {
  it('move element (b, t, h·hs + e) to (b, h, t, e) and back, one position and one head included', async () => {
    for (const [b, t, nh, hs] of [
      [2, 3, 2, 2],
      [2, 1, 3, 2], // a decoding step: a reshape, no copy
      [1, 3, 1, 4], // one head
    ] as const) {
      const c = nh * hs;
      const values = Array.from({ length: b * t * c }, (_, i) => i);
      const x = tensor(values, [b, t, c]);
      const heads = splitHeads(x, nh);
      expect(heads.shape).toEqual([b, nh, t, hs]);
      const expected: number[] = [];
      for (let bi = 0; bi < b; bi++)
        for (let h = 0; h < nh; h++)
          for (let ti = 0; ti < t; ti++)
            for (let e = 0; e < hs; e++) expected.push(values[(bi * t + ti) * c + h * hs + e]!);
      expect(Array.from(await heads.data())).toEqual(expected);
      const merged = mergeHeads(heads);
      expect(merged.shape).toEqual([b, t, c]);
      expect(Array.from(await merged.data())).toEqual(values);
    }
  });
});

describe('MultiHeadAttention', () => {
  it('matches an f64 multi-head reference (separate Q/K/V, causal)', async () => {
    manualSeed(5);
    const mha = new MultiHeadAttention({ embedDim: 8, numHeads: 2, causal: true }).eval();
    const x = randn([1, 5, 8], { seed: 9 });
    const y = await tidy(() => mha.forward(x)).data();
    const host = async (t: { data(): Promise<ArrayLike<number>> }) => Float64Array.from(await t.data());
    const xs = await host(x);
    const rows = Array.from({ length: 5 }, (_, t) => xs.slice(8 * t, 8 * t + 8));
    const lin = async (layer: 'query' | 'key' | 'value' | 'out_proj', input: Float64Array[]) => {
      const m = mha[layer]!;
      const W = await host(m.weight);
      const b = await host(m.bias!);
      return input.map((r) =>
        Float64Array.from({ length: 8 }, (_, j) => b[j]! + r.reduce((s, v, i) => s + v * W[j * 8 + i]!, 0)),
      );
    };
    const a = attention(
      await lin('query', rows),
      await lin('key', rows),
      await lin('value', rows),
      2,
      (i, j) => j <= i,
    );
    const expected = (await lin('out_proj', a)).flatMap((r) => [...r]);
    expect(maxAbsDiff(y, expected)).toBeLessThan(1e-5);
    mha.dispose();
  });

  it('fused QKV equals separate projections with the same weights; weights are returned for visualisation', async () => {
    manualSeed(6);
    const sep = new MultiHeadAttention({ embedDim: 6, numHeads: 3 }).eval();
    const fused = new MultiHeadAttention({ embedDim: 6, numHeads: 3, fusedQkv: true }).eval();
    expect(fused.namedParameters().map(([n]) => n)).toEqual([
      'qkv.weight',
      'qkv.bias',
      'out_proj.weight',
      'out_proj.bias',
    ]);
    tidy(() =>
      fused.loadStateDict({
        'qkv.weight': concat([sep.query!.weight, sep.key!.weight, sep.value!.weight], 0),
        'qkv.bias': concat([sep.query!.bias!, sep.key!.bias!, sep.value!.bias!], 0),
        'out_proj.weight': sep.out_proj.weight,
        'out_proj.bias': sep.out_proj.bias!,
      }),
    );
    const x = randn([2, 4, 6], { seed: 1 });
    const a = tidy(() => sep.forwardWithWeights(x));
    const b = tidy(() => fused.forwardWithWeights(x));
    expect(a.weights.shape).toEqual([2, 3, 4, 4]);
    expect(maxAbsDiff(await a.output.data(), await b.output.data())).toBeLessThan(1e-6);
    expect(maxAbsDiff(await a.weights.data(), await b.weights.data())).toBeLessThan(1e-6);
    sep.dispose();
    fused.dispose();
  });

  it('padding keys get zero attention', async () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2 }).eval();
    const x = randn([1, 3, 4], { seed: 2 });
    const w = (await tidy(
      () => mha.forwardWithWeights(x, { attentionMask: tensor([[1, 1, 0]], { dtype: 'i32' }) }).weights,
    ).toArray()) as number[][][][];
    for (const head of w[0]!) for (const row of head) expect(row[2]).toBe(0);
    expect(() => new MultiHeadAttention({ embedDim: 5, numHeads: 2 })).toThrow(
      /embedDim \(5\) must be a positive multiple of numHeads \(2\)/,
    );
    mha.dispose();
  });
});

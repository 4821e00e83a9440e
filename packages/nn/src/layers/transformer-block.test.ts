// TransformerBlock: post-LN output statistics, pre-LN composition and causality; FeedForward.
import '@tensorlm/backend-cpu';
import { add, randn, tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../test/reference.js';
import { FeedForward } from './feed-forward.js';
import { TransformerBlock } from './transformer-block.js';

describe('TransformerBlock', () => {
  it('post-LN (BERT) ends in a LayerNorm: every position has mean 0 and variance 1', async () => {
    const block = new TransformerBlock({ dim: 8, numHeads: 2, norm: 'post', eps: 1e-12 }).eval();
    const y = Float64Array.from(await tidy(() => block.forward(randn([2, 3, 8], { seed: 4 }))).data());
    for (let row = 0; row < 6; row++) {
      const r = y.slice(8 * row, 8 * row + 8);
      const mean = r.reduce((a, b) => a + b, 0) / 8;
      const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / 8;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(variance).toBeCloseTo(1, 4);
    }
    block.dispose();
  });

  it('pre-LN (GPT-2) is x + attn(ln_1(x)), then + mlp(ln_2(·))', async () => {
    const block = new TransformerBlock({ dim: 8, numHeads: 2, causal: true }).eval();
    const x = randn([1, 4, 8], { seed: 8 });
    const [y, expected] = tidy(() => {
      const h = add(x, block.attn.forward(block.ln_1.forward(x)));
      return [block.forward(x), add(h, block.mlp.forward(block.ln_2.forward(h)))];
    });
    expect(maxAbsDiff(await y!.data(), await expected!.data())).toBe(0);
    // Causal: changing the last position leaves the first three unchanged.
    const changed = tidy(() =>
      block.forward(x.add(randn([1, 4, 8], { seed: 9 }).mul(tensor([0, 0, 0, 1]).reshape([1, 4, 1])))),
    );
    const a = await y!.data();
    const b = await changed.data();
    expect(maxAbsDiff(a.slice(0, 24), b.slice(0, 24))).toBe(0);
    expect(maxAbsDiff(a.slice(24), b.slice(24))).toBeGreaterThan(1e-3);
    expect(block.toString()).toContain("norm='pre'");
    block.dispose();
  });
});

describe('FeedForward', () => {
  it('expands to 4·dim by default with the chosen activation', () => {
    const ff = new FeedForward({ dim: 6, activation: 'relu' });
    expect(ff.fc1.outFeatures).toBe(24);
    expect(ff.numParameters()).toBe(6 * 24 + 24 + 24 * 6 + 6);
    expect(ff.toString()).toContain('(act): ReLU()');
    ff.dispose();
  });
});

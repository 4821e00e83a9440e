// Sinusoidal positional encoding against the formula of "Attention is all you need".
import '@tensorlm/backend-cpu';
import { tidy, zeros } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { expectAllClose } from '../../test/assert.js';
import { PositionalEncoding } from './positional-encoding.js';

describe('PositionalEncoding', () => {
  it('adds sin/cos of pos / 10000^(2i/d) ("Attention is all you need", 3.5)', async () => {
    const pe = new PositionalEncoding(4, { maxLen: 10, dropout: 0 });
    const y = (await tidy(() => pe.forward(zeros([1, 3, 4]))).toArray()) as number[][][];
    const rows = y[0]!;
    // pos 0: sin 0, cos 0, sin 0, cos 0
    expect(rows[0]).toEqual([0, 1, 0, 1]);
    // pos 1, i = 0: sin(1), cos(1); i = 2: angle 1/10000^(2/4) = 0.01
    expectAllClose(rows[1]!, [Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01)]);
    // pos 2: sin(2), cos(2), sin(0.02), cos(0.02)
    expectAllClose(rows[2]!, [Math.sin(2), Math.cos(2), Math.sin(0.02), Math.cos(0.02)]);
    // A fixed table, not trained, not in the state dict.
    expect(pe.numParameters()).toBe(0);
    expect([...pe.stateDict().keys()]).toEqual([]);
    expect(() => pe.forward(zeros([1, 11, 4]))).toThrow(/T ≤ 10/);
    pe.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import { collapseDims } from './params.js';

/** The offsets a layout visits, in flat order: what collapsing must preserve. */
function offsets(shape: readonly number[], strides: readonly number[]): number[] {
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: size }, (_, i) => {
    let rem = i;
    let off = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      off += (rem % shape[d]!) * strides[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    return off;
  });
}

describe('collapseDims', () => {
  it('merges a causal mask broadcast over batch and heads into two dims', () => {
    const shape = [4, 3, 5, 5];
    const out = [75, 25, 5, 1];
    const mask = [0, 0, 5, 1];
    expect(collapseDims(shape, [mask, out])).toEqual({
      shape: [12, 25],
      strides: [
        [0, 1],
        [25, 1],
      ],
    });
  });

  it('keeps a transpose as it is, and drops size-1 dims', () => {
    const shape = [2, 1, 3, 4];
    const src = [12, 12, 1, 3]; // a transposed view
    const dst = [12, 12, 4, 1];
    const collapsed = collapseDims(shape, [src, dst]);
    expect(collapsed.shape).toEqual([2, 3, 4]);
    for (const [k, strides] of [src, dst].entries())
      expect(offsets(collapsed.shape, collapsed.strides[k]!)).toEqual(offsets(shape, strides));
  });

  it('visits the same offsets as the original layout for random broadcasts', () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let trial = 0; trial < 200; trial++) {
      const rank = 1 + rand(4);
      const shape = Array.from({ length: rank }, () => 1 + rand(3));
      const contiguous = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
      const broadcast = contiguous.map((s) => (rand(2) === 0 ? 0 : s));
      const collapsed = collapseDims(shape, [contiguous, broadcast]);
      expect(offsets(collapsed.shape, collapsed.strides[0]!)).toEqual(offsets(shape, contiguous));
      expect(offsets(collapsed.shape, collapsed.strides[1]!)).toEqual(offsets(shape, broadcast));
    }
  });
});

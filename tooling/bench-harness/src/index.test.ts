import { describe, expect, it } from 'vitest';
import { formatTable, measure, median } from './index.js';

describe('bench-harness', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('runs warm-up plus at least five timed repetitions', async () => {
    let calls = 0;
    const result = await measure(() => calls++, { warmup: 2, repetitions: 3 });
    expect(calls).toBe(7);
    expect(result.samplesMs).toHaveLength(5);
    expect(result.minMs).toBeLessThanOrEqual(result.medianMs);
  });

  it('aligns table columns', () => {
    expect(
      formatTable([
        ['a', 'bb'],
        [100, 2],
      ]),
    ).toBe('a    bb\n---  --\n100  2');
  });
});

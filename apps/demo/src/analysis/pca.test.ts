// pca2 against hand-computed cases: points on a line, and an axis-aligned ellipse whose
// principal axes and variances are known in closed form.
import { describe, expect, it } from 'vitest';
import { pca2 } from './pca.js';

describe('pca2', () => {
  it('puts points on a line onto the first axis with all the variance', () => {
    // Points t·(3, 4) for t = −1, 0, 1: the axis is (0.6, 0.8), coordinates −5, 0, 5.
    const { points, explained } = pca2([
      [-3, -4],
      [0, 0],
      [3, 4],
    ]);
    expect(points.map(([x]) => Math.abs(x))).toEqual(
      [5, 0, 5].map((v) => expect.closeTo(v, 9) as unknown as number),
    );
    for (const [, y] of points) expect(Math.abs(y)).toBeLessThan(1e-9);
    expect(explained[0]).toBeCloseTo(1, 9);
    expect(explained[1]).toBeCloseTo(0, 9);
  });

  it('finds the axes of an ellipse in 3-D, largest first', () => {
    // (±2, 0, 0), (0, ±1, 0) and a constant third coordinate: variances 2, 0.5, 0 (n = 4).
    const rows = [
      [2, 0, 7],
      [-2, 0, 7],
      [0, 1, 7],
      [0, -1, 7],
    ];
    const { points, explained } = pca2(rows);
    expect(points.map(([x, y]) => [Math.abs(x), Math.abs(y)].map((v) => Math.round(v * 1e9) / 1e9))).toEqual([
      [2, 0],
      [2, 0],
      [0, 1],
      [0, 1],
    ]);
    expect(explained[0]).toBeCloseTo(2 / 2.5, 9);
    expect(explained[1]).toBeCloseTo(0.5 / 2.5, 9);
  });
});

// Shape rules every op relies on: NumPy broadcasting (and its error naming the op and the
// dimension), broadcast strides, and axis normalisation.
import { describe, expect, it } from 'vitest';
import { TensorError } from '../errors.js';
import {
  broadcastShapeOf,
  broadcastShapes,
  broadcastStrides,
  normalizeAxes,
  normalizeAxis,
  sizeOf,
  stridesOf,
} from './shape.js';

describe('shapes', () => {
  it('broadcast right-aligned, size-1 dimensions stretching', () => {
    expect(broadcastShapes([2, 1, 3], [4, 1], 'add')).toEqual([2, 4, 3]);
    expect(broadcastShapes([], [5], 'add')).toEqual([5]);
    expect(
      broadcastShapeOf(
        [
          [3, 1],
          [1, 4],
          [2, 1, 1],
        ],
        'where',
      ),
    ).toEqual([2, 3, 4]);
  });

  it('refuse shapes that cannot broadcast, naming the op and the dimension', () => {
    let error: unknown;
    try {
      broadcastShapes([2, 3], [4, 3], 'mul');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TensorError);
    expect((error as TensorError).message).toBe(
      'mul: shapes [2, 3] and [4, 3] cannot be broadcast together (dimension -2 is 2 vs 4)',
    );
  });

  it('strides: row-major, and 0 along broadcast dimensions', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([])).toBe(1);
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
  });

  it('axes: negative axes count from the end; out of range and repeats are errors', () => {
    expect(normalizeAxis(-1, 3, 'sum')).toBe(2);
    expect(normalizeAxis(0, 0, 'sum')).toBe(0);
    expect(normalizeAxes([-1, 0], 3, 'sum')).toEqual([0, 2]);
    expect(normalizeAxes(undefined, 2, 'sum')).toEqual([0, 1]);
    expect(() => normalizeAxis(3, 3, 'sum')).toThrow('sum: axis 3 is out of range for a tensor of rank 3');
    expect(() => normalizeAxes([1, -1], 2, 'sum')).toThrow(/sum: repeated axis/);
  });
});

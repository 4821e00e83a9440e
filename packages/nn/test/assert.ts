// Element-wise closeness for test values against hand-computed expectations.
import { expect } from 'vitest';

export function expectAllClose(actual: ArrayLike<number>, expected: readonly number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(actual[i], `element ${i}`).toBeCloseTo(expected[i]!, digits);
}

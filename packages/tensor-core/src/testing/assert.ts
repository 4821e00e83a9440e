// Framework-free assertions for the conformance suite, so any test runner can host it.

export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

/** |actual − expected| ≤ atol + rtol·|expected| elementwise; NaN only matches NaN. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol, atol }: { rtol: number; atol: number },
  label: string,
): void {
  assert(actual.length === expected.length, `${label}: ${actual.length} values, expected ${expected.length}`);
  const bad: string[] = [];
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const err = Math.abs(a - e);
    const limit = atol + rtol * Math.abs(e);
    if (!(err <= limit)) {
      worst = Math.max(worst, Number.isFinite(err) ? err : Number.POSITIVE_INFINITY);
      if (bad.length < 5) bad.push(`[${i}] got ${a}, expected ${e}`);
    }
  }
  assert(bad.length === 0, `${label}: values differ (max error ${worst}): ${bad.join('; ')}`);
}

export function assertShape(actual: readonly number[], expected: readonly number[], label: string): void {
  assert(
    actual.length === expected.length && actual.every((d, i) => d === expected[i]),
    `${label}: shape [${actual}], expected [${expected}]`,
  );
}

export function assertThrows(fn: () => unknown, pattern: RegExp, label: string): void {
  try {
    fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    assert(pattern.test(message), `${label}: error "${message}" does not match ${pattern}`);
    return;
  }
  throw new ConformanceError(`${label}: expected an error matching ${pattern}, none was thrown`);
}

/** Awaits `fn`, which must reject with an error whose message matches `pattern`. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  pattern: RegExp,
  label: string,
): Promise<void> {
  try {
    await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    assert(pattern.test(message), `${label}: error "${message}" does not match ${pattern}`);
    return;
  }
  throw new ConformanceError(`${label}: expected an error matching ${pattern}, none was thrown`);
}

/** Small seeded generator for test inputs (mulberry32), independent of tensor-core's RNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

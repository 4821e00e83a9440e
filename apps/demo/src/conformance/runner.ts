// A small host for tensor-core's backend conformance suite outside vitest: the suite
// registers its cases through `describe` / `it` (ConformanceHost); this collects them with
// their group names, then runs them one after another, each with a timeout, reporting
// pass or fail per case. No DOM, no Node: it runs in the conformance worker.
import type { ConformanceHost } from '@tensorlm/tensor-core/testing';

export interface CollectedCase {
  /** The describe() groups around it, outermost first. */
  group: string[];
  name: string;
  run: () => Promise<void>;
  timeoutMs: number;
}

export interface CaseResult {
  group: string;
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/** A ConformanceHost that records the cases instead of running them. */
export function collectingHost(defaultTimeoutMs = 60_000): ConformanceHost & { cases: CollectedCase[] } {
  const cases: CollectedCase[] = [];
  const stack: string[] = [];
  return {
    cases,
    describe(name, body) {
      stack.push(name);
      try {
        body();
      } finally {
        stack.pop();
      }
    },
    it(name, body, timeoutMs) {
      cases.push({ group: [...stack], name, run: body, timeoutMs: timeoutMs ?? defaultTimeoutMs });
    },
  };
}

function withTimeout(run: () => Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    run(),
    new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs the cases in order; `onResult` hears each as it ends. */
export async function runCases(
  cases: readonly CollectedCase[],
  onResult: (result: CaseResult, index: number) => void,
  shouldStop: () => boolean = () => false,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const [i, c] of cases.entries()) {
    if (shouldStop()) break;
    const t0 = performance.now();
    let result: CaseResult;
    try {
      await withTimeout(c.run, c.timeoutMs);
      result = { group: c.group.slice(1).join(' › '), name: c.name, ok: true, ms: performance.now() - t0 };
    } catch (error) {
      result = {
        group: c.group.slice(1).join(' › '),
        name: c.name,
        ok: false,
        ms: performance.now() - t0,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    results.push(result);
    onResult(result, i);
  }
  return results;
}

// The conformance runner against a hand-written suite: groups are kept, a failing case
// and a hanging case are reported as failures with their messages, the rest pass, in order.
import { describe, expect, it } from 'vitest';
import { collectingHost, runCases } from './runner.js';

describe('conformance runner', () => {
  it('collects cases with their groups and runs each, reporting pass or fail', async () => {
    const host = collectingHost(50);
    host.describe('suite', () => {
      host.describe('ops', () => {
        host.it('adds', async () => {
          expect(1 + 1).toBe(2);
        });
        host.it('fails', async () => {
          throw new Error('add: got 3, want 2');
        });
      });
      host.it('hangs', () => new Promise(() => {}));
    });
    expect(host.cases.map((c) => [c.group.join('/'), c.name])).toEqual([
      ['suite/ops', 'adds'],
      ['suite/ops', 'fails'],
      ['suite', 'hangs'],
    ]);
    const seen: number[] = [];
    const results = await runCases(host.cases, (_, i) => seen.push(i));
    expect(seen).toEqual([0, 1, 2]);
    expect(results.map((r) => [r.group, r.name, r.ok, r.error])).toEqual([
      ['ops', 'adds', true, undefined],
      ['ops', 'fails', false, 'add: got 3, want 2'],
      ['', 'hangs', false, 'timed out after 50 ms'],
    ]);
  });

  it('stops between cases when asked', async () => {
    const host = collectingHost();
    for (const name of ['a', 'b', 'c']) host.it(name, async () => {});
    let n = 0;
    const results = await runCases(
      host.cases,
      () => n++,
      () => n >= 2,
    );
    expect(results.map((r) => r.name)).toEqual(['a', 'b']);
  });
});

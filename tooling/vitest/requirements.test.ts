// The policy for tests that need a missing resource: fail under CI, skip with a reason elsewhere.
import { describe, expect, it } from 'vitest';
import { requires, requiresWebGPU, underCI } from './requirements.js';

describe('requires', () => {
  it('runs the tests when the resource is there, CI or not', () => {
    expect(requires('x', true, 'hint', { CI: 'true' })).toBe(true);
    expect(requires('x', true, 'hint', {})).toBe(true);
  });

  it('fails loudly under CI when the resource is missing', () => {
    expect(() =>
      requires('the shared data folder', false, 'set TENSORLM_SHARED_DATA', { CI: 'true' }),
    ).toThrow('CI requires the shared data folder, and it is missing: set TENSORLM_SHARED_DATA');
    expect(() => requiresWebGPU(false, { CI: '1' })).toThrow(/CI requires a WebGPU adapter/);
  });

  it('skips with a printed reason elsewhere', () => {
    const lines: string[] = [];
    expect(requires('a WebGPU adapter', false, 'no adapter', {}, (l) => lines.push(l))).toBe(false);
    expect(lines).toEqual([
      'skipping the tests that need a WebGPU adapter (missing: no adapter); under CI this fails',
    ]);
  });

  it('reads CI as CI services set it', () => {
    expect(underCI({ CI: 'true' })).toBe(true);
    expect(underCI({ CI: '1' })).toBe(true);
    expect(underCI({ CI: 'false' })).toBe(false);
    expect(underCI({ CI: '0' })).toBe(false);
    expect(underCI({ CI: '' })).toBe(false);
    expect(underCI({})).toBe(false);
  });
});

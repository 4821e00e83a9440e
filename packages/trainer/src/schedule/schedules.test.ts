// Schedules against values worked out by hand from their definitions.
import { describe, expect, it } from 'vitest';
import { constantLr, scheduleFromConfig, stepDecayLr, warmupCosineLr } from './schedules.js';

describe('lr schedules', () => {
  it('constant', () => {
    const s = constantLr(3e-4);
    expect([0, 1, 1000].map(s)).toEqual([3e-4, 3e-4, 3e-4]);
  });

  it('linear warmup then cosine to minLr (lr 1, min 0.1, warmup 4, decay at 14)', () => {
    const s = warmupCosineLr({ lr: 1, minLr: 0.1, warmupSteps: 4, decaySteps: 14 });
    // warmup: (step + 1) / 4
    expect(s(0)).toBeCloseTo(0.25, 12);
    expect(s(1)).toBeCloseTo(0.5, 12);
    expect(s(2)).toBeCloseTo(0.75, 12);
    expect(s(3)).toBeCloseTo(1, 12);
    // decay: progress (step − 4) / 10
    expect(s(4)).toBeCloseTo(1, 12); // cos 0 = 1
    expect(s(6)).toBeCloseTo(0.1 + 0.45 * (1 + 0.8090169943749475), 12); // cos(0.2π)
    expect(s(9)).toBeCloseTo(0.55, 12); // halfway: (1 + 0.1) / 2
    expect(s(13)).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos(0.9 * Math.PI)), 12);
    expect(s(14)).toBe(0.1);
    expect(s(10_000)).toBe(0.1);
  });

  it('cosine without warmup starts at lr and decays to 0 by default', () => {
    const s = warmupCosineLr({ lr: 2, decaySteps: 4 });
    expect([0, 1, 2, 3, 4].map(s).map((v) => Number(v.toFixed(12)))).toEqual([
      2,
      Number((1 + Math.SQRT1_2).toFixed(12)), // 1 + cos(π/4)
      1,
      Number((1 - Math.SQRT1_2).toFixed(12)),
      0,
    ]);
  });

  it('step decay (StepLR): lr · gamma^⌊step / stepSize⌋', () => {
    const s = stepDecayLr({ lr: 0.1, stepSize: 3, gamma: 0.5 });
    expect([0, 1, 2, 3, 5, 6, 9].map((t) => Number(s(t).toFixed(12)))).toEqual([
      0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.0125,
    ]);
    const warm = stepDecayLr({ lr: 0.1, stepSize: 10, warmupSteps: 2 });
    expect(warm(0)).toBeCloseTo(0.05, 12);
    expect(warm(1)).toBeCloseTo(0.1, 12);
    expect(warm(10)).toBeCloseTo(0.01, 12);
  });

  it('from JSON configs, with errors naming the field', () => {
    expect(scheduleFromConfig({ kind: 'cosine', lr: 1, decaySteps: 2 })(1)).toBeCloseTo(0.5, 12);
    expect(scheduleFromConfig({ kind: 'step', lr: 1, stepSize: 1, gamma: 0.5 })(2)).toBe(0.25);
    expect(scheduleFromConfig({ kind: 'constant', lr: 0.5 })(7)).toBe(0.5);
    expect(() => scheduleFromConfig({ kind: 'cosine', lr: 1, decaySteps: 0 })).toThrow(/decaySteps/);
    expect(() => warmupCosineLr({ lr: 1, minLr: 2, decaySteps: 5 })).toThrow(/minLr/);
    expect(() => warmupCosineLr({ lr: 1, warmupSteps: 6, decaySteps: 5 })).toThrow(/warmupSteps/);
    expect(() => scheduleFromConfig({ kind: 'linear' } as never)).toThrow(/kind/);
    expect(() => constantLr(1)(-1)).toThrow(/step/);
  });
});

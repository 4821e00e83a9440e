// GELU (exact and tanh), ReLU, Tanh and Dropout against their definitions.
import '@tensorlm/backend-cpu';
import { tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { expectAllClose } from '../../test/assert.js';
import { activationModule, GELU, ReLU, Tanh } from './activations.js';
import { Dropout } from './dropout.js';

describe('activations', () => {
  it('GELU exact is x·Φ(x); the tanh form is GPT-2 gelu_new', async () => {
    const x = tensor([-1, 0, 1, 2]);
    const exact = tidy(() => new GELU().forward(x));
    const approx = tidy(() => new GELU({ approximate: 'tanh' }).forward(x));
    // Φ(1) = 0.841344746…, Φ(2) = 0.977249868…
    const e = await exact.data();
    expectAllClose(e, [-(1 - 0.8413447460685429), 0, 0.8413447460685429, 2 * 0.9772498680518208]);
    // 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) at 1: 0.841191990…
    expect((await approx.data())[2]).toBeCloseTo(0.8411919906082768, 6);
    expect(new GELU({ approximate: 'tanh' }).toString()).toBe("GELU(approximate='tanh')");
  });

  it('ReLU, Tanh and the HF activation names', async () => {
    const x = tensor([-2, 0.5]);
    expect(await tidy(() => new ReLU().forward(x)).toArray()).toEqual([0, 0.5]);
    const t = await tidy(() => new Tanh().forward(x)).data();
    expect(t[0]).toBeCloseTo(Math.tanh(-2), 6);
    expect(activationModule('gelu_new').toString()).toBe("GELU(approximate='tanh')");
    expect(activationModule('gelu').toString()).toBe("GELU(approximate='none')");
    expect(new ReLU().toString()).toBe('ReLU()');
  });
});

describe('Dropout', () => {
  it('in training zeroes about p of the elements and scales the rest by 1/(1−p)', async () => {
    const drop = new Dropout(0.25);
    const y = await tidy(() => drop.forward(tensor(new Float32Array(4000).fill(1), [4000]))).data();
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / 4000).toBeGreaterThan(0.22);
    expect(zeros / 4000).toBeLessThan(0.28);
    expect(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
  });

  it('is the identity in eval mode', async () => {
    const drop = new Dropout(0.9).eval();
    expect(await tidy(() => drop.forward(tensor([1, 2, 3]))).toArray()).toEqual([1, 2, 3]);
    expect(() => new Dropout(1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
  });
});

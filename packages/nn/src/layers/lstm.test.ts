// LSTM against PyTorch's gate equations evaluated in f64.
import '@tensorlm/backend-cpu';
import { manualSeed, randn, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../test/reference.js';
import { LSTM } from './lstm.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('LSTM', () => {
  it('matches the PyTorch LSTM equations (gates i, f, g, o) computed in f64', async () => {
    manualSeed(2);
    const inputSize = 3;
    const hidden = 4;
    const lstm = new LSTM(inputSize, hidden);
    expect(lstm.namedParameters().map(([n, p]) => `${n} [${p.shape.join(', ')}]`)).toEqual([
      'weight_ih_l0 [16, 3]',
      'weight_hh_l0 [16, 4]',
      'bias_ih_l0 [16]',
      'bias_hh_l0 [16]',
    ]);
    const x = randn([2, 5, inputSize], { seed: 3 });
    const out = tidy(() => lstm.forward(x));
    expect(out.output.shape).toEqual([2, 5, hidden]);
    expect(out.h.shape).toEqual([1, 2, hidden]);
    const [wih, whh, bih, bhh, xs] = await Promise.all(
      [
        lstm.namedParameters()[0]![1],
        lstm.namedParameters()[1]![1],
        lstm.namedParameters()[2]![1],
        lstm.namedParameters()[3]![1],
        x,
      ].map(async (t) => Float64Array.from(await t.data())),
    );
    const expected: number[] = [];
    const finalH: number[] = [];
    const finalC: number[] = [];
    for (let b = 0; b < 2; b++) {
      let h = new Float64Array(hidden);
      let c = new Float64Array(hidden);
      const outputs: number[][] = [];
      for (let t = 0; t < 5; t++) {
        const gates = Array.from({ length: 4 * hidden }, (_, r) => {
          let s = bih![r]! + bhh![r]!;
          for (let i = 0; i < inputSize; i++)
            s += wih![r * inputSize + i]! * xs![(b * 5 + t) * inputSize + i]!;
          for (let j = 0; j < hidden; j++) s += whh![r * hidden + j]! * h[j]!;
          return s;
        });
        const nc = new Float64Array(hidden);
        const nh = new Float64Array(hidden);
        for (let j = 0; j < hidden; j++) {
          const ig = sigmoid(gates[j]!);
          const fg = sigmoid(gates[hidden + j]!);
          const gg = Math.tanh(gates[2 * hidden + j]!);
          const og = sigmoid(gates[3 * hidden + j]!);
          nc[j] = fg * c[j]! + ig * gg;
          nh[j] = og * Math.tanh(nc[j]!);
        }
        h = nh;
        c = nc;
        outputs.push([...h]);
      }
      expected.push(...outputs.flat());
      finalH.push(...h);
      finalC.push(...c);
    }
    expect(maxAbsDiff(await out.output.data(), expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out.h.data(), finalH)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out.c.data(), finalC)).toBeLessThan(1e-5);
    // Continuing from the returned state equals running the longer sequence at once.
    const first = tidy(() => lstm.forward(x.narrow(1, 0, 2)));
    const rest = tidy(() => lstm.forward(x.narrow(1, 2, 3), { h: first.h, c: first.c }));
    expect(maxAbsDiff(await rest.h.data(), finalH)).toBeLessThan(1e-5);
    expect(lstm.toString()).toBe('LSTM(3, 4, batch_first=True)');
    lstm.dispose();
  });
});

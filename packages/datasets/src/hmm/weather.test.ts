import '@tensorlm/backend-cpu';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../loader/data-loader.js';
import { Rng } from '../random/rng.js';
import { SEED_WEATHER_HMM, WeatherHmmDataset } from './weather.js';

describe('WeatherHmmDataset (LxMLS)', () => {
  const ds = new WeatherHmmDataset({ seed: 0 });

  it('uses the seed vocabulary: the seed notebook example decodes as printed there', () => {
    expect(ds.vocabSize).toBe(8);
    expect(ds.blockSize).toBe(11);
    expect(ds.decodeObservations([0, 0, 2, 4, 2, 1])).toEqual([
      'clean',
      'clean',
      'shop',
      'walk',
      'shop',
      'read',
    ]);
    expect(ds.decodeStates([7, 5, 5, 7, 6, 7])).toEqual([
      'sunny',
      'rainy',
      'rainy',
      'sunny',
      'snowy',
      'sunny',
    ]);
  });

  it('formats observations then states, with targets -1 until the first state', () => {
    for (let i = 0; i < 50; i++) {
      const { observations, states } = ds.sequence(i);
      const { input, target } = ds.get(i);
      expect(input.length).toBe(11);
      expect([...input]).toEqual([...observations, ...states].slice(0, -1));
      expect([...target]).toEqual([-1, -1, -1, -1, -1, ...states]);
      for (const o of observations) expect(o >= 0 && o < 5).toBe(true);
      for (const s of states) expect(s >= 5 && s < 8).toBe(true);
    }
  });

  it('draws from the seed probabilities (checked against the exact marginals)', () => {
    const rng = new Rng(99);
    const { initial, transition, emission } = SEED_WEATHER_HMM;
    const n = 20_000;
    const first = [0, 0, 0];
    const trans = [0, 1, 2].map(() => [0, 0, 0]);
    const emit = [0, 1, 2].map(() => [0, 0, 0, 0, 0]);
    for (let i = 0; i < n; i++) {
      const { observations, states } = ds.generate(rng);
      first[states[0]! - 5]!++;
      states.forEach((s, t) => {
        emit[s - 5]![observations[t]!]!++;
        if (t > 0) trans[states[t - 1]! - 5]![s - 5]!++;
      });
    }
    // The seed draws a state from `initial`, then the first emitted state from its transition row.
    for (let s = 0; s < 3; s++) {
      const exact = initial.reduce((acc, p, s0) => acc + p * transition[s0]![s]!, 0);
      expect(Math.abs(first[s]! / n - exact)).toBeLessThan(0.012);
      const rowT = trans[s]!.reduce((a, b) => a + b, 0);
      trans[s]!.forEach((c, s2) => {
        expect(Math.abs(c / rowT - transition[s]![s2]!)).toBeLessThan(0.012);
      });
      const rowE = emit[s]!.reduce((a, b) => a + b, 0);
      emit[s]!.forEach((c, o) => {
        if (emission[s]![o] === 0) expect(c).toBe(0);
        else expect(Math.abs(c / rowE - emission[s]![o]!)).toBeLessThan(0.012);
      });
    }
  });

  it('splits by a fixed hash of the observations (a quarter test), deterministically per index', async () => {
    const train = new WeatherHmmDataset({ split: 'train', size: 200, seed: 1 });
    const test = new WeatherHmmDataset({ split: 'test', size: 200, seed: 1 });
    for (let i = 0; i < 200; i++) {
      expect(WeatherHmmDataset.splitOf(train.sequence(i).observations)).toBe('train');
      expect(WeatherHmmDataset.splitOf(test.sequence(i).observations)).toBe('test');
    }
    const rng = new Rng(5);
    let tests = 0;
    for (let i = 0; i < 8000; i++)
      if (WeatherHmmDataset.splitOf(ds.generate(rng).observations) === 'test') tests++;
    expect(Math.abs(tests / 8000 - 0.25)).toBeLessThan(0.03);
    expect(train.get(3)).toEqual(train.get(3));
    expect(new WeatherHmmDataset({ seed: 2 }).sequence(0)).not.toEqual(
      new WeatherHmmDataset({ seed: 3 }).sequence(0),
    );
    // Batches for training: [B, 11] inputs and targets.
    for await (const { input, target } of new DataLoader(train, { batchSize: 32, shuffle: true })) {
      expect([input.shape, target.shape, target.dtype]).toEqual([[32, 11], [32, 11], 'i32']);
      input.dispose();
      target.dispose();
      break;
    }
  });

  it('names a bad HMM', () => {
    const bad = structuredClone(SEED_WEATHER_HMM);
    bad.transition[1] = [0.4, 0.2, 0.35];
    expect(() => new WeatherHmmDataset({ hmm: bad })).toThrow(/transition row 1 \(snowy\) sums to 0.95/);
    const short = structuredClone(SEED_WEATHER_HMM);
    short.emission[0] = [0.5, 0.5];
    expect(() => new WeatherHmmDataset({ hmm: short })).toThrow(
      /emission row 0 \(rainy\) has 2 entries, expected 5/,
    );
    expect(() => new WeatherHmmDataset({ seqLen: 1 })).toThrow(/WeatherHmmDataset options: seqLen/);
    expect(() => new WeatherHmmDataset({ hmm: { ...SEED_WEATHER_HMM, initial: [1] } })).toThrow(
      /initial has 1 entries for 3 states/,
    );
  });
});

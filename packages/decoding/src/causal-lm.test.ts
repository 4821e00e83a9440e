// The GPT2LMHeadModel adapter against nn's own forward (the reference): same logits
// without padding, the last row for `lastOnly`, the same logits through the cache, and
// for a left-padded row with mask + position ids the same logits as the row alone.
import '@tensorlm/backend-cpu';
import { noGrad, setBackend, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyGpt } from '../test/helpers.js';
import { asCausalLM, disposePast, GPT2CausalLM } from './causal-lm.js';
import { DecodingError } from './errors.js';

beforeAll(async () => {
  await setBackend('cpu');
});

async function read(make: () => Tensor): Promise<Float32Array> {
  const t = noGrad(() => tidy(make));
  const out = (await t.data()) as Float32Array;
  t.dispose();
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const ids = (rows: number[][]) => tensor(rows, { dtype: 'i32' });

describe('GPT2CausalLM', () => {
  const model = tinyGpt({ vocabSize: 29, blockSize: 16 });
  const lm = new GPT2CausalLM(model);
  const rows = [
    [3, 7, 1, 22, 0, 9],
    [5, 5, 18, 2, 11, 4],
  ];

  it('reports the vocabulary and block size of the config', () => {
    expect(lm.vocabSize).toBe(29);
    expect(lm.blockSize).toBe(16);
    expect(asCausalLM(model)).toBeInstanceOf(GPT2CausalLM);
  });

  it('gives the logits of GPT2LMHeadModel.forward, and the last row alone with lastOnly', async () => {
    const expected = await read(() => model.forward(ids(rows)).logits);
    expect(maxDiff(await read(() => lm.forward(ids(rows)).logits), expected)).toBeLessThan(1e-5);
    const last = await read(() => lm.forward(ids(rows), { lastOnly: true }).logits);
    const expectedLast = [...expected.slice(5 * 29, 6 * 29), ...expected.slice(11 * 29, 12 * 29)];
    expect(maxDiff(last, expectedLast)).toBeLessThan(1e-5);
  });

  it('continues from its cache with the logits of a full pass', async () => {
    const full = await read(() => model.forward(ids(rows)).logits);
    const first = noGrad(() => lm.forward(ids(rows.map((r) => r.slice(0, 4))), { useCache: true }));
    const second = await read(
      () => lm.forward(ids(rows.map((r) => r.slice(4))), { past: first.past }).logits,
    );
    const expected = [...full.slice(4 * 29, 6 * 29), ...full.slice(10 * 29, 12 * 29)];
    expect(maxDiff(second, expected)).toBeLessThan(1e-5);
    first.logits.dispose();
    disposePast(lm, first.past);
  });

  it('with a left-padded row, mask and position ids give the logits of the row alone', async () => {
    const alone = await read(() => lm.forward(ids([[4, 8, 15]]), { lastOnly: true }).logits);
    const padded = await read(
      () =>
        lm.forward(ids([[0, 0, 4, 8, 15]]), {
          attentionMask: ids([[0, 0, 1, 1, 1]]),
          positionIds: ids([[0, 0, 0, 1, 2]]),
          lastOnly: true,
        }).logits,
    );
    expect(maxDiff(padded, alone)).toBeLessThan(1e-5);
  });

  it('turns dropout off while it runs and restores training mode', async () => {
    const dropping = tinyGpt({ vocabSize: 29, blockSize: 16, dropout: 0.5 });
    const reference = await read(() => dropping.forward(ids(rows)).logits); // eval mode
    dropping.train();
    const noisy = await read(() => dropping.forward(ids(rows)).logits);
    expect(maxDiff(noisy, reference)).toBeGreaterThan(1e-3); // dropout is really on
    const out = await read(() => new GPT2CausalLM(dropping).forward(ids(rows)).logits);
    expect(maxDiff(out, reference)).toBe(0);
    expect(dropping.training).toBe(true);
  });

  it('rejects windows past the block size and non-models, with a clear error', () => {
    expect(() => lm.forward(ids([new Array(17).fill(1)]))).toThrow(/17 positions .* exceed blockSize 16/);
    expect(() => asCausalLM({} as never)).toThrow(DecodingError);
  });
});

// The KV cache appended in place (nn's `cacheCapacity`, which `generate` asks for): one
// step writes its keys and values into buffers allocated once, on the CPU backend and on
// WebGPU. Checked against hand values (assign at a position), against the exact-size
// cache that concatenates each step (logits per step), and through generate against the
// minGPT reference; the buffers must stay the same tensors step after step, be regrown
// when full, and be freed at the end.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import type { LayerPast } from '@tensorlm/nn';
import {
  assign,
  type Backend,
  initBackend,
  memory,
  noGrad,
  setBackend,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresWebGPU } from '../../../tooling/vitest/requirements.js';
import { referenceGreedy, tinyGpt } from '../test/helpers.js';
import { disposeReplacedPast, GPT2CausalLM } from './causal-lm.js';
import { generate } from './generate.js';

const webgpu = requiresWebGPU(
  await initBackend('webgpu').then(
    () => true,
    () => false,
  ),
);
const backends = webgpu ? ['cpu', 'webgpu'] : ['cpu'];

afterAll(async () => {
  await setBackend('cpu');
});

describe.each(backends)('KV cache appended in place on %s', (name) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await setBackend(name).then(() => initBackend(name));
  });

  it('assign writes a step at its position along an axis and leaves the rest', async () => {
    const cache = zeros([2, 4, 2], { backend }); // (heads, positions, size)
    // Every temporary freed here: later tests count live tensors.
    tidy(() => {
      assign(cache, tensor([1, 2, 3, 4], [2, 1, 2], { backend }), { axis: 1, start: 2 });
      assign(cache, tensor([5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 2], { backend }), { axis: -2, start: 0 });
      expect(() => assign(cache, zeros([2, 1, 3], { backend }), { axis: 1, start: 0 })).toThrow(
        /outside axis 1/,
      );
      expect(() => assign(cache, zeros([2, 2, 2], { backend }), { axis: 1, start: 3 })).toThrow(
        /out of range/,
      );
    });
    expect(Array.from(await cache.data())).toEqual([5, 6, 7, 8, 1, 2, 0, 0, 9, 10, 11, 12, 3, 4, 0, 0]);
    cache.dispose();
  });

  it('each step gives the logits of the concatenating cache, in the same buffers until they are full', async () => {
    const model = tinyGpt({ vocabSize: 37, blockSize: 64 });
    const lm = new GPT2CausalLM(model);
    const ids = (values: number[]) => tensor(values, [1, values.length], { dtype: 'i32', backend });
    const run = (past: LayerPast[] | null, values: number[], capacity: number) =>
      noGrad(() =>
        tidy(() => {
          const out = lm.forward(ids(values), {
            past,
            useCache: true,
            cacheCapacity: capacity,
            lastOnly: true,
          });
          for (const layer of out.past ?? []) {
            layer.key.keep();
            layer.value.keep();
          }
          return out;
        }),
      );
    const before = memory().numTensors;
    const prompt = [3, 1, 4, 1];
    let exact = run(null, prompt, 0);
    let inPlace = run(null, prompt, 8); // room for 4 steps, then regrown (doubled to 16)
    const buffers: Tensor[] = [];
    for (let step = 0; step < 7; step++) {
      const [a, b] = await Promise.all([exact.logits.data(), inPlace.logits.data()]);
      for (let i = 0; i < a.length; i++) expect(Math.abs(Number(a[i]) - Number(b[i]))).toBeLessThan(1e-4);
      buffers.push(inPlace.past![0]!.key);
      expect(inPlace.past![0]!.length).toBe(4 + step);
      const token = (step * 7) % 37;
      const nextExact = run(exact.past, [token], 0);
      const nextInPlace = run(inPlace.past, [token], 8);
      disposeReplacedPast(lm, exact.past, nextExact.past);
      disposeReplacedPast(lm, inPlace.past, nextInPlace.past);
      exact.logits.dispose();
      inPlace.logits.dispose();
      exact = nextExact;
      inPlace = nextInPlace;
    }
    // 8 positions: the prompt's 4 and 4 steps in the first buffers, then one buffer of 16.
    expect(buffers[0]!.shape[2]).toBe(8);
    for (const step of [1, 2, 3, 4]) expect(buffers[step]).toBe(buffers[0]);
    expect(buffers[5]).not.toBe(buffers[0]);
    expect(buffers[5]!.shape[2]).toBe(16);
    expect(buffers[6]).toBe(buffers[5]);
    for (const out of [exact, inPlace]) {
      out.logits.dispose();
      disposeReplacedPast(lm, out.past, null);
    }
    expect(memory().numTensors).toBe(before);
    model.dispose(); // not left to the finalizer, which would change later counts
  });

  it('returns the attention weights over the valid keys only, as the concatenating cache does', async () => {
    const model = tinyGpt({ vocabSize: 37, blockSize: 64 });
    const ids = (values: number[]) => tensor(values, [1, values.length], { dtype: 'i32', backend });
    const [exact, inPlace] = await Promise.all(
      [0, 8].map((capacity) => {
        const weights = noGrad(() =>
          tidy(() => {
            const first = model.forward(ids([3, 1, 4]), { useCache: true, cacheCapacity: capacity });
            const next = model.forward(ids([1]), {
              pastKeyValues: first.pastKeyValues,
              useCache: true,
              cacheCapacity: capacity,
              outputAttentions: true,
            });
            return next.attentions![0]!;
          }),
        );
        return weights.data().then((values) => {
          const shape = weights.shape;
          weights.dispose();
          return { shape, values: Array.from(values) };
        });
      }),
    );
    expect(inPlace!.shape).toEqual([1, 3, 1, 4]); // (B, nh, T, S)
    expect(exact!.shape).toEqual(inPlace!.shape);
    for (let i = 0; i < exact!.values.length; i++)
      expect(Math.abs(exact!.values[i]! - inPlace!.values[i]!)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('rounds buffers up to a multiple of 8 positions, never past blockSize', () => {
    const model = tinyGpt({ vocabSize: 37, blockSize: 12 });
    const ids = tensor([[1, 2, 3]], { dtype: 'i32', backend });
    const lengths = noGrad(() =>
      tidy(() =>
        [5, 9].map((capacity) => {
          const out = model.forward(ids, { useCache: true, cacheCapacity: capacity });
          return out.pastKeyValues![0]!.key.shape[2];
        }),
      ),
    );
    expect(lengths).toEqual([8, 12]);
    ids.dispose();
    model.dispose();
  });

  it('refuses to append in place where gradients are recorded (they would stop at the cache)', () => {
    const model = tinyGpt({ vocabSize: 37, blockSize: 64 });
    const ids = tensor([[1, 2, 3]], { dtype: 'i32', backend });
    expect(() => tidy(() => model.forward(ids, { useCache: true, cacheCapacity: 8 }))).toThrow(/noGrad/);
    ids.dispose();
    model.dispose();
  });

  it('generate (which appends in place) gives the reference tokens for one prompt and for left-padded ones', async () => {
    const model = tinyGpt({ vocabSize: 37, blockSize: 64, seed: 5 });
    const before = memory().numTensors;
    const prompt = [2, 7, 1, 8];
    const expected = await referenceGreedy(model, prompt, 30);
    expect((await generate(model, prompt, { maxNewTokens: 30 })).sequences).toEqual([expected]);
    // 70 new tokens: the buffers start at 64 positions and are regrown (doubled) on the way.
    const long = tinyGpt({ vocabSize: 37, blockSize: 128, seed: 5 });
    const longExpected = await referenceGreedy(long, prompt, 70);
    expect((await generate(long, prompt, { maxNewTokens: 70 })).sequences).toEqual([longExpected]);
    long.dispose();
    const prompts = [
      [5, 3],
      [9, 9, 2, 6, 5],
    ];
    const separately = await Promise.all(prompts.map((p) => referenceGreedy(model, p, 12)));
    expect((await generate(model, prompts, { maxNewTokens: 12 })).sequences).toEqual(separately);
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });
});

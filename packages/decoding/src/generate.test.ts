// generate / generateStream on the CPU backend with a small random GPT. The reference
// for greedy decoding is minGPT's loop written out in test/helpers.ts (nn's forward on
// the cropped window, argmax in plain JS): the KV cache, cropping and batching must
// all reproduce it token for token.
import '@tensorlm/backend-cpu';
import type { LayerPast } from '@tensorlm/nn';
import { manualSeed, memory, setBackend, type Tensor, tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceGreedy, tinyGpt } from '../test/helpers.js';
import { type CausalLM, type CausalLMForwardOptions, GPT2CausalLM } from './causal-lm.js';
import { DecodingError } from './errors.js';
import { generate, generateStream } from './generate.js';
import type { GenerationStep } from './options.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const model = tinyGpt({ vocabSize: 37, blockSize: 64 });
const small = tinyGpt({ vocabSize: 37, blockSize: 12, seed: 3 });

function errorOf(fn: () => Promise<unknown>): Promise<DecodingError> {
  return fn().then(
    () => {
      throw new Error('expected a DecodingError');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(DecodingError);
      return error as DecodingError;
    },
  );
}

describe('greedy decoding', () => {
  it('with the KV cache gives the tokens of full recomputation and of the minGPT reference (50 tokens)', async () => {
    const prompt = [1, 2, 3, 4];
    const expected = await referenceGreedy(model, prompt, 50);
    const cached = await generate(model, prompt, { maxNewTokens: 50 });
    const full = await generate(model, prompt, { maxNewTokens: 50, useCache: false });
    expect(new Set(expected.slice(4)).size).toBeGreaterThan(5); // the model does not just repeat itself
    expect(cached.sequences).toEqual([expected]);
    expect(full.sequences).toEqual([expected]);
    expect(cached.newTokens).toEqual([expected.slice(4)]);
    expect(cached.finishReasons).toEqual(['length']);
  });

  it('crops the context to the last blockSize tokens, with and without the cache', async () => {
    const prompt = [5, 9, 2, 30, 7];
    const expected = await referenceGreedy(small, prompt, 30); // 35 tokens through a block of 12
    expect((await generate(small, prompt, { maxNewTokens: 30 })).sequences).toEqual([expected]);
    expect((await generate(small, prompt, { maxNewTokens: 30, useCache: false })).sequences).toEqual([
      expected,
    ]);
  });

  it('crops a prompt that is already longer than the block', async () => {
    const prompt = Array.from({ length: 20 }, (_, i) => (i * 5) % 37);
    const expected = await referenceGreedy(small, prompt, 6);
    expect((await generate(small, prompt, { maxNewTokens: 6 })).sequences).toEqual([expected]);
  });

  it('batches prompts of different lengths with left padding: each row as if alone', async () => {
    const prompts = [[4, 8, 15], [16, 23, 42 % 37, 1, 9, 9, 2], [30], [7, 7]];
    for (const [m, steps] of [
      [model, 25],
      [small, 20], // crosses the block of 12: cropping with padded rows
    ] as const) {
      const alone = await Promise.all(prompts.map((p) => referenceGreedy(m, p, steps)));
      expect((await generate(m, prompts, { maxNewTokens: steps })).sequences).toEqual(alone);
      expect((await generate(m, prompts, { maxNewTokens: steps, useCache: false })).sequences).toEqual(alone);
    }
  });

  it('applies the repetition penalty as the reference does, to batched rows too', async () => {
    const prompts = [
      [1, 2, 3, 4],
      [9, 9],
    ];
    const expected = await Promise.all(prompts.map((p) => referenceGreedy(model, p, 20, 1.8)));
    const plain = await referenceGreedy(model, prompts[0]!, 20);
    expect(expected[0]).not.toEqual(plain); // the penalty changes the greedy path
    const out = await generate(model, prompts, { maxNewTokens: 20, repetitionPenalty: 1.8 });
    expect(out.sequences).toEqual(expected);
  });

  it('accepts a padded tensor with an attention mask (padding on either side)', async () => {
    const expected = (
      await generate(
        model,
        [
          [4, 8, 15],
          [16, 23],
        ],
        { maxNewTokens: 8 },
      )
    ).sequences;
    const ids = tensor(
      [
        [4, 8, 15],
        [16, 23, 0],
      ],
      { dtype: 'i32' },
    );
    const mask = [
      [1, 1, 1],
      [1, 1, 0],
    ];
    expect((await generate(model, ids, { maxNewTokens: 8, attentionMask: mask })).sequences).toEqual(
      expected,
    );
    ids.dispose();
  });
});

describe('stopping', () => {
  it('stops a sequence at its EOS token, which is kept; finished rows then get pad', async () => {
    const prompts = [[1, 2, 3, 4], [9]];
    const free = (await generate(model, prompts, { maxNewTokens: 12 })).newTokens;
    // An EOS id that one row reaches before the other (which then keeps going).
    const at = (row: number[], id: number) => (row.includes(id) ? row.indexOf(id) : 99);
    const eos = [...new Set(free.flat())].find((id) => Math.abs(at(free[0]!, id) - at(free[1]!, id)) >= 2)!;
    expect(eos).toBeDefined();
    const ends = free.map((row) => at(row, eos));
    const early = ends[0]! < ends[1]! ? 0 : 1;
    const steps: GenerationStep[] = [];
    const out = await generate(model, prompts, {
      maxNewTokens: 12,
      eosTokenId: eos,
      padTokenId: 0,
      onToken: (s) => {
        steps.push(s);
      },
    });
    free.forEach((row, r) => {
      const expected = ends[r]! < 99 ? row.slice(0, ends[r]! + 1) : row;
      expect(out.newTokens[r]).toEqual(expected);
      expect(out.finishReasons[r]).toBe(ends[r]! < 99 ? 'eos' : 'length');
    });
    // After the early row finished, its stream shows the pad id while the other row goes on.
    const done = ends[early]!;
    expect(steps[done]!.finished[early]).toBe(true);
    expect(steps[done]!.finished[1 - early]).toBe(false);
    expect(steps[done + 1]!.tokens[early]).toBe(0);
    expect(steps[done + 1]!.tokens[1 - early]).toBe(free[1 - early]![done + 1]);
    // Hugging Face's padded layout: left padding, prompt, new tokens, then pad.
    const width = out.paddedSequences[0]!.length;
    expect(out.paddedSequences[1]!.length).toBe(width);
    const row = out.paddedSequences[early]!;
    expect(row.slice(width - (steps.length - done - 1))).toEqual(new Array(steps.length - done - 1).fill(0));
  });

  it('ends early when every sequence has finished, and accepts a list of EOS ids', async () => {
    const free = await generate(model, [1, 2, 3, 4], { maxNewTokens: 10 });
    const [a, b] = [free.newTokens[0]![2]!, free.newTokens[0]![5]!];
    const out = await generate(model, [1, 2, 3, 4], { maxNewTokens: 10, eosTokenId: [b, a] });
    const stop = Math.min(free.newTokens[0]!.indexOf(a), free.newTokens[0]!.indexOf(b));
    expect(out.newTokens[0]).toEqual(free.newTokens[0]!.slice(0, stop + 1));
    expect(out.sequences[0]!.length).toBe(4 + stop + 1);
  });

  it('minNewTokens keeps EOS from being chosen before then', async () => {
    const free = await generate(model, [1, 2, 3, 4], { maxNewTokens: 10 });
    const eos = free.newTokens[0]![0]!;
    const out = await generate(model, [1, 2, 3, 4], { maxNewTokens: 10, eosTokenId: eos, minNewTokens: 4 });
    expect(out.newTokens[0]!.slice(0, 4)).not.toContain(eos);
    expect(out.newTokens[0]!.length).toBeGreaterThanOrEqual(4);
  });
});

describe('sampling', () => {
  it('the same seed gives the same sequences, another seed other ones', async () => {
    const options = { maxNewTokens: 20, doSample: true, temperature: 1.2, topK: 10, topP: 0.95 };
    const a = await generate(model, [[1, 2], [3]], { ...options, seed: 11 });
    const b = await generate(model, [[1, 2], [3]], { ...options, seed: 11 });
    const c = await generate(model, [[1, 2], [3]], { ...options, seed: 12 });
    expect(b.sequences).toEqual(a.sequences);
    expect(c.sequences).not.toEqual(a.sequences);
    const uncached = await generate(model, [[1, 2], [3]], { ...options, seed: 11, useCache: false });
    expect(uncached.sequences).toEqual(a.sequences);
  });

  it('without a seed, draws from the global stream (manualSeed)', async () => {
    manualSeed(5);
    const a = await generate(model, [1, 2], { maxNewTokens: 10, doSample: true });
    manualSeed(5);
    const b = await generate(model, [1, 2], { maxNewTokens: 10, doSample: true });
    expect(b.sequences).toEqual(a.sequences);
  });

  it('numReturnSequences gives n different continuations per prompt, grouped by prompt', async () => {
    const out = await generate(model, [[1, 2, 3], [20]], {
      maxNewTokens: 12,
      doSample: true,
      numReturnSequences: 3,
      seed: 2,
    });
    expect(out.sequences).toHaveLength(6);
    expect(out.promptIndices).toEqual([0, 0, 0, 1, 1, 1]);
    out.sequences.forEach((s, i) => {
      expect(s.slice(0, i < 3 ? 3 : 1)).toEqual(i < 3 ? [1, 2, 3] : [20]);
      expect(s).toHaveLength((i < 3 ? 3 : 1) + 12);
    });
    expect(new Set(out.newTokens.slice(0, 3).map((t) => t.join())).size).toBe(3);
    expect(new Set(out.newTokens.slice(3).map((t) => t.join())).size).toBe(3);
  });

  it('temperature 0 with doSample is greedy', async () => {
    const greedy = await generate(model, [1, 2, 3], { maxNewTokens: 10 });
    const cold = await generate(model, [1, 2, 3], { maxNewTokens: 10, doSample: true, temperature: 0 });
    expect(cold.sequences).toEqual(greedy.sequences);
  });
});

describe('streaming', () => {
  it('yields one event per new token with the tokens of the final output', async () => {
    const stream = generateStream(model, [[1, 2, 3], [4]], { maxNewTokens: 7 });
    const events: GenerationStep[] = [];
    let result = await stream.next();
    while (!result.done) {
      events.push(result.value);
      result = await stream.next();
    }
    expect(events.map((e) => e.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events.map((e) => e.tokens[0])).toEqual(result.value.newTokens[0]);
    expect(events.map((e) => e.tokens[1])).toEqual(result.value.newTokens[1]);
  });

  it('stops and frees everything when the consumer breaks out', async () => {
    const before = memory();
    let seen = 0;
    for await (const _ of generateStream(model, [1, 2, 3], { maxNewTokens: 50 })) {
      if (++seen === 5) break;
    }
    expect(seen).toBe(5);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().device.bytesInUse).toBe(before.device.bytesInUse);
  });

  it('stops with the abort reason when its signal fires', async () => {
    const controller = new AbortController();
    const run = generate(model, [1, 2, 3], {
      maxNewTokens: 50,
      signal: controller.signal,
      onToken: (s) => {
        if (s.step === 2) controller.abort(new Error('user stop'));
      },
    });
    await expect(run).rejects.toThrow('user stop');
  });
});

describe('memory', () => {
  it('stays flat over a long generation: constant tensors per step, all freed at the end', async () => {
    const before = memory();
    for (const useCache of [true, false]) {
      const tensors: number[] = [];
      const bytes: number[] = [];
      await generate(small, [1, 2, 3], {
        maxNewTokens: 60, // past the block of 12: the cached phase, then recomputation
        useCache,
        onToken: () => {
          tensors.push(memory().numTensors);
          bytes.push(memory().device.bytesInUse);
        },
      });
      // While the cache grows (steps 0–7) its tensor count is fixed; later, bytes too.
      expect(new Set(tensors.slice(0, 8)).size).toBe(1);
      expect(new Set(tensors.slice(10)).size).toBe(1);
      expect(new Set(bytes.slice(10)).size).toBe(1);
      expect(memory().numTensors).toBe(before.numTensors);
      expect(memory().device.bytesInUse).toBe(before.device.bytesInUse);
    }
  });
});

describe('other models', () => {
  /** A toy CausalLM without a cache or padding support: it predicts the length of its window. */
  class WindowLength implements CausalLM {
    readonly vocabSize = 10;
    readonly blockSize = 4;
    readonly calls: number[] = [];
    forward(ids: Tensor, options: CausalLMForwardOptions = {}) {
      expect(options.past ?? null).toBeNull();
      const [b, t] = ids.shape as [number, number];
      this.calls.push(t);
      const logits = new Float32Array(b * t * 10);
      for (let i = 0; i < b * t; i++) logits[i * 10 + ((i % t) + 1)] = 5; // position j predicts j + 1
      return { logits: tensor(logits, [b, t, 10]), past: null };
    }
  }

  it('plugs any CausalLM in; without a cache it recomputes the cropped window each step', async () => {
    const lm = new WindowLength();
    const out = await generate(lm, [7, 8], { maxNewTokens: 4 });
    expect(lm.calls).toEqual([2, 3, 4, 4]); // grows to the block of 4, then stays cropped
    expect(out.newTokens).toEqual([[2, 3, 4, 4]]);
  });

  it('keeps and frees a cache wrapped in a class instance', async () => {
    class Box {
      constructor(readonly layers: LayerPast[]) {}
    }
    const inner = new GPT2CausalLM(model);
    const boxed: CausalLM<Box> = {
      vocabSize: inner.vocabSize,
      blockSize: inner.blockSize,
      forward: (ids, o = {}) => {
        const out = inner.forward(ids, { ...o, past: o.past?.layers ?? null });
        return { logits: out.logits, past: out.past ? new Box(out.past) : null };
      },
    };
    const before = memory().numTensors;
    const expected = await generate(model, [[1, 2, 3], [4]], { maxNewTokens: 15 });
    expect((await generate(boxed, [[1, 2, 3], [4]], { maxNewTokens: 15 })).sequences).toEqual(
      expected.sequences,
    );
    expect(memory().numTensors).toBe(before);
  });
});

describe('errors', () => {
  it('names the bad option', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ topK: 0 }, 'topK', /topK: must be an integer ≥ 1, got 0/],
      [{ topP: 1.5 }, 'topP', /topP: must be a number in \(0, 1\], got 1.5/],
      [{ temperature: -1 }, 'temperature', /temperature: must be a number ≥ 0, got -1/],
      [{ maxNewTokens: 2.5 }, 'maxNewTokens', /maxNewTokens: must be an integer ≥ 0, got 2.5/],
      [{ maxNewTokens: '5' }, 'maxNewTokens', /maxNewTokens: must be an integer ≥ 0, got '5'/],
      [{ seed: -3 }, 'seed', /seed/],
      [{ numReturnSequences: 2 }, 'numReturnSequences', /greedy decoding gives one sequence per prompt/],
      [{ eosTokenId: 99 }, 'eosTokenId', /eosTokenId: 99 is not below the vocabulary size 37/],
      [{ padTokenId: -1 }, 'padTokenId', /padTokenId: must be a token id/],
      [{ top_k: 5 }, 'top_k', /top_k: unknown field \(did you mean 'topK'\?\)/],
      [{ max_new_tokens: 5 }, 'max_new_tokens', /did you mean 'maxNewTokens'/],
      [{ onToken: 3 }, 'onToken', /onToken: must be a function/],
      [{ repetitionPenalty: 0 }, 'repetitionPenalty', /repetitionPenalty: must be a number > 0, got 0/],
    ];
    for (const [options, field, message] of cases) {
      const error = await errorOf(() => generate(model, [1, 2], options as never));
      expect(error.message).toMatch(message);
      expect(error.fields).toContain(field);
    }
  });

  it('names the bad prompt', async () => {
    expect((await errorOf(() => generate(model, [[1, 2], []]))).message).toMatch(
      /inputIds\[1\]: a prompt needs at least one token/,
    );
    expect((await errorOf(() => generate(model, [1, 37]))).message).toMatch(
      /inputIds: token 37 at position 1 is not an id of the model's vocabulary \[0, 37\)/,
    );
    expect((await errorOf(() => generate(model, [1, 2], { attentionMask: [[1]] }))).message).toMatch(
      /attentionMask must have the shape of inputIds/,
    );
  });

  it('generates nothing for maxNewTokens 0', async () => {
    const out = await generate(model, [1, 2], { maxNewTokens: 0 });
    expect(out.sequences).toEqual([[1, 2]]);
    expect(out.newTokens).toEqual([[]]);
  });
});

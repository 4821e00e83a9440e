// generate / generateStream on nn's LSTMLanguageModel, with nn's own forward over the
// whole sequence as the reference: greedy with the carried (h, c) equals greedy
// recomputing every step and a hand loop of argmax over full forwards; a left-padded
// prompt in a batch decodes as it does alone; top-k draws stay in the k best; sampling
// with top-p and temperature is reproducible by seed.
import '@tensorlm/backend-cpu';
import { LSTMLanguageModel } from '@tensorlm/nn';
import { manualSeed, noGrad, setBackend, tensor, tidy } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { asCausalLM } from './causal-lm.js';
import { generate, generateStream } from './generate.js';
import { LSTMCausalLM } from './lstm-adapter.js';

beforeAll(async () => {
  await setBackend('cpu');
});

manualSeed(4);
const model = new LSTMLanguageModel({ vocabSize: 23, embeddingSize: 8, hiddenSize: 12, numLayers: 2 });
const lm = new LSTMCausalLM(model);

/** The last position's logits of one full forward over `ids`. */
async function lastLogits(ids: number[]): Promise<number[]> {
  const logits = noGrad(() =>
    tidy(() => model.forward(tensor([ids], { dtype: 'i32' })).logits.narrow(1, ids.length - 1, 1)),
  );
  const out = [...((await logits.data()) as Float32Array)];
  logits.dispose();
  return out;
}

const argmax = (v: number[]) => v.indexOf(Math.max(...v));

describe('LSTMCausalLM', () => {
  it('is what asCausalLM makes of an LSTMLanguageModel; no positional limit of its own', () => {
    expect(asCausalLM(model)).toBeInstanceOf(LSTMCausalLM);
    expect(lm.vocabSize).toBe(23);
    expect(lm.blockSize).toBe(model.config.maxLength);
  });

  it('greedy with the carried state equals recomputing and a hand loop over full forwards', async () => {
    const prompt = [3, 9, 1];
    const withState = await generate(lm, [prompt], { maxNewTokens: 8 });
    const recomputed = await generate(lm, [prompt], { maxNewTokens: 8, useCache: false });
    const expected = [...prompt];
    for (let i = 0; i < 8; i++) expected.push(argmax(await lastLogits(expected)));
    expect(withState.sequences[0]).toEqual(expected);
    expect(recomputed.sequences[0]).toEqual(expected);
    const streamed: number[] = [];
    for await (const step of generateStream(model as never, [prompt], { maxNewTokens: 8 }))
      streamed.push(step.tokens[0]!);
    expect(streamed).toEqual(expected.slice(3));
  });

  it('decodes a left-padded prompt in a batch as it does alone', async () => {
    const short = [5, 2];
    const long = [7, 7, 14, 0, 6];
    const batch = await generate(lm, [short, long], { maxNewTokens: 5, padTokenId: 0 });
    const alone = await generate(lm, [short], { maxNewTokens: 5 });
    expect(batch.sequences[0]).toEqual(alone.sequences[0]);
    expect(batch.sequences[1]).toEqual((await generate(lm, [long], { maxNewTokens: 5 })).sequences[0]);
  });

  it('samples within the top k, and top-p / temperature sampling is reproducible by seed', async () => {
    const prompt = [1, 2, 3];
    const sampled = await generate(lm, [prompt], {
      maxNewTokens: 6,
      doSample: true,
      topK: 3,
      seed: 11,
      numReturnSequences: 4,
    });
    for (const seq of sampled.sequences) {
      for (let i = prompt.length; i < seq.length; i++) {
        const logits = await lastLogits(seq.slice(0, i));
        const top3 = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]!).slice(0, 3);
        expect(top3).toContain(seq[i]);
      }
    }
    const opts = { maxNewTokens: 6, doSample: true, topP: 0.9, temperature: 0.8, seed: 5 };
    const a = await generate(lm, [prompt], opts);
    const b = await generate(lm, [prompt], opts);
    expect(a.sequences).toEqual(b.sequences);
    expect(a.sequences[0]!.every((id) => id >= 0 && id < 23)).toBe(true);
  });
});

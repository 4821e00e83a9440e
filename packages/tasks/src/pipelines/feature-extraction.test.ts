// feature-extraction on the review language models `tensorlm train reviews` writes (a
// word tokenizer with [PAD]/[UNK]/[EOS]; an LSTMLanguageModel or a GPT2LMHeadModel), read
// back from a saved model folder: the LSTM's mean-pooled vectors against a float64
// reference written here from PyTorch's LSTM equations (gates i, f, g, o; both bias
// vectors) over the saved weights, and for both models padding that never changes a
// review's vector; token-weighted mean pooling against the weighted mean, computed here,
// of the per-token states.
import '@tensorlm/backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { savePretrained } from '@tensorlm/hub-loader';
import { GPT2LMHeadModel, gptConfig, LSTMLanguageModel } from '@tensorlm/nn';
import { manualSeed, setBackend } from '@tensorlm/tensor-core';
import { WordTokenizer } from '@tensorlm/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worstDiff } from '../../test/pipeline-fixtures.js';
import { pipeline } from './pipeline.js';

const WORDS = ['the', 'film', 'was', 'boring', 'funny', 'and', 'too', 'long', 'a', 'laugh', '.'];
let dir: string;
let tokenizer: WordTokenizer;

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-fe-reviews-'));
  // As train-reviews.ts makes it: specials first, lowercased, punctuation split, [EOS] appended.
  tokenizer = WordTokenizer.fromVocab(['[PAD]', '[UNK]', '[EOS]', ...WORDS], {
    specialTokens: { pad: '[PAD]', unk: '[UNK]', eos: '[EOS]' },
    standardize: { lowercase: true },
    split: 'punctuation',
    appendEos: true,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Mean over the steps of a stacked LSTM's last-layer outputs, float64, PyTorch's equations. */
function lstmMeanReference(
  weights: Map<string, Float64Array>,
  ids: readonly number[],
  e: number,
  h: number,
  layers: number,
): number[] {
  let inputs = ids.map((id) => Array.from(weights.get('encoder.weight')!.subarray(id * e, (id + 1) * e)));
  for (let l = 0; l < layers; l++) {
    const wih = weights.get(`rnn.weight_ih_l${l}`)!;
    const whh = weights.get(`rnn.weight_hh_l${l}`)!;
    const bih = weights.get(`rnn.bias_ih_l${l}`)!;
    const bhh = weights.get(`rnn.bias_hh_l${l}`)!;
    const width = inputs[0]!.length;
    let hPrev = new Array<number>(h).fill(0);
    let cPrev = new Array<number>(h).fill(0);
    const outputs: number[][] = [];
    for (const x of inputs) {
      const gate = (row: number) => {
        let s = bih[row]! + bhh[row]!;
        for (let j = 0; j < width; j++) s += wih[row * width + j]! * x[j]!;
        for (let j = 0; j < h; j++) s += whh[row * h + j]! * hPrev[j]!;
        return s;
      };
      const c = new Array<number>(h);
      const hNext = new Array<number>(h);
      for (let u = 0; u < h; u++) {
        const i = sigmoid(gate(u));
        const f = sigmoid(gate(h + u));
        const g = Math.tanh(gate(2 * h + u));
        const o = sigmoid(gate(3 * h + u));
        c[u] = f * cPrev[u]! + i * g;
        hNext[u] = o * Math.tanh(c[u]!);
      }
      outputs.push(hNext);
      hPrev = hNext;
      cPrev = c;
    }
    inputs = outputs;
  }
  return Array.from({ length: h }, (_, u) => inputs.reduce((s, row) => s + row[u]!, 0) / inputs.length);
}

describe('feature-extraction on review language models', () => {
  it('an LSTM LM folder: mean-pooled LSTM outputs equal a float64 reference, batched or alone', async () => {
    manualSeed(7);
    const model = new LSTMLanguageModel({
      vocabSize: tokenizer.vocabSize,
      embeddingSize: 6,
      hiddenSize: 5,
      numLayers: 2,
      dropout: 0.3,
    });
    const folder = join(dir, 'reviews-lstm');
    await savePretrained(folder, { model, tokenizer });
    const weights = new Map<string, Float64Array>();
    for (const [name, t] of model.namedParameters())
      weights.set(name, Float64Array.from((await t.data()) as Float32Array));
    model.dispose();

    const embed = await pipeline('feature-extraction', folder);
    expect(embed.dimension).toBe(5);
    const texts = ['The film was boring and too long.', 'funny', 'a laugh, a film'];
    const got = (await embed(texts, { pooling: 'mean' })) as number[][];
    const want = texts.map((t) => lstmMeanReference(weights, tokenizer.encode(t), 6, 5, 2));
    expect(worstDiff(got, want)).toBeLessThan(1e-5);
    // Padding never reaches a real step: each text alone gives the same vector.
    for (const [i, text] of texts.entries())
      expect(worstDiff(await embed(text, { pooling: 'mean' }), got[i]!)).toBeLessThan(1e-6);
    const unit = (await embed(texts[0]!, { pooling: 'mean', normalize: true })) as number[];
    expect(Math.hypot(...unit)).toBeCloseTo(1, 6);
    embed.dispose();
  });

  it('a GPT2LMHeadModel folder with a word tokenizer: vectors independent of the batch', async () => {
    manualSeed(3);
    const model = new GPT2LMHeadModel(
      gptConfig({ vocabSize: tokenizer.vocabSize, blockSize: 16, nEmbd: 8, nLayer: 2, nHead: 2 }),
    );
    const folder = join(dir, 'reviews-transformer');
    await savePretrained(folder, { model, tokenizer });
    model.dispose();
    const embed = await pipeline('feature-extraction', folder);
    expect(embed.dimension).toBe(8);
    const texts = ['funny', 'the film was boring and too long, a laugh.'];
    for (const pooling of ['mean', 'last'] as const) {
      const batched = (await embed(texts, { pooling })) as number[][];
      for (const [i, text] of texts.entries())
        expect(worstDiff(await embed(text, { pooling }), batched[i]!), pooling).toBeLessThan(1e-5);
    }
    embed.dispose();
  });

  it('weights mean pooling by token id (tokenWeights): the weighted mean of the token states', async () => {
    manualSeed(4);
    const model = new GPT2LMHeadModel(
      gptConfig({ vocabSize: tokenizer.vocabSize, blockSize: 16, nEmbd: 8, nLayer: 1, nHead: 2 }),
    );
    const folder = join(dir, 'weighted');
    await savePretrained(folder, { model, tokenizer });
    model.dispose();
    const embed = await pipeline('feature-extraction', folder);
    const texts = ['the film was too long .', 'funny'];
    const weights = Float32Array.from({ length: tokenizer.vocabSize }, (_, id) => 1 + (id % 5) * 0.75);
    const got = (await embed(texts, { pooling: 'mean', tokenWeights: weights })) as number[][];
    for (const [i, text] of texts.entries()) {
      const ids = tokenizer.encode(text);
      const states = (await embed(text, { pooling: 'none' })) as number[][];
      const total = ids.reduce((s, id) => s + weights[id]!, 0);
      const want = states[0]!.map(
        (_, c) => states.reduce((s, row, t) => s + weights[ids[t]!]! * row[c]!, 0) / total,
      );
      expect(worstDiff(got[i]!, want)).toBeLessThan(1e-5);
    }
    // Equal weights are plain mean pooling; the tensor path (what search uses) agrees.
    const ones = new Float32Array(tokenizer.vocabSize).fill(3);
    expect(
      worstDiff(
        await embed(texts, { pooling: 'mean', tokenWeights: ones }),
        await embed(texts, { pooling: 'mean' }),
      ),
    ).toBeLessThan(1e-6);
    const t = await embed.embedTensor(texts, { pooling: 'mean', tokenWeights: weights });
    const flat = Array.from((await t.data()) as Float32Array);
    expect(worstDiff([flat.slice(0, 8), flat.slice(8)], got)).toBeLessThan(1e-6);
    t.dispose();
    await expect(embed('funny', { pooling: 'cls', tokenWeights: weights })).rejects.toThrow(
      /pooling 'mean', not 'cls'/,
    );
    await expect(embed('funny', { pooling: 'mean', tokenWeights: new Float32Array(2) })).rejects.toThrow(
      /tokenWeights\[\d+\] is undefined .*positive weight/,
    );
    embed.dispose();
  });
});

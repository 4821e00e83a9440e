// LSTMLanguageModel against a committed PyTorch fixture (test/fixtures/make_lstm_fixture.py:
// PyTorch's word_language_model RNNModel with a 2-layer nn.LSTM, in f64): weights load
// under PyTorch's names, and logits, the final (h, c) and the gradients of a summed
// cross-entropy match; the state carries over between calls; a tied head shares storage.
import '@tensorlm/backend-cpu';
import { readFileSync } from 'node:fs';
import { crossEntropy, manualSeed, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../test/reference.js';
import { LSTMLanguageModel, lstmLmConfigFromHF, lstmLmConfigToHF } from './lstm-lm.js';

interface Fixture {
  sizes: { vocab: number; embedding: number; hidden: number; layers: number; batch: number; steps: number };
  weights: Record<string, { shape: number[]; data: number[] }>;
  ids: number[];
  targets: number[];
  h0: number[];
  c0: number[];
  logits: number[];
  h: number[];
  c: number[];
  loss: number;
  grads: Record<string, number[]>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/lstm-lm-torch.json', import.meta.url), 'utf8'),
) as Fixture;

function fixtureModel(): LSTMLanguageModel {
  const s = fixture.sizes;
  const model = new LSTMLanguageModel({
    vocabSize: s.vocab,
    embeddingSize: s.embedding,
    hiddenSize: s.hidden,
    numLayers: s.layers,
  });
  const state = new Map<string, Tensor>(
    Object.entries(fixture.weights).map(([name, w]) => [name, tensor(w.data, w.shape)]),
  );
  model.loadStateDict(state);
  for (const t of state.values()) t.dispose();
  return model;
}

describe('LSTMLanguageModel', () => {
  it("has PyTorch's names and matches a PyTorch 2-layer LSTM LM: logits, state and gradients", async () => {
    const { sizes: s } = fixture;
    const model = fixtureModel();
    expect(model.namedParameters().map(([n]) => n)).toEqual(Object.keys(fixture.weights));
    const ids = tensor(fixture.ids, [s.batch, s.steps], { dtype: 'i32' });
    const state = {
      h: tensor(fixture.h0, [s.layers, s.batch, s.hidden]),
      c: tensor(fixture.c0, [s.layers, s.batch, s.hidden]),
    };
    const targets = tensor(fixture.targets, [s.batch * s.steps], { dtype: 'i32' });
    const out = tidy(() => {
      const o = model.forward(ids, { state });
      const loss = crossEntropy(o.logits.reshape([s.batch * s.steps, s.vocab]), targets, {
        reduction: 'sum',
      });
      loss.backward();
      return { ...o, loss };
    });
    expect(out.logits.shape).toEqual([s.batch, s.steps, s.vocab]);
    expect(maxAbsDiff(await out.logits.data(), fixture.logits)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out.state.h.data(), fixture.h)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out.state.c.data(), fixture.c)).toBeLessThan(1e-5);
    expect(Math.abs((await out.loss.item()) - fixture.loss)).toBeLessThan(1e-4);
    for (const [name, p] of model.namedParameters())
      expect(maxAbsDiff(await p.grad!.data(), fixture.grads[name]!), name).toBeLessThan(1e-4);
    model.dispose();
  });

  it('continues from its state as if the sequence ran at once; logitsToKeep keeps the tail', async () => {
    const model = fixtureModel();
    const ids = tensor(fixture.ids, [2, 4], { dtype: 'i32' });
    const whole = tidy(() => model.forward(ids));
    const first = tidy(() => model.forward(ids.narrow(1, 0, 3)));
    const last = tidy(() => model.forward(ids.narrow(1, 3, 1), { state: first.state }));
    const wholeLast = whole.logits.narrow(1, 3, 1);
    expect(maxAbsDiff(await last.logits.data(), await wholeLast.data())).toBeLessThan(1e-6);
    const kept = tidy(() => model.forward(ids, { logitsToKeep: 1 }));
    expect(kept.logits.shape).toEqual([2, 1, fixture.sizes.vocab]);
    expect(maxAbsDiff(await kept.logits.data(), await wholeLast.data())).toBeLessThan(1e-6);
    model.dispose();
  });

  it('ties the head to the embedding on request, and round-trips its config.json', () => {
    manualSeed(1);
    const tied = new LSTMLanguageModel({
      vocabSize: 7,
      embeddingSize: 4,
      hiddenSize: 4,
      tieWordEmbeddings: true,
    });
    expect(tied.decoder.weight).toBe(tied.encoder.weight);
    // embedding 7·4, LSTM 16·4 + 16·4 + 2·16, the head's own bias 7: the head weight is shared.
    expect(tied.numParameters()).toBe(28 + 160 + 7);
    expect(lstmLmConfigFromHF(lstmLmConfigToHF(tied.config))).toEqual(tied.config);
    expect(lstmLmConfigToHF(tied.config)).toMatchObject({ model_type: 'tensorlm-lstm', hidden_size: 4 });
    expect(
      () => new LSTMLanguageModel({ vocabSize: 7, embeddingSize: 3, hiddenSize: 4, tieWordEmbeddings: true }),
    ).toThrow(/tieWordEmbeddings.*embeddingSize = hiddenSize/);
    tied.dispose();
  });
});

// Forward parity of the tiny GPT and BERT on a named backend: logits and hidden states
// must match the independent f64 references (test/reference.ts) within 1e-4, and, on a
// backend other than cpu, the cpu run within 1e-4. Called once per backend.
import {
  getBackend,
  manualSeed,
  noGrad,
  randn,
  setBackend,
  type Tensor,
  tensor,
  tidy,
  toBackend,
} from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BertModel, bertConfig, GPT2LMHeadModel, gptConfig, type Module } from '../src/index.js';
import { bertReference, gptReference, maxAbsDiff, type Weights } from './reference.js';

export const TINY_GPT = gptConfig({
  vocabSize: 23,
  blockSize: 16,
  nLayer: 2,
  nHead: 2,
  nEmbd: 16,
  embdPdrop: 0,
  residPdrop: 0,
  attnPdrop: 0,
});

export const TINY_BERT = bertConfig({
  vocabSize: 31,
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  intermediateSize: 32,
  maxPositionEmbeddings: 16,
});

/** Replaces every parameter (LayerNorm scales included) with N(0, 0.3²) + 1-ish values so nothing is trivial. */
export function randomizeWeights(model: Module, seed: number): void {
  noGrad(() => {
    model.namedParameters().forEach(([name, p], i) => {
      tidy(() => {
        const noise = randn(p.shape, { seed: seed + i, std: 0.3 });
        p.assign(name.includes('LayerNorm.weight') || /ln_\w+\.weight/.test(name) ? noise.add(1) : noise);
      });
    });
  });
}

export async function hostWeights(model: Module): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  for (const [name, t] of model.stateDict()) {
    out.set(name, Float64Array.from(await t.data()));
    t.dispose();
  }
  return out;
}

async function runAndRead(run: () => Tensor[]): Promise<Float32Array[]> {
  const outs = tidy(run);
  const values = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  for (const t of outs) t.dispose();
  return values;
}

/** Copies a model's weights onto another backend's instance of the same architecture. */
async function copyWeights(from: Module, to: Module, backend: string): Promise<void> {
  const moved = new Map<string, Tensor>();
  for (const [name, t] of from.stateDict()) {
    moved.set(name, await toBackend(t, backend));
    t.dispose();
  }
  to.loadStateDict(moved);
  for (const t of moved.values()) t.dispose();
}

export function modelParitySuite(backend: string): void {
  describe(`tiny model forward on '${backend}'`, () => {
    let previous = '';
    beforeAll(async () => {
      previous = getBackend().name;
      await setBackend(backend);
    });
    afterAll(async () => {
      await setBackend(previous);
    });

    it('GPT logits match the f64 reference (and cpu) within 1e-4', async () => {
      manualSeed(11);
      const model = new GPT2LMHeadModel(TINY_GPT).eval();
      randomizeWeights(model, 100);
      const ids = [
        [3, 7, 1, 22, 0, 9, 14],
        [5, 5, 18, 2, 11, 4, 20],
      ];
      const [logits] = await runAndRead(() => [model.forward(tensor(ids, { dtype: 'i32' })).logits]);
      const weights: Weights = await hostWeights(model);
      const cfg = { nLayer: 2, nHead: 2, nEmbd: 16, vocabSize: 23, eps: 1e-5 };
      const expected = ids.flatMap((seq) => gptReference(weights, cfg, seq).flatMap((row) => [...row]));
      expect(logits!.length).toBe(2 * 7 * 23);
      expect(maxAbsDiff(logits!, expected)).toBeLessThan(1e-4);
      if (backend !== 'cpu') {
        await setBackend('cpu');
        const cpuModel = new GPT2LMHeadModel(TINY_GPT).eval();
        await copyWeights(model, cpuModel, 'cpu');
        const [cpuLogits] = await runAndRead(() => [cpuModel.forward(tensor(ids, { dtype: 'i32' })).logits]);
        expect(maxAbsDiff(logits!, cpuLogits!)).toBeLessThan(1e-4);
        cpuModel.dispose();
        await setBackend(backend);
      }
      model.dispose();
    });

    it('BERT hidden states and pooler match the f64 reference (and cpu) within 1e-4, with padding and segments', async () => {
      manualSeed(12);
      const model = new BertModel(TINY_BERT).eval();
      randomizeWeights(model, 200);
      const ids = [
        [2, 17, 30, 4, 9, 3],
        [2, 8, 12, 3, 0, 0],
      ];
      const mask = [
        [1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 0, 0],
      ];
      const types = [
        [0, 0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0, 0],
      ];
      const run = () => {
        const out = model.forward(tensor(ids, { dtype: 'i32' }), {
          attentionMask: tensor(mask, { dtype: 'i32' }),
          tokenTypeIds: tensor(types, { dtype: 'i32' }),
        });
        return [out.lastHiddenState, out.poolerOutput!];
      };
      const [hidden, pooled] = await runAndRead(run);
      const weights = await hostWeights(model);
      const cfg = { nLayer: 2, nHead: 2, hidden: 16, eps: 1e-12 };
      const refs = ids.map((seq, b) =>
        bertReference(weights, cfg, seq, { attentionMask: mask[b]!, tokenTypes: types[b]! }),
      );
      expect(
        maxAbsDiff(
          hidden!,
          refs.flatMap((r) => r.hidden.flatMap((row) => [...row])),
        ),
      ).toBeLessThan(1e-4);
      expect(
        maxAbsDiff(
          pooled!,
          refs.flatMap((r) => [...r.pooled]),
        ),
      ).toBeLessThan(1e-4);
      if (backend !== 'cpu') {
        await setBackend('cpu');
        const cpuModel = new BertModel(TINY_BERT).eval();
        await copyWeights(model, cpuModel, 'cpu');
        const [cpuHidden] = await runAndRead(() => {
          const out = cpuModel.forward(tensor(ids, { dtype: 'i32' }), {
            attentionMask: tensor(mask, { dtype: 'i32' }),
            tokenTypeIds: tensor(types, { dtype: 'i32' }),
          });
          return [out.lastHiddenState];
        });
        expect(maxAbsDiff(hidden!, cpuHidden!)).toBeLessThan(1e-4);
        cpuModel.dispose();
        await setBackend(backend);
      }
      model.dispose();
    });
  });
}

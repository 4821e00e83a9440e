// GPT and BERT on a backend with a fused attention kernel: they route through
// tensor-core's attention op when no weights are asked for (attention dropout in
// training included), and the composition that returns weights otherwise, with the
// same numbers either way.
// The "fused" kernel here is tensor-core's composed default, counted, on the CPU.
import '@tensorlm/backend-cpu';
import {
  type Backend,
  composedKernels,
  fusedKernelsOf,
  initBackend,
  manualSeed,
  registerBackend,
  setBackend,
  type Tensor,
  tensor,
  tidy,
  withoutFusedKernels,
} from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomizeWeights, TINY_BERT, TINY_GPT } from '../../test/model-parity.js';
import { maxAbsDiff } from '../../test/reference.js';
import { BertModel } from '../models/bert.js';
import { GPT2LMHeadModel } from '../models/gpt.js';
import { scaledDotProductAttention } from './attention.js';

const calls = {
  forward: 0,
  backward: 0,
  last: null as null | { causal: boolean; pastLength: number; bias: boolean },
  dropouts: [] as { p: number; seed: number }[],
};

registerBackend({
  name: 'cpu-with-attention',
  priority: -1,
  create: async () => {
    const cpu = await initBackend('cpu');
    const backend = withoutFusedKernels(cpu, 'cpu-with-attention') as Backend;
    const methods = backend as unknown as Record<string, unknown>;
    for (const name of fusedKernelsOf(cpu))
      methods[name] = (cpu[name] as (...a: unknown[]) => unknown).bind(cpu);
    backend.attention = (...args) => {
      calls.forward++;
      calls.last = { causal: args[4].causal, pastLength: args[4].pastLength, bias: args[3] !== null };
      calls.dropouts.push({ p: args[4].dropout, seed: args[4].dropoutSeed });
      return composedKernels.attention(backend, ...args);
    };
    backend.attentionBackward = (...args) => {
      calls.backward++;
      return composedKernels.attentionBackward(backend, ...args);
    };
    return backend;
  },
});

const i32 = (rows: number[][]) => tensor(rows, { dtype: 'i32' });

describe('attention through the fused op', () => {
  beforeAll(async () => {
    await setBackend('cpu-with-attention');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('GPT: same logits with and without attention weights; the op runs once per layer only without', async () => {
    manualSeed(41);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 900);
    const input = {
      attentionMask: i32([
        [0, 1, 1, 1, 1],
        [1, 1, 1, 1, 1],
      ]),
    };
    calls.forward = 0;
    const fusedLogits = tidy(
      () =>
        model.forward(
          i32([
            [7, 1, 2, 3, 4],
            [5, 6, 7, 8, 9],
          ]),
          input,
        ).logits,
    );
    expect(calls.forward).toBe(TINY_GPT.nLayer);
    const withWeights = tidy(() =>
      model.forward(
        i32([
          [7, 1, 2, 3, 4],
          [5, 6, 7, 8, 9],
        ]),
        { ...input, outputAttentions: true },
      ),
    );
    expect(calls.forward).toBe(TINY_GPT.nLayer);
    expect(maxAbsDiff(await fusedLogits.data(), await withWeights.logits.data())).toBeLessThan(1e-5);
    for (const t of [fusedLogits, withWeights.logits, ...withWeights.attentions!]) t.dispose();
    model.dispose();
  });

  it('GPT training: the op backward gives the composition’s gradients', async () => {
    manualSeed(42);
    const model = new GPT2LMHeadModel({ ...TINY_GPT, attnPdrop: 0, residPdrop: 0, embdPdrop: 0 });
    randomizeWeights(model, 901);
    const gradsOf = (outputAttentions: boolean): Tensor[] =>
      tidy(() => {
        model.zeroGrad();
        const out = model.forward(i32([[1, 2, 3, 4, 5, 6, 7]]), {
          targets: i32([[2, 3, 4, 5, 6, 7, 8]]),
          outputAttentions,
        });
        out.loss!.backward();
        return model.parameters().map((p) => p.grad!.clone().keep());
      });
    calls.backward = 0;
    const fused = gradsOf(false);
    expect(calls.backward).toBe(TINY_GPT.nLayer);
    const composed = gradsOf(true);
    for (const [i, g] of fused.entries()) {
      expect(maxAbsDiff(await g.data(), await composed[i]!.data())).toBeLessThan(1e-5);
    }
    for (const t of [...fused, ...composed]) t.dispose();
    model.dispose();
  });

  it('GPT training with attention dropout runs the op forward and backward; eval passes no dropout', async () => {
    const model = new GPT2LMHeadModel({ ...TINY_GPT, attnPdrop: 0.3, residPdrop: 0, embdPdrop: 0 });
    randomizeWeights(model, 904);
    const lossWith = async (seed: number) => {
      manualSeed(seed);
      const loss = tidy(() => {
        model.zeroGrad();
        const out = model.forward(i32([[1, 2, 3, 4, 5, 6, 7]]), { targets: i32([[2, 3, 4, 5, 6, 7, 8]]) });
        out.loss!.backward();
        return out.loss!;
      });
      const value = await loss.item();
      loss.dispose();
      return value;
    };
    model.train();
    [calls.forward, calls.backward, calls.dropouts] = [0, 0, []];
    const first = await lossWith(5);
    expect([calls.forward, calls.backward]).toEqual([TINY_GPT.nLayer, TINY_GPT.nLayer]);
    // p reaches the op with a u32 seed per layer, drawn from the default random stream.
    expect(calls.dropouts.map((d) => d.p)).toEqual(new Array(TINY_GPT.nLayer).fill(0.3));
    expect(new Set(calls.dropouts.map((d) => d.seed)).size).toBe(TINY_GPT.nLayer);
    for (const { seed } of calls.dropouts)
      expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
    expect(await lossWith(5)).toBe(first);
    expect(await lossWith(6)).not.toBe(first);
    model.eval();
    calls.dropouts = [];
    tidy(() => model.forward(i32([[1, 2, 3]])).logits);
    expect(calls.dropouts.map((d) => d.p)).toEqual(new Array(TINY_GPT.nLayer).fill(0));
    model.dispose();
  });

  it("nn's causal and padding masks reach the op as causal + key padding, other masks as tensors", async () => {
    manualSeed(44);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 903);
    // Training-style batch without padding: causal only, no mask tensor for the kernel to read.
    tidy(() => model.forward(i32([[1, 2, 3, 4]])).logits);
    expect(calls.last).toEqual({ causal: true, pastLength: 0, bias: false });
    // Left padding: causal plus a key-padding bias.
    tidy(() => model.forward(i32([[0, 2, 3, 4]]), { attentionMask: i32([[0, 1, 1, 1]]) }).logits);
    expect(calls.last).toEqual({ causal: true, pastLength: 0, bias: true });
    // Two new tokens after a cache of three: the causal offset is the cache length.
    const past = tidy(() => model.forward(i32([[1, 2, 3]]), { useCache: true }).pastKeyValues!);
    const next = tidy(() => model.forward(i32([[4, 5]]), { pastKeyValues: past }).logits);
    expect(calls.last).toEqual({ causal: true, pastLength: 3, bias: false });
    next.dispose();
    for (const layer of past) for (const t of [layer.key, layer.value]) t.dispose();
    model.dispose();
    // Any other mask is a tensor the op turns into a bias.
    const q = tensor([
      [
        [
          [1, 0],
          [0, 1],
        ],
      ],
    ]);
    const custom = tensor(
      [
        [
          [
            [0, 1],
            [0, 0],
          ],
        ],
      ],
      { dtype: 'bool' },
    );
    const { output } = scaledDotProductAttention(q, q, q, { mask: custom, needWeights: false });
    expect(calls.last).toEqual({ causal: false, pastLength: 0, bias: true });
    for (const t of [q, custom, output]) t.dispose();
  });

  it('BERT: padded keys are masked the same way on both paths', async () => {
    manualSeed(43);
    const model = new BertModel(TINY_BERT).eval();
    randomizeWeights(model, 902);
    const ids = i32([[2, 9, 14, 3, 0, 0]]);
    const attentionMask = i32([[1, 1, 1, 1, 0, 0]]);
    calls.forward = 0;
    const fused = tidy(() => model.forward(ids, { attentionMask }).lastHiddenState);
    expect(calls.forward).toBe(TINY_BERT.numHiddenLayers);
    const composed = tidy(() => model.forward(ids, { attentionMask, outputAttentions: true }));
    expect(maxAbsDiff(await fused.data(), await composed.lastHiddenState.data())).toBeLessThan(1e-5);
    for (const t of [fused, composed.lastHiddenState, ...composed.attentions!]) t.dispose();
    if (composed.poolerOutput) composed.poolerOutput.dispose();
    model.dispose();
  });
});

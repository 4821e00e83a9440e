// minGPT's decay / no-decay split on a real GPT: which names land where, written out
// by hand from the GPT-2 layout (Conv1D weights decay; biases, LayerNorms, embeddings not).
import '@tensorlm/backend-cpu';
import { GPT2LMHeadModel } from '@tensorlm/nn';
import { manualSeed, setBackend } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw.js';
import { weightDecayGroups } from './param-groups.js';

let model: GPT2LMHeadModel;
beforeAll(async () => {
  await setBackend('cpu');
  manualSeed(0);
  model = new GPT2LMHeadModel({ vocabSize: 11, blockSize: 8, nEmbd: 8, nLayer: 2, nHead: 2 });
});

describe('weightDecayGroups', () => {
  it("splits a GPT as minGPT's configure_optimizers", () => {
    const { decay, noDecay, groups } = weightDecayGroups(model, { weightDecay: 0.1 });
    const expectedDecay = [0, 1].flatMap((l) =>
      ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'].map((m) => `transformer.h.${l}.${m}.weight`),
    );
    expect(decay.sort()).toEqual(expectedDecay.sort());
    const expectedNoDecay = [
      'transformer.wte.weight', // tied with lm_head.weight: listed once, as an embedding
      'transformer.wpe.weight',
      'transformer.ln_f.weight',
      'transformer.ln_f.bias',
      ...[0, 1].flatMap((l) =>
        [
          'ln_1.weight',
          'ln_1.bias',
          'ln_2.weight',
          'ln_2.bias',
          'attn.c_attn.bias',
          'attn.c_proj.bias',
          'mlp.c_fc.bias',
          'mlp.c_proj.bias',
        ].map((n) => `transformer.h.${l}.${n}`),
      ),
    ];
    expect(noDecay.sort()).toEqual(expectedNoDecay.sort());
    expect(groups[0].weightDecay).toBe(0.1);
    expect(groups[1].weightDecay).toBe(0);
    // Every parameter exactly once.
    expect(decay.length + noDecay.length).toBe(model.namedParameters().length);
    const opt = new AdamW(groups, { lr: 1e-3 });
    expect(opt.paramGroups.map((g) => g.hyper.weightDecay)).toEqual([0.1, 0]);
  });

  it("'rank' decays every matrix, embeddings included (nanoGPT)", () => {
    const { decay } = weightDecayGroups(model, { weightDecay: 0.1, rule: 'rank' });
    expect(decay).toContain('transformer.wte.weight');
    expect(decay).toContain('transformer.wpe.weight');
    expect(decay.some((n) => n.includes('ln_') || n.endsWith('bias'))).toBe(false);
  });

  it('takes extra names to exempt and rejects bad options by name', () => {
    const { decay, noDecay } = weightDecayGroups(model, { weightDecay: 0.1, noDecay: ['mlp.c_fc.weight'] });
    expect(decay.some((n) => n.endsWith('mlp.c_fc.weight'))).toBe(false);
    expect(noDecay).toContain('transformer.h.0.mlp.c_fc.weight');
    expect(() => weightDecayGroups(model, { weightDecay: -1 })).toThrow(/weightDecay/);
    expect(() => weightDecayGroups(model, { weightDecay: 0.1, rule: 'x' as 'rank' })).toThrow(/rule/);
  });
});

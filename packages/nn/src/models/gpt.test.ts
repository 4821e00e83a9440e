// GPT: GPT-2 parameter counts and printed tree (shape-only), configs, causality, loss, KV cache, init.
import '@tensorlm/backend-cpu';
import { manualSeed, memory, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { randomizeWeights, TINY_GPT } from '../../test/model-parity.js';
import { maxAbsDiff } from '../../test/reference.js';
import { ConfigError } from '../errors.js';
import { onMeta } from '../module/module.js';
import { GPT2LMHeadModel } from './gpt.js';
import { type GPT_PRESETS, gptConfig } from './gpt-config.js';

/** Parameters of a GPT-2 from its shapes, written out from the architecture (HF modeling_gpt2). */
function gpt2ParameterCount(
  v: number,
  p: number,
  c: number,
  l: number,
  opts: { tied: boolean; qkvBias: boolean },
) {
  const block =
    2 * c + // ln_1
    c * 3 * c +
    (opts.qkvBias ? 3 * c : 0) + // attn.c_attn
    c * c +
    c + // attn.c_proj
    2 * c + // ln_2
    c * 4 * c +
    4 * c + // mlp.c_fc
    4 * c * c +
    c; // mlp.c_proj
  return v * c + p * c + l * block + 2 * c + (opts.tied ? 0 : v * c);
}

const GPT2_TREE = `GPT2LMHeadModel(
  (transformer): GPT2Model(
    (wte): Embedding(50257, 768)
    (wpe): Embedding(1024, 768)
    (drop): Dropout(p=0.1, inplace=False)
    (h): ModuleList(
      (0-11): 12 x GPT2Block(
        (ln_1): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
        (attn): GPT2Attention(
          (c_attn): Conv1D(nf=2304, nx=768)
          (c_proj): Conv1D(nf=768, nx=768)
          (attn_dropout): Dropout(p=0.1, inplace=False)
          (resid_dropout): Dropout(p=0.1, inplace=False)
        )
        (ln_2): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
        (mlp): GPT2MLP(
          (c_fc): Conv1D(nf=3072, nx=768)
          (c_proj): Conv1D(nf=768, nx=3072)
          (act): GELU(approximate='tanh')
          (dropout): Dropout(p=0.1, inplace=False)
        )
      )
    )
    (ln_f): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
  )
  (lm_head): Linear(in_features=768, out_features=50257, bias=False)
)`;

describe('GPT-2 124M (built shape-only, no weights allocated)', () => {
  const before = memory().numTensors;
  const gpt2 = onMeta(() => new GPT2LMHeadModel(gptConfig('gpt2')));

  it('allocates nothing', () => {
    expect(memory().numTensors).toBe(before);
    expect(gpt2.isMeta).toBe(true);
  });

  it('has 124,439,808 parameters with the tied head, 163,037,184 untied', () => {
    expect(gpt2.numParameters()).toBe(124_439_808);
    expect(gpt2ParameterCount(50257, 1024, 768, 12, { tied: true, qkvBias: true })).toBe(124_439_808);
    const untied = onMeta(() => new GPT2LMHeadModel(gptConfig('gpt2', { tieWordEmbeddings: false })));
    expect(untied.numParameters()).toBe(
      gpt2ParameterCount(50257, 1024, 768, 12, { tied: false, qkvBias: true }),
    );
    expect(untied.numParameters()).toBe(163_037_184);
    // The seed's from-scratch GPTModel (separate out_head, no Q/K/V bias) reports 163,009,536.
    const seed = onMeta(
      () => new GPT2LMHeadModel(gptConfig('gpt2', { tieWordEmbeddings: false, qkvBias: false })),
    );
    expect(seed.numParameters()).toBe(163_009_536);
  });

  it('the larger presets have the published sizes', () => {
    const count = (name: keyof typeof GPT_PRESETS) =>
      onMeta(() => new GPT2LMHeadModel(gptConfig(name))).numParameters();
    expect(count('gpt2-medium')).toBe(354_823_168);
    expect(count('gpt2-large')).toBe(774_030_080);
    expect(count('gpt2-xl')).toBe(1_557_611_200);
  });

  it('prints the module tree as PyTorch prints GPT2LMHeadModel', () => {
    expect(gpt2.toString()).toBe(GPT2_TREE);
  });

  it('summary() lists blocks with counts, as recursive_print', () => {
    const text = gpt2.summary({ depth: 3 });
    expect(text.split('\n')).toEqual([
      'GPT2LMHeadModel: 124,439,808 parameters',
      '(transformer): GPT2Model · 124,439,808',
      '  (wte): Embedding(50257, 768) · 38,597,376',
      '  (wpe): Embedding(1024, 768) · 786,432',
      '  (drop): Dropout(p=0.1, inplace=False) · 0',
      '  (h): ModuleList len=12 · 85,054,464',
      '    (0-11): 12 x GPT2Block · 7,087,872 each',
      '  (ln_f): LayerNorm((768,), eps=1e-05, elementwise_affine=True) · 1,536',
      '(lm_head): Linear(in_features=768, out_features=50257, bias=False) · 38,597,376 (tied)',
    ]);
    expect(gpt2.summary()).toContain('        (c_attn): Conv1D(nf=2304, nx=768) · 1,771,776');
  });

  it('uses Hugging Face GPT2LMHeadModel parameter names and Conv1D (in, out) layouts', () => {
    const shapes = gpt2.stateDictShapes();
    expect(shapes.get('transformer.h.0.attn.c_attn.weight')).toEqual([768, 2304]);
    expect(shapes.get('transformer.h.11.mlp.c_proj.weight')).toEqual([3072, 768]);
    expect(shapes.get('lm_head.weight')).toEqual([50257, 768]);
    expect([...shapes.keys()].slice(0, 14)).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.ln_1.weight',
      'transformer.h.0.ln_1.bias',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.0.attn.c_attn.bias',
      'transformer.h.0.attn.c_proj.weight',
      'transformer.h.0.attn.c_proj.bias',
      'transformer.h.0.ln_2.weight',
      'transformer.h.0.ln_2.bias',
      'transformer.h.0.mlp.c_fc.weight',
      'transformer.h.0.mlp.c_fc.bias',
      'transformer.h.0.mlp.c_proj.weight',
      'transformer.h.0.mlp.c_proj.bias',
    ]);
    expect(shapes.size).toBe(2 + 12 * 12 + 2 + 1);
  });
});

describe('GPT configs', () => {
  it('named minGPT presets take vocabSize and blockSize from the data', () => {
    const nano = gptConfig('gpt-nano', { vocabSize: 39, blockSize: 128 });
    expect([nano.nLayer, nano.nHead, nano.nEmbd]).toEqual([3, 3, 48]);
    expect(() => gptConfig('gpt-nano')).toThrow(ConfigError);
    expect(() => gptConfig('gpt-nano')).toThrow(/vocabSize: .*; blockSize: /);
  });

  it('the toy-grammar model (vocab 39, positions 128, embd 64, 3 layers, 8 heads) has 160,768 parameters', () => {
    const toy = onMeta(
      () => new GPT2LMHeadModel({ vocabSize: 39, blockSize: 128, nEmbd: 64, nLayer: 3, nHead: 8 }),
    );
    // 39·64 + 128·64 + 3 · 49,984 per block + 128 for ln_f
    expect(toy.numParameters()).toBe(160_768);
  });

  it('errors name the bad field', () => {
    const fields = (input: object) => {
      try {
        gptConfig(input as never);
      } catch (error) {
        return (error as ConfigError).fields;
      }
      return [];
    };
    expect(fields({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 3, nEmbd: 50 })).toEqual(['nEmbd']);
    expect(fields({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 4, embdPdrop: 2 })).toEqual([
      'embdPdrop',
    ]);
    expect(fields({ vocabSize: 10, blockSize: 8, nLayer: 0, nHead: 2, nEmbd: 4 })).toEqual(['nLayer']);
    expect(() =>
      gptConfig({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 4, n_embd: 4 } as never),
    ).toThrow(/n_embd/);
    expect(() => gptConfig('gpt5' as never)).toThrow(/unknown preset 'gpt5'/);
  });
});

describe('tiny GPT', () => {
  const ids = (rows: number[][]) => tensor(rows, { dtype: 'i32' });

  it('is causal: changing token t+1 leaves the outputs at positions ≤ t unchanged', async () => {
    manualSeed(21);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 300);
    const a = [4, 8, 15, 16, 22, 0, 1];
    for (const t of [0, 3, 5]) {
      const b = [...a];
      b[t + 1] = (a[t + 1]! + 7) % 23;
      const [la, lb] = tidy(() => [model.forward(ids([a])).logits, model.forward(ids([b])).logits]);
      const x = await la!.data();
      const y = await lb!.data();
      const cut = (t + 1) * 23;
      expect(maxAbsDiff(x.slice(0, cut), y.slice(0, cut))).toBe(0);
      expect(maxAbsDiff(x.slice(cut), y.slice(cut))).toBeGreaterThan(1e-3);
      la!.dispose();
      lb!.dispose();
    }
    model.dispose();
  });

  it('the loss is the mean cross-entropy of the logits over counted targets', async () => {
    manualSeed(22);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 400);
    const targets = [[8, 15, 16, -100, 0]];
    const { logits, loss } = tidy(() => model.forward(ids([[4, 8, 15, 16, 22]]), { targets: ids(targets) }));
    const l = await logits.data();
    let sum = 0;
    let counted = 0;
    targets[0]!.forEach((target, t) => {
      if (target === -100) return;
      const row = [...l.slice(t * 23, t * 23 + 23)];
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      sum += lse - row[target]!;
      counted++;
    });
    expect(await loss!.item()).toBeCloseTo(sum / counted, 5);
    model.dispose();
  });

  it('with a KV cache, decoding token by token gives the same logits as one full pass', async () => {
    manualSeed(23);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 500);
    const seq = [
      [3, 1, 4, 1, 5, 9],
      [2, 7, 1, 8, 2, 8],
    ];
    const full = await tidy(() => model.forward(ids(seq)).logits).data();
    const first = tidy(() => model.forward(ids(seq.map((r) => r.slice(0, 4))), { useCache: true }));
    const second = tidy(() =>
      model.forward(ids(seq.map((r) => r.slice(4))), { pastKeyValues: first.pastKeyValues, useCache: true }),
    );
    expect(second.pastKeyValues![0]!.key.shape).toEqual([2, 2, 6, 8]);
    const a = await first.logits.data();
    const b = await second.logits.data();
    const stitched = [0, 1].flatMap((batch) => [
      ...a.slice(batch * 4 * 23, (batch + 1) * 4 * 23),
      ...b.slice(batch * 2 * 23, (batch + 1) * 2 * 23),
    ]);
    expect(maxAbsDiff(full, stitched)).toBeLessThan(1e-5);
    expect(() => tidy(() => model.forward(ids([new Array(17).fill(1)])))).toThrow(
      /17 positions .* exceed blockSize 16/,
    );
    model.dispose();
  });

  it('logitsToKeep: 1 gives the last row of the full logits; positionIds move a left-padded row to 0', async () => {
    manualSeed(26);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 600);
    const full = await tidy(() => model.forward(ids([[4, 8, 15, 16]])).logits).data();
    const last = tidy(() => model.forward(ids([[4, 8, 15, 16]]), { logitsToKeep: 1 }).logits);
    expect(last.shape).toEqual([1, 1, 23]);
    expect(maxAbsDiff(await last.data(), full.slice(3 * 23))).toBe(0);
    // Two pad tokens on the left, masked out, real tokens at positions 0 … 3: the same logits.
    const padded = tidy(
      () =>
        model.forward(ids([[9, 9, 4, 8, 15, 16]]), {
          attentionMask: ids([[0, 0, 1, 1, 1, 1]]),
          positionIds: ids([[0, 0, 0, 1, 2, 3]]),
          logitsToKeep: 4,
        }).logits,
    );
    expect(padded.shape).toEqual([1, 4, 23]);
    expect(maxAbsDiff(await padded.data(), full)).toBeLessThan(1e-5);
    expect(() => model.forward(ids([[1, 2]]), { logitsToKeep: -1 })).toThrow(/logitsToKeep must be/);
    expect(() => model.forward(ids([[1, 2]]), { logitsToKeep: 1, targets: ids([[2, 3]]) })).toThrow(
      /logitsToKeep and targets/,
    );
    expect(() => model.forward(ids([[1, 2]]), { positionIds: ids([[0, 1, 2]]) })).toThrow(
      /positionIds must be \[1, 2\].*got \[1, 3\]/,
    );
    model.dispose();
  });

  it('outputAttentions: per layer (B, nh, T, S) probabilities, causal, zero on padded keys; none kept unasked', async () => {
    manualSeed(27);
    const model = new GPT2LMHeadModel(TINY_GPT).eval();
    randomizeWeights(model, 700);
    const plain = tidy(() => model.forward(ids([[1, 2, 3]])));
    expect([plain.attentions, plain.hiddenStates, plain.pastKeyValues]).toEqual([null, null, null]);
    plain.logits.dispose();
    const out = tidy(() =>
      model.forward(ids([[7, 1, 2, 3]]), {
        attentionMask: ids([[0, 1, 1, 1]]),
        outputAttentions: true,
        outputHiddenStates: true,
      }),
    );
    expect(out.attentions).toHaveLength(2);
    expect(out.hiddenStates).toHaveLength(3); // embeddings, block 0, ln_f(block 1)
    for (const a of out.attentions!) {
      expect(a.shape).toEqual([1, 2, 4, 4]);
      const w = (await a.toArray()) as number[][][][];
      for (const head of w[0]!) {
        head.forEach((row, i) => {
          expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
          row.forEach((v, j) => {
            if (i > 0 && (j > i || j === 0)) expect(v).toBe(0); // future keys, the padded key
          });
        });
        // The padding query sees no key at all: a uniform row, not NaN.
        for (const v of head[0]!) expect(v).toBeCloseTo(0.25, 6);
      }
    }
    const trunk = tidy(() =>
      model.transformer.forward(ids([[7, 1, 2, 3]]), { attentionMask: ids([[0, 1, 1, 1]]) }),
    );
    expect(maxAbsDiff(await out.hiddenStates![2]!.data(), await trunk.lastHiddenState.data())).toBe(0);
    model.dispose();
  });

  it('the head is tied: lm_head.weight is wte.weight, and every parameter gets a gradient', async () => {
    manualSeed(24);
    const model = new GPT2LMHeadModel({ ...TINY_GPT, embdPdrop: 0.1, residPdrop: 0.1, attnPdrop: 0.1 });
    expect(model.lm_head.weight).toBe(model.transformer.wte.weight);
    tidy(() => {
      const { loss } = model.forward(ids([[1, 2, 3, 4]]), { targets: ids([[2, 3, 4, 5]]) });
      loss!.backward();
    });
    for (const [name, p] of model.namedParameters()) {
      const g = await (p.grad as Tensor).data();
      expect(g.every(Number.isFinite), name).toBe(true);
      expect(
        g.some((v) => v !== 0),
        name,
      ).toBe(true);
    }
    model.dispose();
  });

  it('initialises as GPT-2: N(0, 0.02²), residual projections N(0, (0.02/√(2·nLayer))²), LayerNorm 1 and 0', async () => {
    manualSeed(25);
    const model = new GPT2LMHeadModel({ vocabSize: 50, blockSize: 8, nLayer: 8, nHead: 2, nEmbd: 64 });
    const std = async (t: Tensor) => {
      const d = Float64Array.from(await t.data());
      return Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    };
    const block = model.transformer.h.at(0);
    expect(await std(block.attn.c_attn.weight)).toBeCloseTo(0.02, 3);
    expect(await std(block.mlp.c_fc.weight)).toBeCloseTo(0.02, 3);
    const scaled = 0.02 / Math.sqrt(16);
    expect(Math.abs((await std(block.attn.c_proj.weight)) / scaled - 1)).toBeLessThan(0.05);
    expect(Math.abs((await std(block.mlp.c_proj.weight)) / scaled - 1)).toBeLessThan(0.05);
    expect([...(await block.ln_1.weight!.data())].every((v) => v === 1)).toBe(true);
    expect([...(await block.attn.c_attn.bias!.data())].every((v) => v === 0)).toBe(true);
    model.dispose();
  });

  it('the same seed gives the same weights', async () => {
    manualSeed(7);
    const a = new GPT2LMHeadModel(TINY_GPT);
    manualSeed(7);
    const b = new GPT2LMHeadModel(TINY_GPT);
    expect(await a.transformer.h.at(1).mlp.c_fc.weight.data()).toEqual(
      await b.transformer.h.at(1).mlp.c_fc.weight.data(),
    );
    a.dispose();
    b.dispose();
  });

  it('a forward pass inside tidy leaves no tensors behind', () => {
    const model = new GPT2LMHeadModel(TINY_GPT);
    const before = memory().numTensors;
    tidy(() => {
      model.forward(ids([[1, 2, 3]]), { targets: ids([[2, 3, 4]]) }).loss!.backward();
    });
    model.zeroGrad();
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('rejects ids of the wrong dtype or rank with a clear error', () => {
    const model = new GPT2LMHeadModel(TINY_GPT);
    expect(() => model.forward(tensor([[1, 2]]))).toThrow(
      /input ids must be an i32 \(batch, seq\) tensor, got f32 \[1, 2\]/,
    );
    model.dispose();
  });
});

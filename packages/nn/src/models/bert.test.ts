// BERT: bert-base-uncased counts and tree (shape-only), HF names, padding mask, MLM and classifier heads.
import '@tensorlm/backend-cpu';
import { manualSeed, memory, tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { randomizeWeights, TINY_BERT } from '../../test/model-parity.js';
import { maxAbsDiff } from '../../test/reference.js';
import { ConfigError } from '../errors.js';
import { onMeta } from '../module/module.js';
import { BertForMaskedLM, BertForSequenceClassification, BertModel } from './bert.js';
import { bertConfig, bertConfigFromHF, bertConfigToHF } from './bert-config.js';

const BERT_TREE = `BertModel(
  (embeddings): BertEmbeddings(
    (word_embeddings): Embedding(30522, 768, padding_idx=0)
    (position_embeddings): Embedding(512, 768)
    (token_type_embeddings): Embedding(2, 768)
    (LayerNorm): LayerNorm((768,), eps=1e-12, elementwise_affine=True)
    (dropout): Dropout(p=0.1, inplace=False)
  )
  (encoder): BertEncoder(
    (layer): ModuleList(
      (0-11): 12 x BertLayer(
        (attention): BertAttention(
          (self): BertSelfAttention(
            (query): Linear(in_features=768, out_features=768, bias=True)
            (key): Linear(in_features=768, out_features=768, bias=True)
            (value): Linear(in_features=768, out_features=768, bias=True)
            (dropout): Dropout(p=0.1, inplace=False)
          )
          (output): BertSelfOutput(
            (dense): Linear(in_features=768, out_features=768, bias=True)
            (LayerNorm): LayerNorm((768,), eps=1e-12, elementwise_affine=True)
            (dropout): Dropout(p=0.1, inplace=False)
          )
        )
        (intermediate): BertIntermediate(
          (dense): Linear(in_features=768, out_features=3072, bias=True)
          (intermediate_act_fn): GELU(approximate='none')
        )
        (output): BertOutput(
          (dense): Linear(in_features=3072, out_features=768, bias=True)
          (LayerNorm): LayerNorm((768,), eps=1e-12, elementwise_affine=True)
          (dropout): Dropout(p=0.1, inplace=False)
        )
      )
    )
  )
  (pooler): BertPooler(
    (dense): Linear(in_features=768, out_features=768, bias=True)
    (activation): Tanh()
  )
)`;

describe('bert-base-uncased (built shape-only)', () => {
  const bert = onMeta(() => new BertModel(bertConfig('bert-base-uncased')));

  it('BertModel with pooler has 109,482,240 parameters', () => {
    expect(bert.numParameters()).toBe(109_482_240);
    // From the shapes: embeddings, 12 layers of 4 attention + 2 FFN linears + 2 LayerNorms, pooler.
    const c = 768;
    const embeddings = (30522 + 512 + 2) * c + 2 * c;
    const layer = 4 * (c * c + c) + (c * 3072 + 3072) + (3072 * c + c) + 2 * 2 * c;
    expect(embeddings + 12 * layer + (c * c + c)).toBe(109_482_240);
  });

  it('prints the module tree as PyTorch prints BertModel', () => {
    expect(bert.toString()).toBe(BERT_TREE);
  });

  it('uses Hugging Face names', () => {
    const keys = [...bert.stateDictShapes().keys()];
    expect(keys).toContain('embeddings.word_embeddings.weight');
    expect(keys).toContain('encoder.layer.0.attention.self.query.weight');
    expect(keys).toContain('encoder.layer.11.intermediate.dense.weight');
    expect(keys).toContain('encoder.layer.11.output.LayerNorm.bias');
    expect(keys).toContain('pooler.dense.weight');
    expect(keys).toHaveLength(5 + 12 * 16 + 2);
  });

  it('BertForMaskedLM: bert.* and cls.predictions.* with the decoder tied to the word embeddings', () => {
    const mlm = onMeta(() => new BertForMaskedLM(bertConfig('bert-base-uncased')));
    const keys = [...mlm.stateDictShapes().keys()];
    expect(keys[0]).toBe('bert.embeddings.word_embeddings.weight');
    expect(keys.filter((k) => k.startsWith('cls.'))).toEqual([
      'cls.predictions.bias',
      'cls.predictions.transform.dense.weight',
      'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.LayerNorm.weight',
      'cls.predictions.transform.LayerNorm.bias',
      'cls.predictions.decoder.weight',
      'cls.predictions.decoder.bias',
    ]);
    expect(keys).not.toContain('bert.pooler.dense.weight');
    // HF reports 109,514,298 for BertForMaskedLM: no pooler, + transform and vocab bias.
    expect(mlm.numParameters()).toBe(109_514_298);
  });
});

describe('BERT configs', () => {
  it('round-trips through Hugging Face config.json keys', () => {
    const config = bertConfig('bert-tiny');
    expect(bertConfigFromHF(bertConfigToHF(config))).toEqual(config);
    expect(bertConfigToHF(config)).toMatchObject({
      hidden_size: 128,
      num_hidden_layers: 2,
      layer_norm_eps: 1e-12,
    });
  });

  it('errors name the bad field', () => {
    expect(() => bertConfig({ hiddenSize: 100, numAttentionHeads: 3 })).toThrow(ConfigError);
    expect(() => bertConfig({ hiddenSize: 100, numAttentionHeads: 3 })).toThrow(
      /hiddenSize: must be divisible/,
    );
    expect(() => bertConfig({ hiddenDropoutProb: -1 })).toThrow(/hiddenDropoutProb/);
  });
});

describe('tiny BERT', () => {
  const i32 = (rows: number[][]) => tensor(rows, { dtype: 'i32' });

  it('respects the padding mask: padded positions do not change the other outputs', async () => {
    manualSeed(31);
    const model = new BertModel(TINY_BERT).eval();
    randomizeWeights(model, 600);
    const mask = i32([[1, 1, 1, 1, 0, 0]]);
    const base = [2, 9, 14, 3, 0, 0];
    const other = [2, 9, 14, 3, 27, 5]; // different tokens in the padded slots
    const [a, b, pa, pb] = tidy(() => {
      const x = model.forward(i32([base]), { attentionMask: mask });
      const y = model.forward(i32([other]), { attentionMask: mask });
      return [x.lastHiddenState, y.lastHiddenState, x.poolerOutput!, y.poolerOutput!];
    });
    const ha = await a!.data();
    const hb = await b!.data();
    expect(maxAbsDiff(ha.slice(0, 4 * 16), hb.slice(0, 4 * 16))).toBe(0);
    expect(maxAbsDiff(await pa!.data(), await pb!.data())).toBe(0);
    // Without the mask, the padded tokens do leak into the others.
    const [c, d] = tidy(() => [
      model.forward(i32([base])).lastHiddenState,
      model.forward(i32([other])).lastHiddenState,
    ]);
    expect(maxAbsDiff((await c!.data()).slice(0, 64), (await d!.data()).slice(0, 64))).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('is bidirectional: changing a later token changes earlier outputs', async () => {
    manualSeed(32);
    const model = new BertModel(TINY_BERT).eval();
    const [a, b] = tidy(() => [
      model.forward(i32([[2, 5, 6]])).lastHiddenState,
      model.forward(i32([[2, 5, 7]])).lastHiddenState,
    ]);
    expect(maxAbsDiff((await a!.data()).slice(0, 16), (await b!.data()).slice(0, 16))).toBeGreaterThan(1e-5);
    model.dispose();
  });

  it('the attention weights give zero mass to padded keys and sum to 1', async () => {
    const model = new BertModel(TINY_BERT).eval();
    const out = tidy(() =>
      model.forward(i32([[2, 4, 3, 0]]), { attentionMask: i32([[1, 1, 1, 0]]), outputAttentions: true }),
    );
    expect(out.attentions).toHaveLength(2);
    const w = (await out.attentions![1]!.toArray()) as number[][][][];
    for (const head of w[0]!) {
      for (const row of head) {
        expect(row[3]).toBe(0);
        expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      }
    }
    model.dispose();
  });

  it('masked LM: logits over the vocabulary through the tied decoder, loss over labelled positions', async () => {
    manualSeed(33);
    const model = new BertForMaskedLM(TINY_BERT).eval();
    expect(model.cls.predictions.decoder.weight).toBe(model.bert.embeddings.word_embeddings.weight);
    expect(model.cls.predictions.decoder.bias).toBe(model.cls.predictions.bias);
    const labels = [[-100, 7, -100, -100]];
    const { logits, loss } = tidy(() => model.forward(i32([[2, 1, 5, 3]]), { labels: i32(labels) }));
    expect(logits.shape).toEqual([1, 4, 31]);
    const row = [...(await logits.data()).slice(31, 62)];
    const max = Math.max(...row);
    const nll = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[7]!;
    expect(await loss!.item()).toBeCloseTo(nll, 5);
    model.dispose();
  });

  it('sequence classification: logits (B, numLabels) from the pooled [CLS]; training gives grads everywhere', async () => {
    manualSeed(34);
    const model = new BertForSequenceClassification({ ...TINY_BERT, numLabels: 3 });
    const before = memory().numTensors;
    tidy(() => {
      const { logits, loss } = model.forward(
        i32([
          [2, 5, 3],
          [2, 6, 3],
        ]),
        { labels: i32([[0, 2]]).reshape([2]) },
      );
      expect(logits.shape).toEqual([2, 3]);
      loss!.backward();
    });
    const grads = model.namedParameters().filter(([, p]) => p.grad !== null);
    expect(grads.length).toBe(model.namedParameters().length);
    model.zeroGrad();
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });
});

// Each official layout, built by hand from a tiny model's state dict renamed as the real
// checkpoints store it, loads to the same logits; what was renamed, ignored or tied is
// reported; missing weights, unaccounted tensors and config fields the model cannot honour
// are errors that name them.
import '@tensorlm/backend-cpu';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BertForMaskedLM, BertModel, GPT2LMHeadModel, GPT2Model, type HostTensor } from '@tensorlm/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bertConfigJson, gpt2ConfigJson } from '../../test/configs.js';
import {
  hostStateDict,
  hostTensor,
  logitsOf,
  TINY_BERT,
  TINY_GPT,
  tempDir,
  tinyBertMlm,
  tinyGpt,
  writeSafetensors,
} from '../../test/tiny.js';
import { ModelFolderError } from '../errors.js';
import { fromPretrained } from './from-pretrained.js';
import { formatLoadReport } from './report.js';

let root = '';
beforeAll(async () => {
  root = await tempDir('keys');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function folder(
  name: string,
  config: Record<string, unknown>,
  tensors: Map<string, HostTensor>,
): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}

/** The GPT-2 layout of the official `gpt2` repo: no `transformer.` prefix, no lm_head, mask buffers. */
function officialGpt2(sd: Map<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of sd) {
    if (name === 'lm_head.weight') continue;
    out.set(name.replace(/^transformer\./, ''), t);
  }
  for (let i = 0; i < TINY_GPT.nLayer; i++) {
    const T = TINY_GPT.blockSize;
    out.set(
      `h.${i}.attn.bias`,
      hostTensor([1, 1, T, T], (k) => (k % T <= Math.floor(k / T) ? 1 : 0)),
    );
    out.set(
      `h.${i}.attn.masked_bias`,
      hostTensor([], () => -1e4),
    );
  }
  return out;
}

describe('GPT-2 layouts', () => {
  it('the official gpt2 layout (no prefix, attention-mask buffers, no lm_head) loads to identical logits', async () => {
    const model = tinyGpt(11);
    const expected = await logitsOf(model);
    const dir = await folder('gpt2-official', gpt2ConfigJson(), officialGpt2(await hostStateDict(model)));
    const { model: loaded, report } = await fromPretrained<GPT2LMHeadModel>(dir);
    expect(loaded).toBeInstanceOf(GPT2LMHeadModel);
    expect(await logitsOf(loaded)).toEqual(expected);
    expect(report.renamed).toContainEqual({
      from: 'h.0.attn.c_attn.weight',
      to: 'transformer.h.0.attn.c_attn.weight',
      reason: "stored without the base-model prefix 'transformer.'",
    });
    expect(report.ignored.map((i) => i.key).sort()).toEqual(
      ['h.0.attn.bias', 'h.0.attn.masked_bias', 'h.1.attn.bias', 'h.1.attn.masked_bias'].sort(),
    );
    expect(report.tied).toEqual([{ key: 'lm_head.weight', from: 'transformer.wte.weight' }]);
    const lines = formatLoadReport(report);
    expect(lines[0]).toMatch(/^renamed 28 tensors \(stored without the base-model prefix 'transformer\.'\)/);
    expect(lines).toContain('tied lm_head.weight to transformer.wte.weight');
    loaded.dispose();
    model.dispose();
  });

  it('a stored lm_head.weight equal to wte is accepted; one that differs is an error naming both', async () => {
    const model = tinyGpt(12);
    const sd = await hostStateDict(model); // stateDict() lists the tied head under both names
    const dir = await folder('gpt2-stored-head', gpt2ConfigJson(), sd);
    const { model: loaded, report } = await fromPretrained<GPT2LMHeadModel>(dir);
    expect(await logitsOf(loaded)).toEqual(await logitsOf(model));
    expect(report.ignored).toEqual([
      {
        key: 'lm_head.weight',
        reason: "stored copy of the tied weight 'transformer.wte.weight' (checked equal)",
      },
    ]);
    loaded.dispose();

    const head = sd.get('lm_head.weight')!;
    sd.set('lm_head.weight', { ...head, data: head.data.map((v) => v + 1) as Float32Array });
    const bad = await folder('gpt2-different-head', gpt2ConfigJson(), sd);
    await expect(fromPretrained(bad)).rejects.toThrow(
      /'lm_head\.weight' is stored with values different from 'transformer\.wte\.weight'/,
    );
    model.dispose();
  });

  it('GPT2Model loads from a GPT2LMHeadModel file: prefix stripped, the LM head ignored with a note', async () => {
    const model = tinyGpt(13);
    const dir = await folder('gpt2-lm-as-base', gpt2ConfigJson(), await hostStateDict(model));
    const { model: base, report } = await fromPretrained<GPT2Model>(dir, { architecture: 'GPT2Model' });
    expect(base).toBeInstanceOf(GPT2Model);
    expect(report.ignored).toContainEqual({
      key: 'lm_head.weight',
      reason: 'the LM head of GPT2LMHeadModel; this model has none',
    });
    expect(report.renamed).toContainEqual(
      expect.objectContaining({ from: 'transformer.wte.weight', to: 'wte.weight' }),
    );
    base.dispose();
    model.dispose();
  });

  it('a missing weight is an error listing it, before anything loads; an unknown tensor too', async () => {
    const model = tinyGpt(14);
    const sd = officialGpt2(await hostStateDict(model));
    sd.delete('h.1.mlp.c_fc.bias');
    sd.set('h.0.attn.rotary_freqs', hostTensor([4]));
    const dir = await folder('gpt2-missing', gpt2ConfigJson(), sd);
    const error = await fromPretrained(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFolderError);
    expect((error as ModelFolderError).code).toBe('MODEL_WEIGHTS_MISMATCH');
    expect((error as Error).message).toMatch(/missing keys: transformer\.h\.1\.mlp\.c_fc\.bias/);
    expect((error as Error).message).toMatch(/unexpected keys: h\.0\.attn\.rotary_freqs/);
    model.dispose();
  });

  it.each([
    [{ scale_attn_weights: false }, 'scale_attn_weights'],
    [{ scale_attn_by_inverse_layer_idx: true }, 'scale_attn_by_inverse_layer_idx'],
    [{ activation_function: 'swish' }, 'activation_function'],
    [{ add_cross_attention: true }, 'add_cross_attention'],
  ])('config %j is refused naming the field', async (fields, field) => {
    const dir = join(root, `gpt2-config-${field}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...gpt2ConfigJson(), ...fields }));
    const error = (await fromPretrained(dir).catch((e: unknown) => e)) as ModelFolderError;
    expect(error.code).toBe('MODEL_CONFIG_UNSUPPORTED');
    expect(error.message).toContain(`field '${field}'`);
    expect(error.message).toContain(join(dir, 'config.json'));
  });

  it('gelu_pytorch_tanh is GPT-2’s own GELU and is accepted', async () => {
    const model = tinyGpt(15);
    const dir = await folder(
      'gpt2-tanh',
      { ...gpt2ConfigJson(), activation_function: 'gelu_pytorch_tanh' },
      await hostStateDict(model),
    );
    const { model: loaded } = await fromPretrained<GPT2LMHeadModel>(dir);
    expect(await logitsOf(loaded)).toEqual(await logitsOf(model));
    loaded.dispose();
    model.dispose();
  });
});

/** bert-base-uncased's layout: BertForPreTraining names, legacy gamma/beta, NSP head, pooler, position_ids. */
function officialBert(sd: Map<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const H = TINY_BERT.hiddenSize;
  for (const [name, t] of sd) {
    if (name === 'cls.predictions.decoder.bias') continue; // old files store only cls.predictions.bias
    out.set(
      name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
      t,
    );
  }
  out.set(
    'bert.embeddings.position_ids',
    hostTensor([1, TINY_BERT.maxPositionEmbeddings], (i) => i),
  );
  out.set(
    'bert.pooler.dense.weight',
    hostTensor([H, H], (i) => i / 100),
  );
  out.set('bert.pooler.dense.bias', hostTensor([H]));
  out.set(
    'cls.seq_relationship.weight',
    hostTensor([2, H], (i) => i),
  );
  out.set('cls.seq_relationship.bias', hostTensor([2]));
  return out;
}

describe('BERT layouts', () => {
  it('bert-base-uncased’s layout (gamma/beta, NSP head, pooler, position_ids, stored decoder) loads into BertForMaskedLM', async () => {
    const model = tinyBertMlm(21);
    const expected = await logitsOf(model);
    const dir = await folder(
      'bert-official',
      bertConfigJson('BertForPreTraining'),
      officialBert(await hostStateDict(model)),
    );
    const { model: loaded, report } = await fromPretrained<BertForMaskedLM>(dir, {
      architecture: 'BertForMaskedLM',
    });
    expect(await logitsOf(loaded)).toEqual(expected);
    expect(report.renamed).toContainEqual({
      from: 'bert.embeddings.LayerNorm.gamma',
      to: 'bert.embeddings.LayerNorm.weight',
      reason: "legacy name 'gamma' (LayerNorm weight)",
    });
    const ignored = new Map(report.ignored.map((i) => [i.key, i.reason]));
    expect(ignored.get('bert.embeddings.position_ids')).toMatch(/position_ids buffer/);
    expect(ignored.get('cls.seq_relationship.weight')).toMatch(/next-sentence head/);
    expect(ignored.get('bert.pooler.dense.weight')).toMatch(/pooler/);
    expect(ignored.get('cls.predictions.decoder.weight')).toMatch(
      /stored copy of the tied weight 'bert\.embeddings\.word_embeddings\.weight'/,
    );
    expect(report.tied).toContainEqual({ key: 'cls.predictions.decoder.bias', from: 'cls.predictions.bias' });
    loaded.dispose();
    model.dispose();
  });

  it('BertModel loads from a file with the bert. prefix (heads ignored) and from one without', async () => {
    const mlm = tinyBertMlm(22);
    const sd = officialBert(await hostStateDict(mlm));
    const dir = await folder('bert-prefixed', bertConfigJson('BertForPreTraining'), sd);
    const { model: base, report } = await fromPretrained<BertModel>(dir, { architecture: 'BertModel' });
    expect(base).toBeInstanceOf(BertModel);
    expect(report.renamed).toContainEqual(
      expect.objectContaining({
        from: 'bert.encoder.layer.0.output.dense.weight',
        to: 'encoder.layer.0.output.dense.weight',
      }),
    );
    expect(report.ignored.map((i) => i.key)).toContain('cls.predictions.transform.dense.weight');
    const ids = [[3, 1, 4, 1, 5]];
    const pooled = async (m: BertModel) => {
      const { tensor, tidy } = await import('@tensorlm/tensor-core');
      const input = tensor(ids, { dtype: 'i32' });
      const out = tidy(() => m.forward(input).poolerOutput!);
      const data = await out.data();
      out.dispose();
      input.dispose();
      return data;
    };
    // The same weights stored without the prefix (a BertModel file) give the same pooled output.
    const bare = new Map([...sd].filter(([k]) => k.startsWith('bert.')).map(([k, v]) => [k.slice(5), v]));
    const bareDir = await folder('bert-bare', bertConfigJson('BertModel'), bare);
    const { model: base2 } = await fromPretrained<BertModel>(bareDir);
    expect(await pooled(base2)).toEqual(await pooled(base));
    base.dispose();
    base2.dispose();
    mlm.dispose();
  });

  it.each([
    [{ position_embedding_type: 'relative_key' }, 'position_embedding_type'],
    [{ hidden_act: 'silu' }, 'hidden_act'],
    [{ is_decoder: true }, 'is_decoder'],
    [{ tie_word_embeddings: false }, 'tie_word_embeddings'],
  ])('config %j is refused naming the field', async (fields, field) => {
    const dir = join(root, `bert-config-${field}`);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ ...bertConfigJson('BertForMaskedLM'), ...fields }),
    );
    const error = (await fromPretrained(dir).catch((e: unknown) => e)) as ModelFolderError;
    expect(error.code).toBe('MODEL_CONFIG_UNSUPPORTED');
    expect(error.message).toContain(`field '${field}'`);
  });

  it('an unregistered architecture lists the registered ones', async () => {
    const dir = join(root, 'unknown-arch');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama' }),
    );
    await expect(fromPretrained(dir)).rejects.toThrow(
      /names architectures \["LlamaForCausalLM"\]; registered: GPT2LMHeadModel, GPT2Model, GPT2ForSequenceClassification, BertModel, BertForMaskedLM, BertForSequenceClassification, LSTMLanguageModel/,
    );
  });
});

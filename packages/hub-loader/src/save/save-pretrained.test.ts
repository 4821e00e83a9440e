// savePretrained → fromPretrained round trips to identical logits; the folder holds the
// names and config.json keys transformers writes (hand-listed here from transformers'
// GPT2Config / BertConfig to_diff_dict output); sharding with a tiny limit; a folder
// holding a user's file is refused untouched; a re-save replaces only its own files.
import '@tensorlm/backend-cpu';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BertForMaskedLM,
  BertForSequenceClassification,
  GPT2LMHeadModel,
  parseSafetensors,
} from '@tensorlm/nn';
import { tensor, tidy } from '@tensorlm/tensor-core';
import { CharTokenizer, trainBpe, WordTokenizer } from '@tensorlm/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logitsOf, randomize, TINY_BERT, TINY_GPT, tempDir, tinyBertMlm, tinyGpt } from '../../test/tiny.js';
import type { ModelFolderError } from '../errors.js';
import { fromPretrained } from '../load/from-pretrained.js';
import { SAVED_FILES_MANIFEST, savePretrained } from './save-pretrained.js';

let root = '';
beforeAll(async () => {
  root = await tempDir('save');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const json = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;

// The keys transformers 4.x's save_pretrained writes for a default-config model (less
// transformers_version, which only transformers itself can truthfully write).
const GPT2_CONFIG_KEYS = [
  'activation_function',
  'architectures',
  'attn_pdrop',
  'bos_token_id',
  'embd_pdrop',
  'eos_token_id',
  'initializer_range',
  'layer_norm_epsilon',
  'model_type',
  'n_embd',
  'n_head',
  'n_inner',
  'n_layer',
  'n_positions',
  'reorder_and_upcast_attn',
  'resid_pdrop',
  'scale_attn_by_inverse_layer_idx',
  'scale_attn_weights',
  'summary_activation',
  'summary_first_dropout',
  'summary_proj_to_labels',
  'summary_type',
  'summary_use_proj',
  'torch_dtype',
  'use_cache',
  'vocab_size',
];
const BERT_CONFIG_KEYS = [
  'architectures',
  'attention_probs_dropout_prob',
  'classifier_dropout',
  'hidden_act',
  'hidden_dropout_prob',
  'hidden_size',
  'initializer_range',
  'intermediate_size',
  'layer_norm_eps',
  'max_position_embeddings',
  'model_type',
  'num_attention_heads',
  'num_hidden_layers',
  'pad_token_id',
  'position_embedding_type',
  'torch_dtype',
  'type_vocab_size',
  'use_cache',
  'vocab_size',
];

describe('savePretrained', () => {
  it('GPT2LMHeadModel with a BPE tokenizer: transformers’ names and keys, identical logits back', async () => {
    const model = randomize(new GPT2LMHeadModel({ ...TINY_GPT, vocabSize: 280 }), 31);
    const tokenizer = trainBpe(['the cat sat on the mat', 'the dog sat'], {
      vocabSize: 280,
      specialTokens: { eos: '<|endoftext|>', bos: '<|endoftext|>' },
    });
    const dir = join(root, 'gpt2');
    const { files } = await savePretrained(dir, { model, tokenizer });
    expect(files).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const config = await json(join(dir, 'config.json'));
    expect(Object.keys(config).sort()).toEqual(GPT2_CONFIG_KEYS);
    expect(config).toMatchObject({
      architectures: ['GPT2LMHeadModel'],
      n_embd: 16,
      n_layer: 2,
      torch_dtype: 'float32',
    });
    const weights = parseSafetensors(await readFile(join(dir, 'model.safetensors')));
    expect(weights.metadata.format).toBe('pt');
    expect(weights.names()).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      ...[0, 1].flatMap((i) =>
        [
          'ln_1.weight',
          'ln_1.bias',
          'attn.c_attn.weight',
          'attn.c_attn.bias',
          'attn.c_proj.weight',
          'attn.c_proj.bias',
          'ln_2.weight',
          'ln_2.bias',
          'mlp.c_fc.weight',
          'mlp.c_fc.bias',
          'mlp.c_proj.weight',
          'mlp.c_proj.bias',
        ].map((n) => `transformer.h.${i}.${n}`),
      ),
      'transformer.ln_f.weight',
      'transformer.ln_f.bias',
    ]);
    const tokenizerJson = await json(join(dir, 'tokenizer.json'));
    expect((tokenizerJson.model as { type: string }).type).toBe('BPE');
    expect(await json(join(dir, 'tokenizer_config.json'))).toMatchObject({
      tokenizer_class: 'GPT2Tokenizer',
      model_max_length: 16,
    });

    const back = await fromPretrained<GPT2LMHeadModel>(dir);
    expect(back.model).toBeInstanceOf(GPT2LMHeadModel);
    expect(await logitsOf(back.model)).toEqual(await logitsOf(model));
    expect(back.tokenizer?.encode('the cat sat')).toEqual(tokenizer.encode('the cat sat'));
    expect(back.generationConfig).toMatchObject({ _from_model_config: true });
    back.model.dispose();
    model.dispose();
  });

  it.each([
    [
      'word',
      () =>
        WordTokenizer.fromVocab(['the', 'dog', 'cat', 'sees'], {
          specialTokens: { pad: '[Pad]', eos: '[End]' },
          appendEos: true,
        }),
      'the dog sees the cat',
    ],
    [
      'char',
      () => CharTokenizer.fromCorpus('the dog sees a cat', { unkToken: '?' }),
      'the cat sees a dogfish',
    ],
  ] as const)(
    'a %s tokenizer is saved as a Hugging Face WordLevel tokenizer.json and loads back',
    async (kind, make, text) => {
      const tokenizer = make();
      const model = tinyGpt(39);
      const dir = join(root, `tokenizer-${kind}`);
      await savePretrained(dir, { model, tokenizer });
      const saved = await json(join(dir, 'tokenizer.json'));
      expect((saved.model as { type: string }).type).toBe('WordLevel');
      expect(await json(join(dir, 'tokenizer_config.json'))).toMatchObject({
        tokenizer_class: 'PreTrainedTokenizerFast',
        clean_up_tokenization_spaces: false,
      });
      const back = await fromPretrained(dir);
      expect(back.tokenizer?.kind).toBe(kind);
      expect(back.tokenizer?.specialTokens).toEqual(tokenizer.specialTokens);
      expect(back.tokenizer?.encode(text)).toEqual(tokenizer.encode(text));
      back.model.dispose();
      model.dispose();
    },
  );

  it('BertForMaskedLM: transformers’ keys, decoder stored once (as the word embeddings)', async () => {
    const model = tinyBertMlm(32);
    const dir = join(root, 'bert-mlm');
    await savePretrained(dir, { model });
    expect(Object.keys(await json(join(dir, 'config.json'))).sort()).toEqual(BERT_CONFIG_KEYS);
    const names = parseSafetensors(await readFile(join(dir, 'model.safetensors'))).names();
    expect(names).toContain('bert.embeddings.word_embeddings.weight');
    expect(names).toContain('cls.predictions.bias');
    expect(names.filter((n) => n.startsWith('cls.predictions.decoder'))).toEqual([]);
    expect(names.filter((n) => n.includes('pooler'))).toEqual([]);
    const back = await fromPretrained<BertForMaskedLM>(dir);
    expect(await logitsOf(back.model)).toEqual(await logitsOf(model));
    expect(back.tokenizer).toBeNull();
    back.model.dispose();
    model.dispose();
  });

  it('BertForSequenceClassification with 3 labels writes id2label and round-trips', async () => {
    const model = randomize(new BertForSequenceClassification({ ...TINY_BERT, numLabels: 3 }), 33);
    const dir = join(root, 'bert-clf');
    await savePretrained(dir, { model });
    const config = await json(join(dir, 'config.json'));
    expect(config.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
    const back = await fromPretrained<BertForSequenceClassification>(dir);
    expect(back.model.config.numLabels).toBe(3);
    expect(await logitsOf(back.model)).toEqual(await logitsOf(model));
    back.model.dispose();
    model.dispose();
  });

  it('shards above the limit with an index transformers reads, and loads back identically', async () => {
    const model = tinyGpt(34);
    const dir = join(root, 'sharded');
    const { files } = await savePretrained(dir, { model, maxShardBytes: 4096 });
    const shards = files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f));
    expect(shards.length).toBeGreaterThan(2);
    expect(files).not.toContain('model.safetensors');
    const index = await json(join(dir, 'model.safetensors.index.json'));
    const weightMap = index.weight_map as Record<string, string>;
    expect(Object.keys(weightMap)).toHaveLength(28);
    expect(new Set(Object.values(weightMap))).toEqual(new Set(shards));
    // total_size is the sum of the tensors' bytes: 4 bytes per f32 parameter.
    expect((index.metadata as { total_size: number }).total_size).toBe(4 * model.numParameters());
    const back = await fromPretrained<GPT2LMHeadModel>(dir);
    expect(await logitsOf(back.model)).toEqual(await logitsOf(model));
    back.model.dispose();

    // Re-saving unsharded into its own folder removes the stale shards and index.
    const again = await savePretrained(dir, { model });
    expect(again.files).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
    expect((await readdir(dir)).sort()).toEqual([SAVED_FILES_MANIFEST, ...again.files].sort());
    model.dispose();
  });

  it('refuses a folder holding a file it did not write, and changes nothing', async () => {
    const dir = join(root, 'users-folder');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await writeFile(join(dir, 'config.json'), '{"mine": true}');
    const model = tinyGpt(35);
    const error = (await savePretrained(dir, { model }).catch((e: unknown) => e)) as ModelFolderError;
    expect(error.code).toBe('MODEL_FOLDER_NOT_OURS');
    expect(error.message).toMatch(
      /holds files it did not write \((config\.json, notes\.txt|notes\.txt, config\.json)\)/,
    );
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'notes.txt']);
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe('{"mine": true}');
    model.dispose();
  });

  it('writes generation_config.json as transformers does: known token ids only, never null', async () => {
    // No tokenizer and a vocabulary without GPT-2's <|endoftext|>: the ids are unknown, and
    // transformers' diff against GenerationConfig() (whose ids default to None) leaves them out.
    const model = tinyGpt(37);
    const bare = join(root, 'generation-bare');
    await savePretrained(bare, { model });
    expect(await json(join(bare, 'generation_config.json'))).toEqual({ _from_model_config: true });
    model.dispose();

    // The fixtures' GPT-2 (bos = eos = 79): transformers 5.18 wrote the ids, plus
    // transformers_version and three fields at GenerationConfig's own defaults, which 4.x
    // (whose config.json keys savePretrained follows) leaves out of its diff.
    const ref = JSON.parse(
      await readFile(join(import.meta.dirname, '../../fixtures/names-gpt2lmheadmodel.json'), 'utf8'),
    ) as {
      configs: Record<string, Record<string, unknown>>;
      generation_configs: Record<string, Record<string, unknown>>;
    };
    const { transformers_version, output_attentions, output_hidden_states, use_cache, ...written } =
      ref.generation_configs['5.18.0']!;
    expect([output_attentions, output_hidden_states, use_cache]).toEqual([false, false, true]);
    const architecture = (await import('../registry/registry.js')).getArchitecture('GPT2LMHeadModel')!;
    const gpt = architecture.build(architecture.configFromHF(ref.configs['4.46.3']!)) as GPT2LMHeadModel;
    const dir = join(root, 'generation-ids');
    await savePretrained(dir, { model: gpt, extraConfig: ref.configs['4.46.3']! });
    expect(await json(join(dir, 'generation_config.json'))).toEqual(written);
    gpt.dispose();

    // A given config's null ids go too; its other fields are kept as they are.
    const given = join(root, 'generation-given');
    const again = tinyGpt(38);
    await savePretrained(given, {
      model: again,
      generationConfig: { bos_token_id: null, eos_token_id: 5, pad_token_id: null, max_length: 20 },
    });
    expect(await json(join(given, 'generation_config.json'))).toEqual({ eos_token_id: 5, max_length: 20 });
    again.dispose();
  });

  it('keeps extra config fields of a loaded model (token ids, task params) while its own fields win', async () => {
    const model = tinyGpt(36);
    const dir = join(root, 'extra');
    await savePretrained(dir, {
      model,
      extraConfig: {
        task_specific_params: { 'text-generation': { max_length: 50 } },
        eos_token_id: 3,
        n_embd: 999,
      },
    });
    const config = await json(join(dir, 'config.json'));
    expect(config.task_specific_params).toEqual({ 'text-generation': { max_length: 50 } });
    expect(config.eos_token_id).toBe(3);
    expect(config.n_embd).toBe(16);
    const ids = tensor([[0]], { dtype: 'i32' });
    tidy(() => model.forward(ids));
    ids.dispose();
    model.dispose();
  });
});

// `tensorlm train embeddings --init DIR`: SimCSE starting from a trained masked LM's
// encoder. A tiny BertForMaskedLM with bert-base-uncased's vocabulary (random weights,
// saved as a model folder) starts the run: the run keeps its width and depth, and after
// two small steps its word embeddings are still the masked LM's (a fresh model would be
// another random draw). Refused before anything is written: --init with --layers, a GPT
// folder, a BERT with another vocabulary.
import '@tensorlm/backend-cpu';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromPretrained, savePretrained } from '@tensorlm/hub-loader';
import { BertForMaskedLM, BertModel, bertConfig } from '@tensorlm/nn';
import { manualSeed, setBackend } from '@tensorlm/tensor-core';
import { bertBaseUncased } from '@tensorlm/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli.js';

const FIXTURES = fileURLToPath(new URL('../../../../packages/', import.meta.url));
const SMALL_VOCAB_BERT = join(FIXTURES, 'tasks', 'fixtures', 'bert-model');
const GPT2 = join(FIXTURES, 'hub-loader', 'fixtures', 'gpt2-official-safetensors');
const SENTENCES = Array.from(
  { length: 24 },
  (_, i) => `review ${i}: the film was ${['funny', 'boring', 'long', 'warm'][i % 4]} and ${i} people laughed`,
);
let dir: string;
let mlm: string;
let sentences: string;
let mlmWords: Float32Array;

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-train-embeddings-'));
  sentences = join(dir, 'sentences.txt');
  await writeFile(sentences, `${SENTENCES.join('\n')}\n`);
  const tokenizer = await bertBaseUncased();
  manualSeed(11);
  const model = new BertForMaskedLM(
    bertConfig({
      vocabSize: tokenizer.vocabSize,
      hiddenSize: 16,
      numHiddenLayers: 1,
      numAttentionHeads: 2,
      intermediateSize: 32,
      maxPositionEmbeddings: 32,
    }),
  );
  mlmWords = (await model.bert.embeddings.word_embeddings.weight.data()) as Float32Array;
  mlm = join(dir, 'mlm');
  await savePretrained(mlm, { model, tokenizer });
  model.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const train = (...extra: string[]) =>
  cli([
    'train',
    'embeddings',
    '--file',
    sentences,
    '--steps',
    '2',
    '--batch-size',
    '4',
    '--max-length',
    '16',
    '--backend',
    'cpu',
    ...extra,
  ]);

describe('train embeddings --init', () => {
  it('starts from the masked LM’s encoder, keeping its width and depth', async () => {
    const out = join(dir, 'from-mlm');
    const r = await train('--init', mlm, '--out', out);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out.join('\n')).toMatch(/init: BertForMaskedLM from .*mlm/);
    expect(r.out.join('\n')).toContain('model: BERT 1×16 (2 heads)');
    const config = JSON.parse(await readFile(join(out, 'checkpoint-2', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ hidden_size: 16, num_hidden_layers: 1, architectures: ['BertModel'] });
    const trained = await fromPretrained(join(out, 'checkpoint-2'));
    expect(trained.model).toBeInstanceOf(BertModel);
    const words = (await (
      trained.model as BertModel
    ).embeddings.word_embeddings.weight.data()) as Float32Array;
    trained.model.dispose();
    let worst = 0;
    for (let i = 0; i < words.length; i++) worst = Math.max(worst, Math.abs(words[i]! - mlmWords[i]!));
    // Two AdamW steps at lr ≤ 1e-3 move a weight by about 2e-3 at most; another random
    // draw (std 0.02 per weight, 488k weights) would differ by ≥ 0.05 somewhere.
    expect(worst).toBeLessThan(5e-3);
  });

  it('refuses --init with --layers, a GPT, and another vocabulary, writing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--init', mlm, '--layers', '2'], /leave out --hidden-size and --layers/],
      [['--init', GPT2], /GPT2LMHeadModel, not a BERT encoder or masked LM/],
      [['--init', SMALL_VOCAB_BERT], /vocabulary of \d+ tokens.*bert-base-uncased/],
    ];
    for (const [i, [args, message]] of cases.entries()) {
      const out = join(dir, `refused-${i}`);
      const r = await train(...args, '--out', out);
      expect(r.code, r.out.join('\n')).toBe(2);
      expect(r.err.join('\n')).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});

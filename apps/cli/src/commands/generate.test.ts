import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorlm/backend-cpu';
import { Grammar, SEED_GRAMMAR } from '@tensorlm/datasets';
import { GPT2LMHeadModel, gptConfig, saveModel } from '@tensorlm/nn';
import { manualSeed, setBackend } from '@tensorlm/tensor-core';
import { saveTokenizer, WordTokenizer } from '@tensorlm/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_FILE, TOKENIZER_FILE } from '../checkpoint-files.js';
import { main } from '../cli.js';

// A run folder as `tensorlm train grammar` leaves it, with an untrained model: the
// command's plumbing is under test here, not the model's quality.
let run: string;
const grammar = new Grammar(SEED_GRAMMAR);

beforeAll(async () => {
  await setBackend('cpu');
  manualSeed(1);
  run = await mkdtemp(join(tmpdir(), 'tensorlm-generate-'));
  const model = new GPT2LMHeadModel(
    gptConfig({ vocabSize: grammar.vocab.length, blockSize: 32, nEmbd: 16, nLayer: 1, nHead: 2 }),
  );
  await saveModel(model, join(run, 'checkpoint-1'));
  model.dispose();
  await writeFile(join(run, 'best.json'), JSON.stringify({ checkpoint: 'checkpoint-1', step: 1 }));
  const tokenizer = WordTokenizer.fromVocab(grammar.vocab, {
    specialTokens: { pad: '[Pad]', eos: '[End]' },
  });
  await saveTokenizer(tokenizer, join(run, TOKENIZER_FILE));
  await writeFile(join(run, TASK_FILE), JSON.stringify({ task: 'grammar', tokenizer: 'grammar' }));
});

afterAll(async () => {
  await rm(run, { recursive: true, force: true });
});

async function generateLines(extra: string[]): Promise<{ code: number; lines: string[]; written: string }> {
  const lines: string[] = [];
  let written = '';
  const code = await main(
    ['generate', '--checkpoint', run, '--prompt', 'the dog', '--backend', 'cpu', ...extra],
    { out: (l) => lines.push(l), write: (t) => (written += t) },
  );
  return { code, lines, written };
}

describe('tensorlm generate', () => {
  it('streams one sampled sequence that starts with the prompt, in the vocabulary', async () => {
    const { code, written, lines } = await generateLines(['--max-new-tokens', '8', '--seed', '3']);
    expect(code).toBe(0);
    const words = written.trim().split(' ');
    expect(words.slice(0, 2)).toEqual(['the', 'dog']);
    expect(words.length).toBeLessThanOrEqual(2 + 8);
    for (const w of words) expect(grammar.vocab).toContain(w);
    expect(lines.some((l) => /^grammatical: [01] of 1 /.test(l))).toBe(true);
  });

  it('the same seed gives the same samples; another seed, others', async () => {
    const args = ['--n', '4', '--max-new-tokens', '10', '--temperature', '1.5'];
    const a = await generateLines([...args, '--seed', '7']);
    const b = await generateLines([...args, '--seed', '7']);
    const c = await generateLines([...args, '--seed', '8']);
    const samples = (r: { lines: string[] }) => r.lines.filter((l) => /^\[\d\]/.test(l));
    expect(samples(a)).toHaveLength(4);
    expect(samples(a)).toEqual(samples(b));
    expect(samples(a)).not.toEqual(samples(c));
  });

  it('greedy with and without the KV cache gives the same text', async () => {
    const cached = await generateLines(['--greedy', '--max-new-tokens', '12']);
    const uncached = await generateLines(['--greedy', '--no-cache', '--max-new-tokens', '12']);
    expect(cached.written).toBe(uncached.written);
  });

  it('names words outside the vocabulary, a missing checkpoint, and a bad option', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      expect(await main(['generate', '--checkpoint', run, '--prompt', 'the unicorn'], () => {})).toBe(2);
      expect(
        await main(['generate', '--checkpoint', join(run, 'nope'), '--prompt', 'the dog'], () => {}),
      ).toBe(2);
      expect(await main(['generate', '--checkpoint', run, '--prompt', 'a', '--top-p', '2'], () => {})).toBe(
        2,
      );
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/"unicorn" is not in the vocabulary/);
    expect(errors[1]).toMatch(/nope' does not exist/);
    expect(errors[2]).toMatch(/--top-p/);
  });

  it('refuses a config that does not match the weights, naming the folder', async () => {
    const bad = join(run, 'checkpoint-bad');
    await cp(join(run, 'checkpoint-1'), bad, { recursive: true });
    const config = JSON.parse(await readFile(join(bad, 'config.json'), 'utf8'));
    await writeFile(join(bad, 'config.json'), JSON.stringify({ ...config, n_embd: 32 }));
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      expect(await main(['generate', '--checkpoint', bad, '--prompt', 'the dog'], () => {})).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/cannot load the model in '.*checkpoint-bad'.*does not fit/s);
  });
});

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

async function generateLines(
  extra: string[],
  isTTY = true,
): Promise<{ code: number; lines: string[]; written: string }> {
  const lines: string[] = [];
  let written = '';
  const code = await main(
    ['generate', '--checkpoint', run, '--prompt', 'the dog', '--backend', 'cpu', ...extra],
    { out: (l) => lines.push(l), write: (t) => (written += t), isTTY },
  );
  return { code, lines, written };
}

/** main() with its stderr lines collected. */
async function failing(argv: string[]): Promise<{ code: number; errors: string[] }> {
  const errors: string[] = [];
  const code = await main(argv, { out: () => {}, err: (l) => errors.push(l) });
  return { code, errors };
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

  it('into a pipe (not a terminal) prints the sequence as one plain line, nothing partial', async () => {
    const { code, written, lines } = await generateLines(['--max-new-tokens', '8', '--seed', '3'], false);
    expect(code).toBe(0);
    expect(written).toBe('');
    const sample = lines.filter((l) => l.startsWith('[1] '));
    expect(sample).toHaveLength(1);
    expect(sample[0]!.startsWith('[1] the dog')).toBe(true);
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

  it('names words outside the vocabulary (usage, 2), a missing checkpoint (failure, 1), a bad option (2)', async () => {
    const unicorn = await failing([
      'generate',
      '--checkpoint',
      run,
      '--prompt',
      'the unicorn',
      '--backend',
      'cpu',
    ]);
    expect(unicorn.code).toBe(2);
    expect(unicorn.errors[0]).toMatch(
      /^tensorlm generate: cannot encode the prompt: .*"unicorn" is not in the vocabulary/,
    );
    const missing = await failing(['generate', '--checkpoint', join(run, 'nope'), '--prompt', 'the dog']);
    expect(missing.code).toBe(1);
    expect(missing.errors[0]).toMatch(/^tensorlm generate: checkpoint '.*nope' does not exist$/);
    const topP = await failing(['generate', '--checkpoint', run, '--prompt', 'a', '--top-p', '2']);
    expect(topP.code).toBe(2);
    expect(topP.errors[0]).toMatch(/^tensorlm generate: --top-p: /);
  });

  it('refuses sampling options that greedy decoding would ignore', async () => {
    const n = await failing(['generate', '--checkpoint', run, '--prompt', 'the dog', '--greedy', '--n', '5']);
    expect(n).toEqual({
      code: 2,
      errors: [
        'tensorlm generate: --n 5 does not apply to greedy decoding (--greedy), which gives one sequence',
      ],
    });
    const topK = await failing([
      'generate',
      '--checkpoint',
      run,
      '--prompt',
      'the dog',
      '--temperature',
      '0',
      '--top-k',
      '3',
    ]);
    expect(topK.code).toBe(2);
    expect(topK.errors[0]).toBe(
      'tensorlm generate: --top-k does not apply to greedy decoding (--temperature 0), which gives one sequence',
    );
  });

  it('names the run file at fault when best.json or the task file is not JSON (failure, 1)', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'tensorlm-generate-broken-'));
    try {
      await cp(run, broken, { recursive: true });
      await writeFile(join(broken, 'best.json'), '{"checkpoint": "checkpoint-1');
      const best = await failing([
        'generate',
        '--checkpoint',
        broken,
        '--prompt',
        'the dog',
        '--backend',
        'cpu',
      ]);
      expect(best.code).toBe(1);
      // The 28-character file ends inside the string: JSON.parse stops at column 29.
      expect(best.errors[0]).toBe(
        `tensorlm generate: run pointer ${join(broken, 'best.json')} is not valid JSON: Unterminated string (line 1, column 29)`,
      );
      await writeFile(join(broken, 'best.json'), JSON.stringify({ checkpoint: 'checkpoint-1', step: 1 }));
      await writeFile(join(broken, TASK_FILE), '{"task": "grammar",\n "tokenizer": }');
      const task = await failing([
        'generate',
        '--checkpoint',
        broken,
        '--prompt',
        'the dog',
        '--backend',
        'cpu',
      ]);
      expect(task.code).toBe(1);
      expect(task.errors[0]).toMatch(
        new RegExp(
          `^tensorlm generate: task file ${join(broken, TASK_FILE)} is not valid JSON: Unexpected token '}'`,
        ),
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('refuses a config that does not match the weights, naming the folder (failure, 1)', async () => {
    const bad = join(run, 'checkpoint-bad');
    await cp(join(run, 'checkpoint-1'), bad, { recursive: true });
    const config = JSON.parse(await readFile(join(bad, 'config.json'), 'utf8'));
    await writeFile(join(bad, 'config.json'), JSON.stringify({ ...config, n_embd: 32 }));
    const { code, errors } = await failing([
      'generate',
      '--checkpoint',
      bad,
      '--prompt',
      'the dog',
      '--backend',
      'cpu',
    ]);
    expect(code).toBe(1);
    expect(errors[0]).toMatch(
      /^tensorlm generate: cannot load the model in '.*checkpoint-bad'.*does not fit/s,
    );
  });
});

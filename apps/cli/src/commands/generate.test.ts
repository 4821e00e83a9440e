import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorlm/backend-cpu';
import { Grammar, SEED_GRAMMAR } from '@tensorlm/datasets';
import { savePretrained } from '@tensorlm/hub-loader';
import { GPT2LMHeadModel, gptConfig } from '@tensorlm/nn';
import { manualSeed, setBackend, tensor, tidy } from '@tensorlm/tensor-core';
import { BYTE_TO_CHAR, saveTokenizer, WordTokenizer } from '@tensorlm/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { TASK_FILE, TOKENIZER_FILE } from '../model-files.js';

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
  // The tokenizer sits in the run folder only: the checkpoint finds it there.
  await savePretrained(join(run, 'checkpoint-1'), { model });
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
    expect(missing.errors[0]).toMatch(/^tensorlm generate: model '.*nope' does not exist$/);
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
      expect(best.errors[0]).toMatch(
        new RegExp(
          `^tensorlm generate: cannot load the model '${broken}': checkpoint pointer ${join(broken, 'best.json')} is not valid JSON: Unterminated string`,
        ),
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
      /^tensorlm generate: cannot load the model '.*checkpoint-bad'.*does not fit GPT2LMHeadModel/s,
    );
  });
});

// Hugging Face GPT-2 folders written by hub-loader's independent script (PyTorch), with
// expected.json's greedy continuation. The fixtures have no tokenizer (and 80 ids, fewer
// than a byte-level BPE's 256): each test's copy gets a WordPiece vocabulary whose id i is
// the word `t<i>`, so the reference continuation reads as words.
const FIXTURES = fileURLToPath(new URL('../../../../packages/hub-loader/fixtures/', import.meta.url));
const word = (id: number) => `t${id}`;
const WORDS = ['[UNK]', ...Array.from({ length: 79 }, (_, i) => word(i + 1))];

async function fixtureCopy(name: string, tokenizer: 'vocab.txt' | 'tokenizer.json' | 'none') {
  const folder = await mkdtemp(join(tmpdir(), `tensorlm-generate-${name}-`));
  await cp(join(FIXTURES, name), folder, { recursive: true });
  if (tokenizer === 'vocab.txt') await writeFile(join(folder, 'vocab.txt'), `${WORDS.join('\n')}\n`);
  if (tokenizer === 'tokenizer.json') {
    // Hugging Face's tokenizer.json form of the same vocabulary.
    await writeFile(
      join(folder, 'tokenizer.json'),
      JSON.stringify({
        version: '1.0',
        added_tokens: [{ id: 0, content: '[UNK]', special: true }],
        normalizer: null,
        pre_tokenizer: { type: 'BertPreTokenizer' },
        post_processor: null,
        decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
        model: {
          type: 'WordPiece',
          unk_token: '[UNK]',
          continuing_subword_prefix: '##',
          max_input_chars_per_word: 100,
          vocab: Object.fromEntries(WORDS.map((w, id) => [w, id])),
        },
      }),
    );
  }
  const expected = JSON.parse(await readFile(join(folder, 'expected.json'), 'utf8')) as {
    input_ids: number[][];
    greedy: { new_tokens: number[] };
  };
  return {
    folder,
    prompt: expected.input_ids[0]!.map(word).join(' '),
    continuation: expected.greedy.new_tokens.map(word).join(' '),
  };
}

describe('tensorlm generate --model with a Hugging Face folder', () => {
  it('the official GPT-2 layout: the reference greedy continuation, the load reported in two lines', async () => {
    const { folder, prompt, continuation } = await fixtureCopy('gpt2-official-safetensors', 'vocab.txt');
    try {
      const lines: string[] = [];
      const code = await main(
        [
          'generate',
          '--model',
          folder,
          '--prompt',
          prompt,
          '--greedy',
          '--max-new-tokens',
          '20',
          '--backend',
          'cpu',
        ],
        { out: (l) => lines.push(l), isTTY: false },
      );
      expect(code).toBe(0);
      expect(lines.filter((l) => l.startsWith('[1] '))).toEqual([`[1] ${prompt} ${continuation}`]);
      // By hand: wte 80·24 + wpe 32·24 + 2 × (2 LN·48 + c_attn 24·72+72 + c_proj 24·24+24 +
      // c_fc 24·96+96 + c_proj 96·24+24) + ln_f 48 = 17,184 (the head is tied).
      const report = lines.filter((l) => /^(model|weights): /.test(l));
      expect(report[0]).toBe(`model: GPT2LMHeadModel, 17,184 parameters, from ${folder}`);
      // No `transformer.` prefix, h.N.attn.bias buffers, no stored lm_head.
      expect(report[1]).toMatch(
        /^weights: renamed 28 tensors \(stored without the base-model prefix 'transformer\.'\), e\.g\. .*; ignored 2 tensors: .*h\.0\.attn\.bias; tied lm_head\.weight to transformer\.wte\.weight$/,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a sharded folder with a Hugging Face tokenizer.json, through --checkpoint (the alias)', async () => {
    const { folder, prompt, continuation } = await fixtureCopy('gpt2-sharded-safetensors', 'tokenizer.json');
    try {
      const lines: string[] = [];
      const code = await main(
        [
          'generate',
          '--checkpoint',
          folder,
          '--prompt',
          prompt,
          '--greedy',
          '--max-new-tokens',
          '20',
          '--backend',
          'cpu',
        ],
        { out: (l) => lines.push(l), isTTY: false },
      );
      expect(code).toBe(0);
      expect(lines.filter((l) => l.startsWith('[1] '))).toEqual([`[1] ${prompt} ${continuation}`]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a folder without a tokenizer needs --tokenizer (failure, 1), which then works', async () => {
    const { folder, prompt, continuation } = await fixtureCopy('gpt2-official-safetensors', 'none');
    const vocab = join(folder, '..', `${folder.split('/').at(-1)}-vocab.txt`);
    await writeFile(vocab, `${WORDS.join('\n')}\n`);
    try {
      const args = ['generate', '--model', folder, '--prompt', prompt, '--greedy', '--max-new-tokens', '20'];
      const without = await failing([...args, '--backend', 'cpu']);
      expect(without.code).toBe(1);
      expect(without.errors[0]).toBe(
        `tensorlm generate: '${folder}' has no tokenizer (tokenizer.json, vocab.json + merges.txt, vocab.txt in ${folder}); pass --tokenizer gpt2 (or a tokenizer file or folder)`,
      );
      const lines: string[] = [];
      const code = await main([...args, '--tokenizer', vocab, '--backend', 'cpu'], {
        out: (l) => lines.push(l),
        isTTY: false,
      });
      expect(code).toBe(0);
      expect(lines.filter((l) => l.startsWith('[1] '))).toEqual([`[1] ${prompt} ${continuation}`]);
    } finally {
      await rm(folder, { recursive: true, force: true });
      await rm(vocab, { force: true });
    }
  });

  it('reads a byte-level BPE from vocab.json + merges.txt (the merges applied), as GPT-2 folders ship it', async () => {
    // 256 byte symbols + the merges t h → th (256) and th e → the (257).
    manualSeed(5);
    const model = new GPT2LMHeadModel(
      gptConfig({ vocabSize: 258, blockSize: 16, nEmbd: 16, nLayer: 1, nHead: 2 }),
    ).eval();
    const folder = await mkdtemp(join(tmpdir(), 'tensorlm-generate-bpe-'));
    try {
      await savePretrained(folder, { model });
      const vocab: Record<string, number> = Object.fromEntries(BYTE_TO_CHAR.map((c, b) => [c, b]));
      vocab.th = 256;
      vocab.the = 257;
      await writeFile(join(folder, 'vocab.json'), JSON.stringify(vocab));
      await writeFile(join(folder, 'merges.txt'), '#version: 0.2\nt h\nth e\n');
      // The reference: the prompt's ids by hand ("the" merged; " " is byte 0x20 → id 32),
      // then four greedy steps as plain argmaxes of the full forward.
      const ids = [257, 32, 257];
      for (let step = 0; step < 4; step++) {
        const logits = tidy(() => model.forward(tensor([ids], { dtype: 'i32' })).logits);
        const last = Array.from((await logits.data()) as Float32Array).slice(-258);
        logits.dispose();
        ids.push(last.indexOf(Math.max(...last)));
      }
      // Token → bytes: a byte id is its byte; the two merged tokens are their letters.
      const bytes = ids.flatMap((id) =>
        (id === 257 ? [...'the'] : id === 256 ? [...'th'] : [id]).map((b) =>
          typeof b === 'string' ? b.charCodeAt(0) : b,
        ),
      );
      const expected = new TextDecoder().decode(new Uint8Array(bytes));
      const lines: string[] = [];
      const code = await main(
        [
          'generate',
          '--model',
          folder,
          '--prompt',
          'the the',
          '--greedy',
          '--max-new-tokens',
          '4',
          '--backend',
          'cpu',
        ],
        { out: (l) => lines.push(l), isTTY: false },
      );
      expect(code).toBe(0);
      expect(lines.find((l) => l.startsWith('[1] '))).toBe(`[1] ${expected}`);
    } finally {
      model.dispose();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses a model that is not a causal LM (1), and --model and --checkpoint naming two models (2)', async () => {
    const bert = join(FIXTURES, 'bert-model-no-prefix');
    const notLm = await failing(['generate', '--model', bert, '--prompt', 'a', '--backend', 'cpu']);
    expect(notLm).toEqual({
      code: 1,
      errors: [
        `tensorlm generate: '${bert}' holds a BertModel; generate needs a causal LM (GPT2LMHeadModel or LSTMLanguageModel)`,
      ],
    });
    const both = await failing(['generate', '--model', bert, '--checkpoint', run, '--prompt', 'a']);
    expect(both.code).toBe(2);
    expect(both.errors[0]).toBe(
      `tensorlm generate: --model ${bert} and --checkpoint ${run} name different models (--checkpoint is another name for --model): give one`,
    );
  });
});

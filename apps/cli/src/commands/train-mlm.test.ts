// `tensorlm train mlm`, CI-sized. The default run (200 steps of 128 sentences) is the
// Must show of issue 13 and lives in bench/mlm-grammar.ts (about 40 s on wasm); here a
// shorter run of the same command (150 steps of 64, on wasm — the backend `auto` picks on
// a machine without a GPU) must already put a grammatical word back for at least 80 % of
// 200 held-out masks, and its run folder must reload from disk to the very same answers.
// Then the run-folder rules (the same code path as `train grammar`), the option checks,
// and `--file` with bert-base-uncased's packaged vocabulary.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromPretrained } from '@tensorlm/hub-loader';
import { BertForMaskedLM } from '@tensorlm/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, parseCommandLine } from '../cli.js';
import { grammarBertTokenizer, grammarFillMaskCheck } from '../grammar-mlm.js';
import { trainCommand } from './train.js';
import type { MlmCommandResult } from './train-mlm.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-mlm-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function train(argv: string[]): Promise<{ result: MlmCommandResult; lines: string[] }> {
  const lines: string[] = [];
  const { options, positional } = parseCommandLine(trainCommand, argv);
  const result = (await trainCommand.run(options, positional, {
    out: (l) => lines.push(l),
  })) as MlmCommandResult;
  return { result, lines };
}

async function tensorlm(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('tensorlm train mlm (the toy grammar)', () => {
  it('learns parts of speech: top-1 answers grammatical for ≥ 80 % of 200 held-out masks; the run reloads to the same answers', async () => {
    const out = join(dir, 'grammar');
    const args = ['mlm', '--steps', '150', '--batch-size', '64', '--eval-iters', '1', '--backend', 'wasm'];
    const { result, lines } = await train([...args, '--out', out]);
    const { check } = result;
    expect(result.result.step).toBe(150);
    // The loss falls: from about ln 37 ≈ 3.6 (uniform over the words) to near the floor
    // that uniform choice within a part of speech leaves (about 1.6).
    const val = result.result.history.val;
    expect(val[0]!.loss).toBeGreaterThan(val.at(-1)!.loss + 0.5);
    expect(check!.cases).toHaveLength(200);
    expect(check!.top1).toBeGreaterThanOrEqual(160);
    expect(check!.allTopFitting).toBeGreaterThanOrEqual(140);
    expect(lines).toContain(`top-1 grammatical: ${check!.top1} of 200 (${(check!.top1 / 2).toFixed(1)}%)`);
    expect(lines.some((l) => l.startsWith(`all of top-5 grammatical: ${check!.allTopK} of 200`))).toBe(true);

    // Every checkpoint is a Hugging Face BERT folder with its tokenizer; best.json names one.
    const checkpoints = (await readdir(out)).filter((name) => name.startsWith('checkpoint-'));
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const name of checkpoints) {
      const files = await readdir(join(out, name));
      expect(files).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']));
      const config = JSON.parse(await readFile(join(out, name, 'config.json'), 'utf8'));
      expect(config).toMatchObject({
        model_type: 'bert',
        architectures: ['BertForMaskedLM'],
        vocab_size: 42,
      });
    }
    expect(JSON.parse(await readFile(join(out, 'best.json'), 'utf8')).checkpoint).toMatch(/^checkpoint-\d+$/);
    expect(JSON.parse(await readFile(join(out, 'tensorlm-task.json'), 'utf8'))).toEqual({
      task: 'mlm',
      tokenizer: 'grammar',
    });

    // From disk (the run's best checkpoint, as fill-mask loads it): the same answers.
    const loaded = await fromPretrained(out);
    try {
      expect(loaded.model).toBeInstanceOf(BertForMaskedLM);
      const ids = loaded.tokenizer!.encode('the [MASK] saw a cat');
      expect(ids.map((id) => loaded.tokenizer!.idToToken(id))).toEqual([
        '[CLS]',
        'the',
        '[MASK]',
        'saw',
        'a',
        'cat',
        '[SEP]',
      ]);
      expect(ids).toEqual(grammarBertTokenizer().encode('the [MASK] saw a cat'));
      const again = await grammarFillMaskCheck(loaded.model as BertForMaskedLM, loaded.tokenizer!, {
        seed: 2_000_003,
      });
      expect(again.cases.map((c) => c.answers)).toEqual(check!.cases.map((c) => c.answers));
    } finally {
      loaded.model.dispose();
    }

    // --resume continues the run (the same flow as train grammar / text).
    const resumed = await train([...args, '--steps', '160', '--samples', '0', '--out', out, '--resume']);
    expect(resumed.result.result.resumedFrom).toMatch(/checkpoint-150$/);
    expect(resumed.result.result.step).toBe(160);
    expect(resumed.result.check).toBeUndefined();
  }, 120_000);

  it('keeps the run-folder rules: refuses a finished run without --resume and a folder that is not a run', async () => {
    const out = join(dir, 'small');
    const small = ['train', 'mlm', '--steps', '2', '--batch-size', '4', '--samples', '0', '--backend', 'cpu'];
    expect((await tensorlm([...small, '--out', out])).code).toBe(0);
    const again = await tensorlm([...small, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toMatch(/holds a run at step 2: pass --resume to continue, or --overwrite/);

    // Resuming with another model shape is refused, naming BERT's config.json fields.
    const reshaped = await tensorlm([...small, '--out', out, '--resume', '--config', 'bert-tiny']);
    expect(reshaped.code).toBe(1);
    expect(reshaped.err.join('\n')).toContain(
      'has another shape: max_position_embeddings 32 there, 512 here, hidden_size 64 there, 128 here, num_attention_heads 4 there, 2 here',
    );

    const notARun = join(dir, 'notes');
    await mkdir(notARun);
    await writeFile(join(notARun, 'notes.txt'), 'mine');
    const refused = await tensorlm([...small, '--out', notARun]);
    expect(refused.code).toBe(1);
    expect(await readdir(notARun)).toEqual(['notes.txt']);

    // A grammar GPT run is not resumed as a masked LM.
    const gpt = join(dir, 'gpt');
    const gptArgs = ['--steps', '1', '--batch-size', '4', '--samples', '0', '--backend', 'cpu', '--out', gpt];
    expect((await tensorlm(['train', 'grammar', ...gptArgs])).code).toBe(0);
    const mismatch = await tensorlm(['train', 'mlm', ...gptArgs, '--resume']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.err.join('\n')).toMatch(/holds a 'grammar' run .*not a 'mlm' one/);
  }, 60_000);

  it('saves a checkpoint on SIGINT and prints the resume command (a real child process, exit 130)', async () => {
    const out = join(dir, 'interrupted');
    const go = join(dir, 'go');
    // test/train-child.ts blocks once progress shows 'step 1/6' until `go` exists, so the
    // signal lands mid-training at a known step (see train-safety.test.ts).
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        'test/train-child.ts',
        'train',
        'mlm',
        '--steps',
        '6',
        '--batch-size',
        '4',
        '--samples',
        '0',
        '--eval-iters',
        '1',
        '--backend',
        'cpu',
        '--out',
        out,
      ],
      {
        cwd: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
        env: { ...process.env, TENSORLM_TEST_BLOCK_AT: 'step 1/6', TENSORLM_TEST_GO_FILE: go },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    await new Promise<void>((ready) => {
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (stderr.includes('READY')) ready();
      });
    });
    const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    child.kill('SIGINT');
    await writeFile(go, '');
    expect(await exit).toBe(130);
    const hint = /to continue: (.*)\n/.exec(stdout)?.[1] ?? '';
    expect(hint).toMatch(new RegExp(`^tensorlm train mlm --out ${out} .*--resume$`));
    expect(JSON.parse(await readFile(join(out, 'latest.json'), 'utf8'))).toEqual({
      checkpoint: 'checkpoint-1',
      step: 1,
    });
  }, 60_000);

  it('refuses options that do not apply by name (exit 2)', async () => {
    const noFile = await tensorlm(['train', 'mlm', '--tokenizer', 'wordpiece', '--backend', 'cpu']);
    expect(noFile.code).toBe(2);
    expect(noFile.err.join('\n')).toMatch(/--tokenizer applies to 'train mlm --file F'/);
    const badConfig = await tensorlm(['train', 'mlm', '--config', 'bert-huge', '--backend', 'cpu']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.err.join('\n')).toMatch(
      /--config must be grammar, a BERT preset .* '?bert-huge'? is none/,
    );
    const grammarOnly = await tensorlm(['train', 'grammar', '--config', 'grammar', '--backend', 'cpu']);
    expect(grammarOnly.code).toBe(2);
  });
});

describe('tensorlm train mlm --file (bert-base-uncased WordPiece, packaged)', () => {
  it('trains a BERT on one sentence per line, saving the WordPiece tokenizer with every checkpoint', async () => {
    const corpus = join(dir, 'lines.txt');
    const sentences = Array.from(
      { length: 40 },
      (_, i) => `The ${['quick', 'lazy', 'brave'][i % 3]} fox number ${i} jumps over the dog.`,
    );
    await writeFile(corpus, `${sentences.join('\n')}\n`);
    const config = join(dir, 'tiny-bert.json');
    await writeFile(
      config,
      JSON.stringify({ hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32 }),
    );
    const out = join(dir, 'text');
    const { result } = await train([
      'mlm',
      '--file',
      corpus,
      '--config',
      config,
      '--steps',
      '2',
      '--batch-size',
      '4',
      '--backend',
      'cpu',
      '--out',
      out,
    ]);
    expect(result.result.step).toBe(2);
    expect(result.check).toBeUndefined();
    const task = JSON.parse(await readFile(join(out, 'tensorlm-task.json'), 'utf8'));
    expect(task).toEqual({ task: 'mlm', tokenizer: 'wordpiece', file: corpus });
    const loaded = await fromPretrained(out);
    try {
      expect(loaded.model).toBeInstanceOf(BertForMaskedLM);
      expect(loaded.tokenizer!.vocabSize).toBe(30522);
      // bert-base-uncased's ids: [CLS] = 101, [MASK] = 103, [SEP] = 102.
      expect(loaded.tokenizer!.encode('the [MASK] fox')).toEqual([101, 1996, 103, 4419, 102]);
    } finally {
      loaded.model.dispose();
    }
  }, 60_000);
});

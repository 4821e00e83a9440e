// `tensorlm train sentiment` on a tiny review LM and a tiny labelled folder: the frozen run
// leaves every base parameter bit-identical (safetensors bytes of the base checkpoint
// against the classifier's `transformer.*`), `classify` answers through the
// text-classification pipeline with probabilities equal to a softmax of the classifier's
// logits (written out here), --finetune moves the base, and bad input is refused clearly:
// a label other than 0/1 or an empty review (file and line), a --base that is not a
// language model, a resume onto a base with another vocabulary. With the shared data
// folder, the GLUE dev file's counts (872 rows, 444 positive) are checked.
import '@tensorlm/backend-cpu';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromPretrained } from '@tensorlm/hub-loader';
import { GPT2ForSequenceClassification } from '@tensorlm/nn';
import { pipeline } from '@tensorlm/tasks';
import { tensor } from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../../../../tooling/vitest/requirements.js';
import { parseCommandLine } from '../cli.js';
import { classifyCommand } from './classify.js';
import { trainCommand } from './train.js';
import type { SentimentResult } from './train-sentiment.js';
import { labelCounts, readSentimentData, validationSentences } from './train-sentiment-data.js';

let dir: string;
let data: string;
let base: string;

async function run(command: typeof trainCommand | typeof classifyCommand, argv: string[]) {
  const lines: string[] = [];
  const { options, positional } = parseCommandLine(command as typeof trainCommand, argv);
  const result = await (command as typeof trainCommand).run(options, positional, {
    out: (l) => lines.push(l),
  });
  return { result, lines };
}

const good = ['good', 'great', 'fine', 'lovely'];
const bad = ['bad', 'dull', 'awful', 'boring'];
const nouns = ['movie', 'film', 'plot', 'cast'];
const rowsTsv = (n: number, offset: number) =>
  [
    'sentence\tlabel',
    ...Array.from({ length: n }, (_, i) => {
      const positive = (i + offset) % 2 === 0;
      const word = (positive ? good : bad)[(i + offset) % 4]!;
      return `the ${nouns[(i >> 1) % 4]} is ${word} .\t${positive ? 1 : 0}`;
    }),
  ].join('\n');

/** Every file's SHA-256 under a folder, by relative path. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(root.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return out;
}

/** SHA-256 of each tensor's raw bytes in a checkpoint's model.safetensors (header parsed here). */
function tensorBytes(checkpoint: string): Map<string, string> {
  const bytes = readFileSync(join(checkpoint, 'model.safetensors'));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { data_offsets?: [number, number] }
  >;
  const out = new Map<string, string>();
  for (const [name, entry] of Object.entries(header)) {
    if (!entry.data_offsets) continue; // __metadata__
    const [start, end] = entry.data_offsets;
    const raw = bytes.subarray(8 + headerLength + start, 8 + headerLength + end);
    out.set(name, createHash('sha256').update(raw).digest('hex'));
  }
  return out;
}

async function trainBase(out: string, text: string[]) {
  const file = join(dir, `${out}.txt`);
  writeFileSync(file, `${text.join('\n')}\n`);
  await run(trainCommand, [
    'reviews',
    ...['--data', file, '--arch', 'transformer', '--tokens', '640', '--context', '16', '--batch-size', '8'],
    ...['--min-count', '1', '--out', join(dir, out), '--backend', 'cpu', '--eval-interval', '5'],
  ]);
  return join(dir, out);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-sentiment-'));
  data = join(dir, 'data');
  mkdirSync(join(data, 'sst2'), { recursive: true });
  writeFileSync(join(data, 'sst2', 'train.tsv'), rowsTsv(96, 0));
  writeFileSync(join(data, 'sst2', 'validation.tsv'), rowsTsv(24, 1));
  writeFileSync(join(data, 'sst2', 'glue_dev.tsv'), rowsTsv(20, 0));
  const text = rowsTsv(96, 0)
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t')[0]!);
  base = await trainBase('base', text);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const common = () => ['--data', data, '--backend', 'cpu'];

describe('validationSentences', () => {
  const rows = (...texts: string[]) => texts.map((text) => ({ text, label: 1 }));
  const train = rows('the movie is good .', 'a dull plot');

  it('keeps the validation rows that no training row contains as whole words', () => {
    const val = rows('movie is good', 'good', 'the cast is lovely .', 'dull', 'goo', 'a dull plot');
    // 'goo' is inside 'good' only as letters, not as a word.
    expect(validationSentences(train, val, 1)).toEqual([2, 4]);
  });

  it('gives null when fewer than minRows are left (the whole split is used then)', () => {
    expect(validationSentences(train, rows('the cast is lovely .'), 2)).toBeNull();
    expect(validationSentences(train, rows('good'), 1)).toBeNull();
  });
});

describe('readSentimentData --with-rt-polarity', () => {
  it('leaves out the snippets holding a validation sentence or a dev sentence', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tensorlm-sentiment-rt-'));
    try {
      mkdirSync(join(root, 'sst2'));
      mkdirSync(join(root, 'rt-polarity'));
      const spelled = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
      const name = (i: number) =>
        `${spelled[Math.floor(i / 100)]} ${spelled[Math.floor(i / 10) % 10]} ${spelled[i % 10]}`;
      // 120 validation sentences that no training row contains.
      const val = Array.from({ length: 120 }, (_, i) => `validation sentence ${name(i)} is long enough`);
      const tsv = (rows: string[]) => ['sentence\tlabel', ...rows.map((r) => `${r}\t1`)].join('\n');
      writeFileSync(join(root, 'sst2', 'train.tsv'), tsv(['a training row', 'another training row']));
      writeFileSync(join(root, 'sst2', 'validation.tsv'), tsv(val));
      writeFileSync(join(root, 'sst2', 'glue_dev.tsv'), tsv(['the one dev sentence of this folder']));
      writeFileSync(
        join(root, 'rt-polarity', 'rt-polarity.pos'),
        ['Validation sentence zero zero one is long enough, and more .', 'an unrelated snippet'].join('\n'),
      );
      writeFileSync(
        join(root, 'rt-polarity', 'rt-polarity.neg'),
        [
          'so : the one dev sentence of this folder !',
          'validation sentence zero one two is long enough',
        ].join('\n'),
      );
      const split = await readSentimentData(root, true);
      expect(split.train.map((r) => r.text)).toEqual([
        'a training row',
        'another training row',
        'an unrelated snippet',
      ]);
      expect(split.droppedDevSnippets).toBe(1);
      expect(split.droppedValidationSnippets).toBe(2);
      expect(split.pickIsSentences).toBe(true);
      expect(split.pick.map((r) => r.text)).toEqual(val);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('tensorlm train sentiment', () => {
  it('frozen: leaves the base bit-identical, saves a classifier that classify reads, probabilities = softmax(logits)', async () => {
    const out = join(dir, 'frozen');
    const { result, lines } = await run(trainCommand, [
      'sentiment',
      ...['--base', base, '--out', out, '--epochs', '30', '--batch-size', '16', ...common()],
    ]);
    const r = result as unknown as SentimentResult;
    expect(r.mode).toBe('frozen');
    expect(r.devTotal).toBe(20);
    expect(lines.some((l) => /GLUE SST-2 dev .*%/.test(l))).toBe(true);
    // Every validation row here is a training sentence too: the whole split picks.
    expect(r.pickRows).toBe(24);
    expect(lines.some((l) => /choices are made on the whole validation split/.test(l))).toBe(true);
    // Every base parameter bit-identical: the base's best checkpoint against the classifier's trunk.
    const basePoint = JSON.parse(readFileSync(join(base, 'best.json'), 'utf8')).checkpoint;
    const before = tensorBytes(join(base, basePoint));
    const after = tensorBytes(r.checkpoint);
    const trunk = [...before].filter(([name]) => name.startsWith('transformer.'));
    expect(trunk.length).toBeGreaterThan(10);
    for (const [name, hash] of trunk) expect(after.get(name), name).toBe(hash);
    expect(after.has('score.weight')).toBe(true);
    const config = JSON.parse(readFileSync(join(r.checkpoint, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['GPT2ForSequenceClassification']);
    expect(config.id2label).toEqual({ 0: 'negative', 1: 'positive' });
    expect(config.label2id).toEqual({ negative: 0, positive: 1 });

    const answer = await run(classifyCommand, [
      ...['--model', out, '--backend', 'cpu', '--all', '--json'],
      'the plot is lovely .',
    ]);
    const labels = (answer.result as unknown as { labels: { label: string; score: number }[][] }).labels[0]!;
    expect(labels.map((l) => l.label).sort()).toEqual(['negative', 'positive']);
    // The pipeline's probabilities against a softmax written out over the model's own logits.
    const loaded = await fromPretrained(out);
    const model = loaded.model as GPT2ForSequenceClassification;
    expect(model).toBeInstanceOf(GPT2ForSequenceClassification);
    const ids = loaded.tokenizer!.encode('the plot is lovely .');
    model.eval();
    const logits = Array.from(
      await model.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' })).logits.data(),
    );
    const m = Math.max(...logits);
    const z = logits.reduce((s, x) => s + Math.exp(x - m), 0);
    const classify = await pipeline('text-classification', loaded);
    const scores = await classify('the plot is lovely .', { topK: null });
    for (const { label, score } of scores) {
      const k = label === 'negative' ? 0 : 1;
      expect(score).toBeCloseTo(Math.exp(logits[k]! - m) / z, 6);
    }
    classify.dispose();
    model.dispose();
  }, 120_000);

  it('--finetune trains the whole model: the base moves, the run is a classifier folder', async () => {
    const out = join(dir, 'finetuned');
    const { result } = await run(trainCommand, [
      'sentiment',
      ...['--base', base, '--finetune', '--out', out, '--batch-size', '16', '--epochs', '2', ...common()],
    ]);
    const r = result as unknown as SentimentResult;
    expect(r.mode).toBe('finetune');
    expect(r.devTotal).toBe(20);
    const basePoint = JSON.parse(readFileSync(join(base, 'best.json'), 'utf8')).checkpoint;
    const before = tensorBytes(join(base, basePoint));
    const after = tensorBytes(r.checkpoint);
    const moved = [...before].filter(([n, h]) => n.startsWith('transformer.h.') && after.get(n) !== h);
    expect(moved.length).toBeGreaterThan(0);
    expect(existsSync(join(out, 'tensorlm-run.json'))).toBe(true);
  }, 120_000);

  it('refuses a label other than 0/1 and an empty review, naming file and line', async () => {
    const badData = join(dir, 'bad-data');
    mkdirSync(join(badData, 'sst2'), { recursive: true });
    writeFileSync(join(badData, 'sst2', 'validation.tsv'), rowsTsv(4, 0));
    writeFileSync(join(badData, 'sst2', 'glue_dev.tsv'), rowsTsv(4, 0));
    writeFileSync(join(badData, 'sst2', 'train.tsv'), 'sentence\tlabel\na fine film\t1\nawful\tneg\n');
    await expect(
      run(trainCommand, [
        'sentiment',
        '--base',
        base,
        '--data',
        badData,
        '--out',
        join(dir, 'x1'),
        '--backend',
        'cpu',
      ]),
    ).rejects.toThrow(/train\.tsv:3: label must be 0 or 1, got "neg"/);
    writeFileSync(join(badData, 'sst2', 'train.tsv'), 'sentence\tlabel\na fine film\t1\n\t0\n');
    await expect(
      run(trainCommand, [
        'sentiment',
        '--base',
        base,
        '--data',
        badData,
        '--out',
        join(dir, 'x1'),
        '--backend',
        'cpu',
      ]),
    ).rejects.toThrow(/train\.tsv:3: empty review/);
    expect(existsSync(join(dir, 'x1'))).toBe(false);
  });

  it('refuses a --base that is not a language model', async () => {
    const notRun = join(dir, 'notes');
    mkdirSync(notRun);
    writeFileSync(join(notRun, 'notes.txt'), 'my notes\n');
    await expect(
      run(trainCommand, ['sentiment', '--base', notRun, '--out', join(dir, 'x2'), ...common()]),
    ).rejects.toThrow(/--base .*notes is not a language model folder/);
    // A classifier run is a model, but not a language model.
    await expect(
      run(trainCommand, ['sentiment', '--base', join(dir, 'frozen'), '--out', join(dir, 'x2'), ...common()]),
    ).rejects.toThrow(/holds a GPT2ForSequenceClassification, not a causal language model/);
    await expect(
      run(trainCommand, ['sentiment', '--base', join(dir, 'nope'), '--out', join(dir, 'x2'), ...common()]),
    ).rejects.toThrow(/--base .*nope: no such folder/);
    expect(existsSync(join(dir, 'x2'))).toBe(false);
  });

  it('refuses to resume a sentiment run onto another vocabulary or as another kind, changing nothing', async () => {
    const words = ['wholly', 'different', 'corpus', 'of', 'words', 'here', 'nothing', 'shared'];
    const other = await trainBase(
      'other-base',
      Array.from({ length: 200 }, (_, k) => `${words[k % 8]} ${words[(k + 3) % 8]} ${words[(k + 5) % 8]} .`),
    );
    const run1 = join(dir, 'frozen');
    const before = snapshot(run1);
    await expect(
      run(trainCommand, ['sentiment', '--base', other, '--out', run1, '--resume', ...common()]),
    ).rejects.toThrow(
      /cannot resume .*frozen on --base .*other-base: the classifier's vocabulary .* is not the base's/,
    );
    expect(snapshot(run1)).toEqual(before);
    // A frozen-head run has no optimizer state for --finetune to continue.
    await expect(
      run(trainCommand, ['sentiment', '--base', base, '--out', run1, '--resume', '--finetune', ...common()]),
    ).rejects.toThrow(
      /cannot resume .*frozen: it holds a frozen-base head, and this command trains a fine-tuned model/,
    );
    expect(snapshot(run1)).toEqual(before);
  }, 60_000);
});

const SHARED_DATA =
  process.env.TENSORLM_SHARED_DATA ?? fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
const haveData = existsSync(join(SHARED_DATA, 'sst2', 'glue_dev.tsv'));

describe.runIf(
  requires(
    'the shared data folder',
    haveData,
    `no ${SHARED_DATA}sst2/glue_dev.tsv; set TENSORLM_SHARED_DATA`,
  ),
)('the GLUE SST-2 dev set', () => {
  it('is scored on all 872 rows, 444 of them positive', async () => {
    const split = await readSentimentData(SHARED_DATA, false);
    expect(labelCounts(split.dev)).toEqual({ rows: 872, positive: 444 });
    expect(labelCounts(split.val).rows).toBe(6735);
    expect(split.train).toHaveLength(60_614);
    // Counted apart with a plain substring search over every training row (Python's `in`):
    // 766 validation rows, 415 of them positive, lie inside no training row.
    expect(split.pickIsSentences).toBe(true);
    expect(labelCounts(split.pick)).toEqual({ rows: 766, positive: 415 });
  });
});

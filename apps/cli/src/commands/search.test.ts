// `tensorlm search index | query` on the tiny BERT of packages/tasks/fixtures (24
// positions, so a long line is truncated): the round trip with --json in every mode, TSV
// and JSONL columns, and each bad input — an empty corpus, a line too long, an index
// queried with another model, a damaged index file, a folder of other files — as one
// line with the right exit code and nothing half-written.
import '@tensorlm/backend-cpu';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { savePretrained } from '@tensorlm/hub-loader';
import { LSTMLanguageModel } from '@tensorlm/nn';
import { manualSeed } from '@tensorlm/tensor-core';
import { WordTokenizer } from '@tensorlm/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli.js';

const FIXTURES = fileURLToPath(new URL('../../../../packages/tasks/fixtures/', import.meta.url));
const ENCODER = join(FIXTURES, 'bert-model');
const OTHER = join(FIXTURES, 'bert-mlm');
const REVIEWS = [
  'a funny film .',
  'a boring movie , too long .',
  'i love this story .',
  'the dog saw a cat .',
  'a sad and long film',
];
let dir: string;
let corpus: string;
let index: string;

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-search-'));
  corpus = join(dir, 'reviews.txt');
  await writeFile(corpus, `${REVIEWS.join('\n')}\n\n`);
  index = join(dir, 'index');
  const built = await cli([
    'search',
    'index',
    '--model',
    ENCODER,
    '--corpus',
    corpus,
    '--out',
    index,
    '--backend',
    'cpu',
  ]);
  expect(built.code, built.err.join('\n')).toBe(0);
  expect(built.out.join('\n')).toContain('5 vectors of width 32, exact');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function query(...extra: string[]) {
  const r = await cli(['search', 'query', '--index', index, '--backend', 'cpu', '--json', ...extra]);
  expect(r.code, r.err.join('\n')).toBe(0);
  return JSON.parse(r.out.join('\n')) as {
    hits: { id: string; text: string; score: number; rank: number }[];
  };
}

describe('tensorlm search', () => {
  it('finds a document by its own text (cosine 1), by its words (bm25) and by both (hybrid)', async () => {
    const dense = await query('--k', '2', 'i love this story .');
    expect(dense.hits).toHaveLength(2);
    expect(dense.hits[0]).toMatchObject({ id: '3', rank: 1, score: expect.closeTo(1, 4) });
    // "dog" is in one line only.
    const lexical = await query('--mode', 'bm25', 'dog');
    expect(lexical.hits.map((h) => h.id)).toEqual(['4']);
    const hybrid = await query('--mode', 'hybrid', '--k', '3', 'the dog saw a cat .');
    expect(hybrid.hits[0]!.id).toBe('4');
    // RRF: first in both rankings → 2 / (60 + 1).
    expect(hybrid.hits[0]!.score).toBeCloseTo(2 / 61, 9);
  });

  it('weights the hybrid with --alpha and fuses scores with --fusion relative-score', async () => {
    // First in both rankings: relative scores 1 and 1 → 2·0.3·1 + 2·0.7·1 = 2.
    const relative = await query(
      '--mode',
      'hybrid',
      '--fusion',
      'relative-score',
      '--alpha',
      '0.3',
      'the dog saw a cat .',
    );
    expect(relative.hits[0]).toMatchObject({ id: '4', score: expect.closeTo(2, 9) });
    const bad = await cli(['search', 'query', '--index', index, '--alpha', '2', 'dog']);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/alpha.*between 0 and 1/);
  });

  it('indexes with a review LSTM language model (mean-pooled LSTM outputs)', async () => {
    // As `tensorlm train reviews --arch lstm` saves one: a word tokenizer and an LSTM LM.
    const tokenizer = WordTokenizer.train(REVIEWS, {
      specialTokens: { pad: '[PAD]', unk: '[UNK]', eos: '[EOS]' },
      split: 'punctuation',
      appendEos: true,
    });
    manualSeed(5);
    const model = new LSTMLanguageModel({ vocabSize: tokenizer.vocabSize, embeddingSize: 8, hiddenSize: 8 });
    const lstm = join(dir, 'reviews-lstm');
    await savePretrained(lstm, { model, tokenizer });
    model.dispose();
    const lstmIndex = join(dir, 'lstm-index');
    const built = await cli([
      'search',
      'index',
      '--model',
      lstm,
      '--corpus',
      corpus,
      '--out',
      lstmIndex,
      '--backend',
      'cpu',
    ]);
    expect(built.code, built.err.join('\n')).toBe(0);
    expect(built.out.join('\n')).toContain('5 vectors of width 8, exact');
    const r = await cli([
      'search',
      'query',
      '--index',
      lstmIndex,
      '--json',
      '--backend',
      'cpu',
      '--k',
      '1',
      'a sad and long film',
    ]);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(JSON.parse(r.out.join('\n')).hits[0]).toMatchObject({ id: '5', score: expect.closeTo(1, 4) });
  });

  it('whitens the vectors of a large enough corpus (auto) and weights tokens (sif), saving both for queries', async () => {
    // 80 distinct lines ≥ 2 × width 32: auto whitens; a small corpus (5 lines above) is centered.
    const words = ['funny', 'boring', 'long', 'film', 'story', 'dog', 'cat', 'sad', 'love', 'movie'];
    const lines = Array.from({ length: 80 }, (_, i) =>
      words.filter((_, j) => ((i * 7 + 3) >> (j % 7)) % 3 !== j % 2).join(' '),
    ).map((line, i) => `${line} ${i}`);
    const big = join(dir, 'big.txt');
    await writeFile(big, `${lines.join('\n')}\n`);
    const out = join(dir, 'whitened');
    const args = ['search', 'index', '--model', ENCODER, '--corpus', big, '--backend', 'cpu'];
    const built = await cli([...args, '--out', out, '--whiten-dims', '16', '--token-weights', 'sif']);
    expect(built.code, built.err.join('\n')).toBe(0);
    expect(built.out.join('\n')).toMatch(
      /80 vectors of width 16, exact; post-processing: whitening \(32 → 16 dims, fitted on 80 documents\); SIF token weights \(a 0.001, counted on [\d,]+ tokens\)/,
    );
    const manifest = JSON.parse(await readFile(join(out, 'search-index.json'), 'utf8'));
    expect(manifest).toMatchObject({
      version: 2,
      dimension: 16,
      postProcessing: { kind: 'whiten', inputDimension: 32, outputDimension: 16, fittedOn: 80 },
      tokenWeighting: { kind: 'sif', a: 0.001, fittedOn: 80 },
    });
    const r = await cli([
      'search',
      'query',
      '--index',
      out,
      '--backend',
      'cpu',
      '--json',
      '--k',
      '1',
      lines[17]!,
    ]);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(JSON.parse(r.out.join('\n')).hits[0]).toMatchObject({ id: '18', score: expect.closeTo(1, 4) });
    expect(
      (await cli([...args, '--out', join(dir, 'x'), '--post-processing', 'none', '--whiten-dims', '4'])).code,
    ).toBe(2);
    const small = await cli([
      ...args.slice(0, 5),
      corpus,
      '--backend',
      'cpu',
      '--out',
      join(dir, 'centered'),
    ]);
    expect(small.out.join('\n')).toMatch(/too few to whiten .* centering them instead/);
    expect(small.out.join('\n')).toContain('post-processing: centering (fitted on 5 documents)');
  });

  it('prints a ranked list without --json', async () => {
    const r = await cli([
      'search',
      'query',
      '--index',
      index,
      '--backend',
      'cpu',
      '--k',
      '1',
      'a funny film .',
    ]);
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toMatch(/^ {2}1\. 1\.0000 {2}a funny film \. {2}\[1\]$/);
  });

  it('reads a TSV or JSONL column, keeping the other fields as metadata', async () => {
    const tsv = join(dir, 'reviews.tsv');
    await writeFile(tsv, `sentence\tlabel\n${REVIEWS.map((r, i) => `${r}\t${i % 2}`).join('\n')}\n`);
    const jsonl = join(dir, 'reviews.jsonl');
    await writeFile(
      jsonl,
      `${REVIEWS.map((r, i) => JSON.stringify({ id: `r${i}`, body: r, stars: i })).join('\n')}\n`,
    );
    const out = join(dir, 'columns');
    const r = await cli([
      'search',
      'index',
      '--model',
      ENCODER,
      '--corpus',
      `${tsv},${jsonl}`,
      '--column',
      'body',
      '--out',
      out,
      '--backend',
      'cpu',
    ]);
    expect(r.code, r.err.join('\n')).toBe(2);
    expect(r.err[0]).toContain('--column body is not a column of');
    const ok = await cli([
      'search',
      'index',
      '--model',
      ENCODER,
      '--corpus',
      jsonl,
      '--column',
      'body',
      '--out',
      out,
      '--backend',
      'cpu',
    ]);
    expect(ok.code, ok.err.join('\n')).toBe(0);
    const q = await cli([
      'search',
      'query',
      '--index',
      out,
      '--backend',
      'cpu',
      '--json',
      '--k',
      '1',
      'i love this story .',
    ]);
    expect(JSON.parse(q.out.join('\n')).hits[0]).toMatchObject({ id: 'r2', metadata: { stars: 2 } });
    const both = await cli([
      'search',
      'index',
      '--model',
      ENCODER,
      '--corpus',
      `${tsv},${corpus}`,
      '--out',
      join(dir, 'both'),
      '--backend',
      'cpu',
    ]);
    expect(both.code, both.err.join('\n')).toBe(0);
    expect(both.out.join('\n')).toContain('10 vectors');
  });

  it('truncates a line too long for the model, with a note', async () => {
    const long = join(dir, 'long.txt');
    await writeFile(long, `a funny film .\n${'a very very long and boring movie , '.repeat(6)}\n`);
    const r = await cli([
      'search',
      'index',
      '--model',
      ENCODER,
      '--corpus',
      long,
      '--out',
      join(dir, 'long'),
      '--backend',
      'cpu',
    ]);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out.join('\n')).toMatch(
      /note: 1 document\(s\) are longer than the model's 24 tokens .* first: .*long\.txt line 2/,
    );
  });

  it('refuses an empty corpus and a folder of other files, writing nothing', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '\n   \n');
    const target = join(dir, 'never');
    const r = await cli([
      'search',
      'index',
      '--model',
      ENCODER,
      '--corpus',
      empty,
      '--out',
      target,
      '--backend',
      'cpu',
    ]);
    expect([r.code, r.err[0]]).toEqual([
      1,
      `tensorlm search index: --corpus ${empty} holds only white space`,
    ]);
    await expect(readdir(target)).rejects.toThrow();
    const mine = join(dir, 'mine');
    await mkdir(mine);
    await writeFile(join(mine, 'notes.txt'), 'keep');
    const refused = await cli([
      'search',
      'index',
      '--model',
      ENCODER,
      '--corpus',
      corpus,
      '--out',
      mine,
      '--backend',
      'cpu',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toContain('holds other files and no search index');
    expect(await readdir(mine)).toEqual(['notes.txt']);
  });

  it('refuses to query with another model', async () => {
    const r = await cli([
      'search',
      'query',
      '--index',
      index,
      '--model',
      OTHER,
      '--backend',
      'cpu',
      'a film',
    ]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(
      /the index was built with the model '.*bert-model', and '.*bert-mlm' is another model/,
    );
  });

  it('names a damaged index file', async () => {
    const copy = join(dir, 'damaged');
    const made = await cli([
      'search',
      'index',
      '--model',
      ENCODER,
      '--corpus',
      corpus,
      '--out',
      copy,
      '--backend',
      'cpu',
    ]);
    expect(made.code).toBe(0);
    const name = (await readdir(copy)).find((n) => n.startsWith('documents.'))!;
    const text = await readFile(join(copy, name), 'utf8');
    await writeFile(join(copy, name), text.replace('funny', 'FUNNY'));
    const r = await cli(['search', 'query', '--index', copy, '--backend', 'cpu', 'a film']);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain(`${name}: its content differs from what was saved (SHA-256 mismatch)`);
    const notIndex = await cli(['search', 'query', '--index', dir, 'a film']);
    expect([notIndex.code, notIndex.err[0]]).toEqual([1, expect.stringContaining('is not a search index')]);
  });

  it('says what is missing from the command line (exit 2)', async () => {
    const cases: Array<[string[], string]> = [
      [['search'], 'say which:'],
      [['search', 'index', '--model', ENCODER, '--out', join(dir, 'x')], 'give the documents: --corpus'],
      [['search', 'index', '--corpus', corpus, '--out', join(dir, 'x')], 'give the embedding model'],
      [['search', 'query', 'a film'], 'say which index: --index DIR'],
      [['search', 'query', '--index', index], 'give the query text'],
      [['search', 'query', '--index', index, '--mode', 'fuzzy', 'a'], '--mode'],
      [
        ['search', 'query', '--corpus', corpus, '--index', index, 'a'],
        "--corpus does not apply to 'search query'",
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err[0]).toContain(message);
    }
  });
});

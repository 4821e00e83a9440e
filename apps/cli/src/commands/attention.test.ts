// `tensorlm attention` end to end on a tiny BERT saved with its WordPiece tokenizer: the
// page parses as XML with a panel per head and an L × H model view, --json prints the
// documented shape alone on stdout, an --out the user made is never replaced without
// --force (a page of ours is), and bad command lines are refused with exit 2.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorlm/backend-cpu';
import { savePretrained } from '@tensorlm/hub-loader';
import { BertForMaskedLM, bertConfig } from '@tensorlm/nn';
import { manualSeed, setBackend } from '@tensorlm/tensor-core';
import { wordPieceFromVocabTxt } from '@tensorlm/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byTag, findAll, parseXml } from '../../../../packages/tasks/test/xml.js';
import { main } from '../cli.js';

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'dog', 'cat', 'ran', 'saw', 'a'];

let dir: string;
let model: string;

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-attention-'));
  model = join(dir, 'bert');
  manualSeed(5);
  const bert = new BertForMaskedLM(
    bertConfig({
      vocabSize: VOCAB.length,
      hiddenSize: 16,
      numHiddenLayers: 3,
      numAttentionHeads: 2,
      intermediateSize: 32,
      maxPositionEmbeddings: 16,
    }),
  );
  await savePretrained(model, { model: bert, tokenizer: wordPieceFromVocabTxt(VOCAB.join('\n')) });
  bert.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function attention(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['attention', '--backend', 'cpu', ...args], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out, err };
}

const TOKENS = ['[CLS]', 'the', 'dog', 'saw', 'a', 'cat', '[SEP]'];

describe('tensorlm attention', () => {
  it('writes a well-formed page: a panel per head of --layer, a 3 × 2 model view', async () => {
    const page = join(dir, 'page.html');
    const { code, out } = await attention([
      '--model',
      model,
      'the dog saw a cat',
      '--layer',
      '2',
      '--out',
      page,
    ]);
    expect(code).toBe(0);
    expect(out.at(-1)).toBe(`wrote ${page}: 7 tokens, head view of layer 2 (2 heads), model view 3 × 2`);
    const root = parseXml(await readFile(page, 'utf8'));
    const panels = findAll(root, byTag('svg', 'head-panel'));
    expect(panels.map((p) => [p.attrs['data-layer'], p.attrs['data-head']])).toEqual([
      ['2', '0'],
      ['2', '1'],
    ]);
    for (const panel of panels) {
      expect(findAll(panel, byTag('text', 'query')).map((t) => t.text)).toEqual(TOKENS);
      // BERT attends everywhere; a line per weight ≥ 0.01, at most 7 × 7.
      const lines = findAll(panel, byTag('line')).length;
      expect(lines).toBeGreaterThan(7);
      expect(lines).toBeLessThanOrEqual(49);
    }
    expect(findAll(root, byTag('svg', 'heatmap'))).toHaveLength(6);
  });

  it('--json prints one JSON line of the documented shape, rows summing to 1, and writes no page', async () => {
    const { code, out, err } = await attention(['--model', model, 'the dog saw a cat', '--json']);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(err.some((l) => l.startsWith('backend: cpu'))).toBe(true); // notices went to stderr
    const json = JSON.parse(out[0]!);
    expect(Object.keys(json).sort()).toEqual(
      [
        'architecture',
        'attentions',
        'html',
        'ids',
        'layer',
        'model',
        'numHeads',
        'numLayers',
        'tokens',
      ].sort(),
    );
    expect(json).toMatchObject({
      model,
      architecture: 'BertForMaskedLM',
      tokens: TOKENS,
      ids: [2, 5, 6, 9, 10, 7, 3],
      numLayers: 3,
      numHeads: 2,
      layer: 0,
      html: null,
    });
    const a = json.attentions as number[][][][];
    expect([a.length, a[0]!.length, a[0]![0]!.length, a[0]![0]![0]!.length]).toEqual([3, 2, 7, 7]);
    for (const row of a.flat(2)) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
  });

  it('never replaces a file it did not write without --force; replaces its own page', async () => {
    const mine = join(dir, 'notes.html');
    await writeFile(mine, 'my notes');
    const refused = await attention(['--model', model, 'the dog', '--out', mine]);
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([
      `tensorlm attention: --out ${mine} exists and was not written by 'tensorlm attention': choose another --out, or pass --force to replace it`,
    ]);
    expect(await readFile(mine, 'utf8')).toBe('my notes');
    expect((await attention(['--model', model, 'the dog', '--out', mine, '--force'])).code).toBe(0);
    expect(await readFile(mine, 'utf8')).toMatch(/<meta name="generator" content="tensorlm attention"\/>/);
    // Now it is a page of ours: replaced without --force.
    const before = (await stat(mine)).mtimeMs;
    expect((await attention(['--model', model, 'the cat', '--out', mine])).code).toBe(0);
    expect(await readFile(mine, 'utf8')).toContain('[CLS] the cat [SEP]');
    expect((await stat(mine)).mtimeMs).toBeGreaterThanOrEqual(before);
  });

  it('refuses a missing text, a layer the model lacks, and a folder as --out', async () => {
    expect(await attention(['--model', model])).toMatchObject({
      code: 2,
      err: ['tensorlm attention: give the text to look at: tensorlm attention --model DIR "the dog ran"'],
    });
    const page = join(dir, 'never.html');
    expect(await attention(['--model', model, 'the dog', '--layer', '3', '--out', page])).toMatchObject({
      code: 2,
      err: ['tensorlm attention: --layer 3 does not exist: BertForMaskedLM has 3 layers (0 to 2)'],
    });
    await expect(stat(page)).rejects.toThrow(/ENOENT/); // nothing half-written
    expect((await attention(['--model', model, 'the dog', '--out', dir])).err).toEqual([
      `tensorlm attention: --out ${dir} is a folder or other non-file: give a file path`,
    ]);
    const long = new Array(20).fill('dog').join(' ');
    expect(await attention(['--model', model, long, '--json'])).toMatchObject({
      code: 2,
      out: [],
      err: expect.arrayContaining([
        'tensorlm attention: the text is 22 tokens, and BertForMaskedLM takes at most 16: give a shorter text',
      ]),
    });
  });
});

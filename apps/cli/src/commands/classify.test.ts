// `tensorlm classify` on the tiny BertForSequenceClassification of packages/tasks/fixtures:
// labels from its id2label in the PyTorch reference's order with its probabilities, and a
// model without a classification head refused with exit 1.
import '@tensorlm/backend-cpu';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';

const FIXTURES = fileURLToPath(new URL('../../../../packages/tasks/fixtures/', import.meta.url));
const CLASSIFIER = join(FIXTURES, 'bert-classifier');

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('tensorlm classify', () => {
  it('--json --all: every label, best first, with the reference probabilities', async () => {
    const { cases } = JSON.parse(await readFile(join(CLASSIFIER, 'expected.json'), 'utf8')) as {
      cases: Array<{ text: string; top: Array<{ label: string; score: number }> }>;
    };
    const { code, out } = await cli([
      'classify',
      '--model',
      CLASSIFIER,
      '--backend',
      'cpu',
      '--all',
      '--json',
      ...cases.map((c) => c.text),
    ]);
    expect(code).toBe(0);
    const json = JSON.parse(out[0]!) as Array<{
      text: string;
      labels: Array<{ label: string; score: number }>;
    }>;
    json.forEach((row, i) => {
      expect(row.text).toBe(cases[i]!.text);
      expect(row.labels.map((l) => l.label)).toEqual(cases[i]!.top.map((l) => l.label));
      const worst = Math.max(...row.labels.map((l, j) => Math.abs(l.score - cases[i]!.top[j]!.score)));
      expect(worst).toBeLessThan(1e-4);
    });
  });

  it('prints the top label per text; --top-k 2 prints two', async () => {
    const top = await cli(['classify', '--model', CLASSIFIER, '--backend', 'cpu', 'i love this movie!']);
    expect(top.code).toBe(0);
    expect(top.out.at(-1)).toMatch(/^(negative|neutral|positive) \(0\.\d{4}\) {2}i love this movie!$/);
    const two = await cli([
      'classify',
      '--model',
      CLASSIFIER,
      '--backend',
      'cpu',
      '--top-k',
      '2',
      'i love this movie!',
    ]);
    expect(two.out.slice(-2).every((l) => /^ {2}0\.\d{4} {2}(negative|neutral|positive)$/.test(l))).toBe(
      true,
    );
  });

  it('a model without a classification head: exit 1, named', async () => {
    const mlm = join(FIXTURES, 'bert-mlm');
    const r = await cli(['classify', '--model', mlm, '--backend', 'cpu', 'a text']);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(
      `tensorlm classify: '${mlm}' holds a BertForMaskedLM; classify needs a model with a classification head (BertForSequenceClassification or GPT2ForSequenceClassification)`,
    );
    expect((await cli(['classify', '--model', CLASSIFIER, '--top-k', '2', '--all', 'x'])).code).toBe(2);
  });
});

// `tensorlm embed` on the tiny BERT of packages/tasks/fixtures: --json vectors equal the
// PyTorch reference's mean-pooled + normalized embeddings within 1e-4, texts come from
// arguments or --file, and missing / empty input fails with one line and the right code.
import '@tensorlm/backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli.js';

const FIXTURES = fileURLToPath(new URL('../../../../packages/tasks/fixtures/', import.meta.url));
const ENCODER = join(FIXTURES, 'bert-model');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-embed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('tensorlm embed', () => {
  it('--json --normalize: the reference mean-pooled, normalized vectors within 1e-4 (arguments and --file)', async () => {
    const e = JSON.parse(await readFile(join(ENCODER, 'expected.json'), 'utf8')) as {
      sentences: string[];
      mean_normalized: number[][];
    };
    const file = join(dir, 'texts.txt');
    await writeFile(file, `${e.sentences.join('\n')}\n\n`);
    for (const input of [e.sentences, ['--file', file]]) {
      const { code, out } = await cli([
        'embed',
        '--model',
        ENCODER,
        '--backend',
        'cpu',
        '--normalize',
        '--json',
        ...input,
      ]);
      expect(code).toBe(0);
      expect(out).toHaveLength(1);
      const json = JSON.parse(out[0]!) as { dimension: number; pooling: string; vectors: number[][] };
      expect(json.dimension).toBe(32);
      expect(json.pooling).toBe('mean');
      expect(json.vectors).toHaveLength(e.mean_normalized.length);
      const worst = Math.max(
        ...json.vectors.flatMap((v, i) => v.map((x, j) => Math.abs(x - e.mean_normalized[i]![j]!))),
      );
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('prints one line per text: the text, a tab, the numbers', async () => {
    const { code, out } = await cli([
      'embed',
      '--model',
      ENCODER,
      '--backend',
      'cpu',
      '--pooling',
      'cls',
      'a dog.',
      'a cat.',
    ]);
    expect(code).toBe(0);
    const rows = out.filter((l) => l.includes('\t'));
    expect(rows.map((l) => l.split('\t')[0])).toEqual(['a dog.', 'a cat.']);
    expect(rows[0]!.split('\t')[1]!.split(' ')).toHaveLength(32);
  });

  it('no text, both texts and --file, an empty file, an empty text: one line each', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '\n  \n');
    const cases: Array<[string[], number, string]> = [
      [[], 2, 'give texts to embed'],
      [['a', '--file', empty], 2, 'not both'],
      [['--file', empty], 1, 'holds no text'],
      [['--file', join(dir, 'missing.txt')], 1, 'cannot read --file'],
      [['ok', ''], 2, 'input 1 is empty'],
      [['--pooling', 'max', 'a'], 2, '--pooling'],
    ];
    for (const [extra, code, message] of cases) {
      const r = await cli(['embed', '--model', ENCODER, '--backend', 'cpu', ...extra]);
      expect(r.code, extra.join(' ')).toBe(code);
      expect(r.err[0]).toContain(message);
    }
  });
});

// `tensorlm train reviews` end to end on a small review file: both architectures train on
// the same windows with the same token budget, each run folder holds a loadable best
// checkpoint, the comparison SVG has four curves, the table has a row per model, and
// `generate` continues "this movie" from the LSTM run with greedy and top-p sampling;
// `--resume` continues both runs from their latest checkpoints and refuses another tokenizer.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli.js';
import { generateCommand } from './generate.js';
import { trainCommand } from './train.js';
import type { ReviewRunSummary } from './train-reviews.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-reviews-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(command: typeof trainCommand | typeof generateCommand, argv: string[]) {
  const lines: string[] = [];
  const { options, positional } = parseCommandLine(command as typeof trainCommand, argv);
  const result = await (command as typeof trainCommand).run(options, positional, {
    out: (l) => lines.push(l),
  });
  return { result, lines };
}

const adjectives = ['good', 'bad', 'dull', 'fine', 'great', 'slow'];
const nouns = ['movie', 'film', 'plot', 'cast'];

describe('tensorlm train reviews', () => {
  it('trains both architectures fairly, writes run folders, a comparison SVG and a table', async () => {
    const file = join(dir, 'reviews.txt');
    const lines = Array.from(
      { length: 240 },
      (_, i) => `this ${nouns[i % 4]} is ${adjectives[i % 6]} . i liked the ${nouns[(i + 1) % 4]} !`,
    );
    await writeFile(file, `${lines.join('\n')}\n`);
    const out = join(dir, 'rv');
    const argv = [
      'reviews',
      '--data',
      file,
      '--arch',
      'both',
      '--tokens',
      '1600',
      '--context',
      '8',
      '--batch-size',
      '8',
    ];
    const { result, lines: printed } = await run(trainCommand, [
      ...argv,
      '--min-count',
      '2',
      '--out',
      out,
      '--backend',
      'cpu',
      '--eval-interval',
      '10',
    ]);
    const { runs, comparison } = result as unknown as { runs: ReviewRunSummary[]; comparison: string };
    expect(runs.map((r) => r.arch)).toEqual(['lstm', 'transformer']);
    // The same budget: 1600 tokens / (8 × 8) = 25 steps each, the same tokens seen.
    expect(runs.map((r) => r.result.step)).toEqual([25, 25]);
    expect(runs[0]!.result.tokensSeen).toBe(runs[1]!.result.tokensSeen);
    for (const r of runs) {
      expect(r.bestValPerplexity).toBeCloseTo(Math.exp(r.result.bestValLoss!), 6);
      expect(existsSync(join(r.runDir, 'tensorlm-task.json'))).toBe(true);
      expect(r.result.bestCheckpoint).not.toBeNull();
    }
    const config = JSON.parse(await readFile(join(runs[0]!.result.bestCheckpoint!, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('tensorlm-lstm');
    const svg = await readFile(comparison, 'utf8');
    expect(svg.match(/class="series"/g)).toHaveLength(4);
    expect(svg).toContain('data-series="lstm validation"');
    const table = printed.filter((l) => l.startsWith('|'));
    expect(table).toHaveLength(4);
    expect(table[1]).toMatch(/^\|-+\|-+:\|/);
    expect(table[0]).toMatch(/model .*parameters .*tokens\/s .*best val ppl .*wall s/);
    // The words are few and regular: both models beat a uniform guess over the vocabulary.
    const tokenizer = JSON.parse(await readFile(join(runs[0]!.runDir, 'tokenizer.json'), 'utf8'));
    for (const r of runs) expect(r.bestValPerplexity!).toBeLessThan(tokenizer.vocab.length);

    const greedy = await run(generateCommand, [
      '--model',
      `${out}-lstm`,
      '--prompt',
      'this movie',
      '--max-new-tokens',
      '5',
      '--backend',
      'cpu',
    ]);
    const texts = (greedy.result as unknown as { texts: string[] }).texts;
    expect(texts).toHaveLength(1);
    expect(texts[0]!.startsWith('this movie')).toBe(true);
    const sampled = await run(generateCommand, [
      '--model',
      `${out}-lstm`,
      '--prompt',
      'this movie',
      '--max-new-tokens',
      '5',
      '--top-p',
      '0.9',
      '--temperature',
      '0.8',
      '--n',
      '2',
      '--backend',
      'cpu',
    ]);
    expect((sampled.result as unknown as { texts: string[] }).texts).toHaveLength(2);
  }, 120_000);

  it('--resume continues both architectures from their latest checkpoints; another tokenizer is refused', async () => {
    const file = join(dir, 'reviews.txt');
    const out = join(dir, 'rv');
    const common = ['--data', file, '--context', '8', '--batch-size', '8', '--min-count', '2'];
    const flags = [...common, '--out', out, '--backend', 'cpu', '--eval-interval', '10', '--patience', '50'];
    // The first test left both runs at step 25 (1,600 tokens); 2,560 tokens is 40 steps.
    const { result, lines } = await run(trainCommand, [
      'reviews',
      '--arch',
      'both',
      '--tokens',
      '2560',
      '--resume',
      ...flags,
    ]);
    const { runs } = result as unknown as { runs: ReviewRunSummary[] };
    expect(runs.map((r) => r.result.step)).toEqual([40, 40]);
    expect(runs.map((r) => r.result.resumedFrom?.replace(/.*[\\/]/, ''))).toEqual([
      'checkpoint-25',
      'checkpoint-25',
    ]);
    expect(lines.filter((l) => /resumed from .*checkpoint-25 at step 25/.test(l))).toHaveLength(2);
    for (const arch of ['lstm', 'transformer']) {
      const manifest = JSON.parse(await readFile(join(`${out}-${arch}`, 'tensorlm-run.json'), 'utf8'));
      expect(manifest.checkpoints).toContain('checkpoint-40');
    }
    // Reviews with other words build another vocabulary: refused before anything is written.
    const other = join(dir, 'other.txt');
    await writeFile(
      other,
      `${(await readFile(file, 'utf8')).trim()}\n${'an utterly novel phrase !\n'.repeat(5)}`,
    );
    const before = await readFile(join(`${out}-lstm`, 'tensorlm-run.json'), 'utf8');
    await expect(
      run(trainCommand, [
        'reviews',
        ...['--arch', 'lstm', '--tokens', '3200', '--resume', '--data', other, '--context', '8'],
        ...['--batch-size', '8', '--min-count', '2', '--out', `${out}-lstm`, '--backend', 'cpu'],
      ]),
    ).rejects.toThrow(
      /cannot resume .*rv-lstm: .*tokenizer\.json differs from the tokenizer this command builds/,
    );
    expect(await readFile(join(`${out}-lstm`, 'tensorlm-run.json'), 'utf8')).toBe(before);
  }, 120_000);

  it('refuses a bad --arch and a missing --data with clear messages', async () => {
    await expect(run(trainCommand, ['reviews', '--arch', 'rnn', '--backend', 'cpu'])).rejects.toThrow(
      /--arch must be transformer, lstm or both, got 'rnn'/,
    );
    await expect(
      run(trainCommand, ['reviews', '--data', join(dir, 'nope'), '--backend', 'cpu']),
    ).rejects.toThrow(/--data .*nope: no such file or folder/);
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, parseCommandLine } from '../cli.js';
import type { TrainCommandResult } from './train.js';
import { trainCommand } from './train.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-train-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function train(argv: string[]): Promise<{ result: TrainCommandResult; lines: string[] }> {
  const lines: string[] = [];
  const { options, positional } = parseCommandLine(trainCommand, argv);
  const result = (await trainCommand.run(options, positional, {
    out: (l) => lines.push(l),
  })) as TrainCommandResult;
  return { result, lines };
}

describe('tensorlm train grammar', () => {
  it('trains, writes a run folder that generate reads, and resumes where it stopped', async () => {
    const out = join(dir, 'grammar');
    const common = [
      '--batch-size',
      '16',
      '--samples',
      '8',
      '--backend',
      'cpu',
      '--out',
      out,
      '--eval-interval',
      '2',
    ];
    const first = await train(['grammar', '--steps', '4', ...common]);
    expect(first.result.result.step).toBe(4);
    expect(first.result.samples).toHaveLength(8);
    for (const sample of first.result.samples!) expect(sample.startsWith('the dog')).toBe(true);
    expect(first.result.clusters!.flat().sort()).toHaveLength(37); // every word but [Pad] and [End]
    const svg = await readFile(join(out, 'loss.svg'), 'utf8');
    expect(svg.startsWith('<svg') || svg.startsWith('<?xml')).toBe(true);
    expect(first.lines.some((l) => /validation loss: .* with pad positions/.test(l))).toBe(true);

    // The run folder is enough for generate: model, tokenizer and task.
    const lines: string[] = [];
    expect(
      await main(
        ['generate', '--checkpoint', out, '--prompt', 'the dog', '--n', '3', '--backend', 'cpu'],
        (l) => lines.push(l),
      ),
    ).toBe(0);
    expect(lines.filter((l) => l.startsWith('[')).length).toBe(3);
    expect(lines.some((l) => /^grammatical: \d of 3/.test(l))).toBe(true);

    // --resume continues from step 4 to step 6 instead of starting over.
    const resumed = await train(['grammar', '--steps', '6', '--resume', ...common]);
    expect(resumed.result.result.resumedFrom).toMatch(/checkpoint-4$/);
    expect(resumed.result.result.step).toBe(6);
    expect(resumed.result.result.history.train.at(-1)!.step).toBe(6);
    // Its rate counts the 2 steps it ran, not the 4 the checkpoint had seen.
    const { tokensPerSecond, elapsedMs, tokensSeen } = resumed.result.result;
    expect(tokensSeen).toBe(6 * 16 * 20);
    expect((tokensPerSecond * elapsedMs) / 1000).toBeCloseTo(2 * 16 * 20, 0);
  });

  it('says what to train on and rejects bad options by name', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      expect(await main(['train'], () => {})).toBe(2);
      expect(await main(['train', 'grammar', '--steps', '-3'], () => {})).toBe(2);
      expect(await main(['train', 'text', '--backend', 'cpu'], () => {})).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/train grammar/);
    expect(errors[1]).toMatch(/--steps/);
    expect(errors[2]).toMatch(/--file/);
  });
});

describe('tensorlm train text', () => {
  it('trains a character-level GPT on a text file', async () => {
    const file = join(dir, 'story.txt');
    await writeFile(file, 'I had always thought Jack Gisburn rather a cheap genius. '.repeat(30));
    const { result } = await train([
      'text',
      '--file',
      file,
      '--tokenizer',
      'char',
      '--config',
      'gpt-nano',
      '--context',
      '32',
      '--steps',
      '3',
      '--batch-size',
      '4',
      '--backend',
      'cpu',
      '--out',
      join(dir, 'text'),
    ]);
    expect(result.result.step).toBe(3);
    expect(result.result.tokensSeen).toBe(3 * 4 * 32);
    const task = JSON.parse(await readFile(join(dir, 'text', 'tensorlm-task.json'), 'utf8'));
    expect(task).toMatchObject({ task: 'text', tokenizer: 'char' });
  });

  it('on a terminal draws a progress bar with an ETA, and reports no pad-loss figures (text has no padding)', async () => {
    const file = join(dir, 'tty.txt');
    await writeFile(file, 'Every effort moves you forward. '.repeat(40));
    const written: string[] = [];
    const lines: string[] = [];
    const argv = ['text', '--file', file, '--tokenizer', 'char', '--config', 'gpt-nano', '--context', '16'];
    const { options, positional } = parseCommandLine(trainCommand, [
      ...argv,
      ...[
        '--steps',
        '3',
        '--batch-size',
        '2',
        '--eval-interval',
        '1',
        '--backend',
        'cpu',
        '--out',
        join(dir, 'tty'),
      ],
    ]);
    await trainCommand.run(options, positional, {
      out: (l) => lines.push(l),
      write: (t) => written.push(t),
      isTTY: true,
    });
    const bar = written.find((t) => t.startsWith('\r\x1b[2Kstep 3/3 '));
    expect(bar).toMatch(/█+ .* < /); // a filled bar, then elapsed < remaining
    const all = [...written, ...lines].join('\n');
    expect(all).toMatch(/val loss \d/);
    expect(all).not.toMatch(/lossPad|pad positions/);
  });
});

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, main, reportError } from './cli.js';
import { demoOptions, runDemo } from './commands/demo.js';
import { trainCommand } from './commands/train.js';
import { CommandFailure, UsageError } from './errors.js';

/** main() with what it prints to stdout and stderr. */
async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('tensorlm demo', () => {
  it('trains the MLP: the loss falls well below ln 2 and the circle is learned', async () => {
    const lines: string[] = [];
    const result = await runDemo(demoOptions.parse({ steps: '200', seed: '3' }), (l) => lines.push(l));
    expect(lines[0]).toMatch(/^backend: cpu/);
    expect(result.losses[0]).toBeGreaterThan(0.5);
    expect(result.losses.at(-1)!).toBeLessThan(0.35);
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]! / 2);
    expect(result.accuracy).toBeGreaterThan(0.85);
  });

  it('rejects bad options with a message naming the option', async () => {
    expect(await cli('demo', '--steps', 'ten')).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/^tensorlm demo: --steps: /)],
    });
    expect(await cli('demo', '--stpes', '10')).toMatchObject({
      code: 2,
      err: ['tensorlm demo: unknown option --stpes (did you mean --steps?)'],
    });
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err[0]).toMatch(/^tensorlm: unknown command 'frobnicate'/);
  });

  it('prints help', async () => {
    const lines: string[] = [];
    expect(await main(['demo', '--help'], (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/--steps N/);
  });
});

describe('tensorlm refuses what it cannot honour', () => {
  it('a value flag without a value is a usage error naming it, never a silent 1', async () => {
    for (const [argv, message] of [
      [['train', 'grammar', '--steps'], 'tensorlm train grammar: --steps needs a value'],
      [['train', 'grammar', '--batch-size'], 'tensorlm train grammar: --batch-size needs a value'],
      [['train', 'text', '--file', 'a.txt', '--lr'], 'tensorlm train text: --lr needs a value'],
      [
        ['train', 'grammar', '--steps', '--lr', '1e-3'],
        "tensorlm train grammar: --steps needs a value (got the option --lr; a value that starts with '-' goes after '=': --steps=--lr)",
      ],
      [
        ['generate', '--checkpoint', 'run', '--prompt', 'the dog', '--top-p'],
        'tensorlm generate: --top-p needs a value',
      ],
      [['demo', '--steps'], 'tensorlm demo: --steps needs a value'],
    ] as const) {
      expect(await cli(...argv)).toEqual({ code: 2, out: [], err: [message] });
    }
  });

  it('a switch takes no value', async () => {
    expect(await cli('train', 'grammar', '--resume=yes')).toEqual({
      code: 2,
      out: [],
      err: ['tensorlm train grammar: --resume: a switch takes no value (or =true / =false)'],
    });
  });

  it("refuses another subcommand's options by name", async () => {
    // Which other subcommands own an option grows as subcommands come; 'train text' owns them all.
    for (const flag of ['--file', '--config', '--tokenizer', '--context', '--dropout']) {
      const { code, out, err } = await cli('train', 'grammar', flag, '1');
      expect({ code, out }).toEqual({ code: 2, out: [] });
      expect(err).toEqual([
        expect.stringMatching(
          new RegExp(
            `^tensorlm train grammar: ${flag} does not apply to 'train grammar' \\(it is (a 'train text' option|an option of .*'train text'.*)\\)$`,
          ),
        ),
      ]);
    }
    const samples = await cli('train', 'text', '--file', 'a.txt', '--samples', '3');
    expect(samples.code).toBe(2);
    expect(samples.err).toEqual([
      expect.stringMatching(
        /^tensorlm train text: --samples does not apply to 'train text' \(it is .*'train grammar'.*\)$/,
      ),
    ]);
  });

  it('asks for a subcommand and names an unknown one', async () => {
    const none = await cli('train', '--steps', '3');
    expect(none.code).toBe(2);
    const lines = none.err[0]!.split('\n');
    expect(lines[0]).toBe('tensorlm train: say which:');
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}tensorlm train grammar +the seed's mini GPT on the toy grammar$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}tensorlm train text +a GPT preset on a text file --file F$/),
    );
    expect(lines.length).toBe(1 + Object.keys(trainCommand.subcommands!).length);
    const typo = await cli('train', 'grammer');
    expect(typo.code).toBe(2);
    expect(typo.err[0]).toMatch(
      /^tensorlm train: unknown subcommand 'grammer'; say which:\n {2}tensorlm train grammar /,
    );
  });

  it('refuses short options and options before the command', async () => {
    expect((await cli('demo', '-s', '3')).err[0]).toMatch(/^tensorlm demo: unknown option -s /);
    expect(await cli('--steps', '3', 'demo')).toEqual({
      code: 2,
      out: [],
      err: ['tensorlm: --steps before the command: options go after it (tensorlm <command> [options])'],
    });
  });

  it('refuses stray words instead of ignoring them', async () => {
    expect(await cli('demo', 'fast')).toEqual({
      code: 2,
      out: [],
      err: ["tensorlm demo: unexpected 'fast'"],
    });
    expect(await cli('generate', '--checkpoint', 'run', '--prompt', 'the', 'dog')).toEqual({
      code: 2,
      out: [],
      err: [
        'tensorlm generate: unexpected \'dog\' (a prompt of several words needs quotes: --prompt "the dog")',
      ],
    });
    expect((await cli('train', 'grammar', 'now')).err).toEqual(["tensorlm train grammar: unexpected 'now'"]);
  });

  it('every declared switch and subcommand option is an option of its command', () => {
    for (const command of COMMANDS) {
      const names = Object.keys(command.options.shape);
      for (const name of command.switches ?? []) expect(names).toContain(name);
      for (const spec of Object.values(command.subcommands ?? {}))
        for (const name of spec.options ?? []) expect(names).toContain(name);
    }
  });
});

describe('tensorlm --help, --version and --verbose work everywhere', () => {
  it('--help and -h print help and exit 0, before or after a command, even beside a bad flag', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    expect(top.out[0]).toMatch(/^Usage: tensorlm <command>/);
    expect((await cli('-h')).out[0]).toMatch(/^Usage: tensorlm <command>/);
    for (const argv of [
      ['train', '--help'],
      ['train', 'grammar', '-h'],
      ['train', 'grammar', '--steps', '--help'],
      ['--help', 'train'],
      ['help', 'train'],
    ]) {
      const result = await cli(...argv);
      expect(result.code).toBe(0);
      expect(result.out[0]).toMatch(/^tensorlm train grammar \[options\]/);
    }
    expect((await cli()).code).toBe(2); // no command: usage, but a failed invocation
  });

  it("--version prints the package's version, before or after a command", async () => {
    expect(await cli('--version')).toEqual({ code: 0, out: [VERSION], err: [] });
    expect(await cli('generate', '--version')).toEqual({ code: 0, out: [VERSION], err: [] });
  });

  it('--verbose is accepted by every command', async () => {
    const result = await cli('tokenize', '--verbose', 'Hello');
    expect(result.code).toBe(0);
    expect(result.out).toContain('ids: [15496]');
  });
});

describe('errors: one prefix, one exit-code rule', () => {
  const report = (error: unknown, verbose = false) => {
    const err: string[] = [];
    const code = reportError(error, 'train text', { out: () => {}, err: (l) => err.push(l), verbose });
    return { code, err };
  };

  it('usage errors exit 2 and failures 1, each as one line `tensorlm <command>: <message>`', () => {
    expect(report(new UsageError('--steps needs a value'))).toEqual({
      code: 2,
      err: ['tensorlm train text: --steps needs a value'],
    });
    expect(report(new CommandFailure('CLI_FILE_MISSING', '--file a.txt does not exist'))).toEqual({
      code: 1,
      err: ['tensorlm train text: --file a.txt does not exist'],
    });
    const outside = { out: () => {}, err: (l: string) => lines.push(l) };
    const lines: string[] = [];
    expect(reportError(new UsageError("unknown command 'x'"), undefined, outside)).toBe(2);
    expect(lines).toEqual(["tensorlm: unknown command 'x'"]);
  });

  it('an unexpected exception prints its message and exits 1; the stack only with --verbose', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'shape')");
    const quiet = report(bug);
    expect(quiet.code).toBe(1);
    expect(quiet.err).toEqual([
      "tensorlm train text: Cannot read properties of undefined (reading 'shape')",
      '(an unexpected error: run with --verbose to see where it happened)',
    ]);
    const verbose = report(bug, true);
    expect(verbose.code).toBe(1);
    expect(verbose.err[1]).toMatch(/^TypeError: Cannot read properties[\s\S]*\n\s+at /);
    expect(report('a string').code).toBe(1);
  });
});

describe('tensorlm train text refuses inputs it cannot train on', () => {
  it('refuses a model far too large for the machine, with the figure, before writing anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tensorlm-too-large-'));
    try {
      const file = join(dir, 'corpus.txt');
      await writeFile(file, 'I had always thought Jack Gisburn rather a cheap genius. '.repeat(1_500));
      const out = join(dir, 'run');
      const result = await cli(
        'train',
        'text',
        '--file',
        file,
        '--tokenizer',
        'char',
        '--config',
        'gpt2-xl',
        '--context',
        '1024',
        '--batch-size',
        '64',
        '--backend',
        'cpu',
        '--out',
        out,
      );
      expect(result.code).toBe(1);
      // Attention scores alone: 49 layers × 6 × 64·25·1024² floats × 4 bytes ≈ 1.97 TB.
      expect(result.err).toEqual([
        expect.stringMatching(
          /^tensorlm train text: gpt2-xl at batch 64 × 1024 needs about \d\.\d TB for training; this machine has [\d.]+ GB/,
        ),
      ]);
      await expect(stat(out)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a binary file as a corpus (/bin/ls)', async () => {
    const result = await cli(
      'train',
      'text',
      '--file',
      '/bin/ls',
      '--backend',
      'cpu',
      '--out',
      join(tmpdir(), 'tensorlm-never'),
    );
    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      expect.stringMatching(/^tensorlm train text: --file \/bin\/ls is not text: it is binary data/),
    ]);
  });
});

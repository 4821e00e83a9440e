import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closestName, parseFlags, parseOptions, switchOption } from './args.js';
import { UsageError } from './errors.js';

const spec = { switches: new Set(['resume']), values: new Set(['steps', 'lr', 'prompt']) };
const parse = (...argv: string[]) => parseFlags(argv, spec);
const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
};

describe('parseFlags', () => {
  it('reads values, switches, = forms and positional words in any order', () => {
    expect(parse('grammar', '--steps', '3', '--resume', '--lr=1e-3', 'extra')).toEqual({
      positional: ['grammar', 'extra'],
      flags: { steps: '3', resume: true, lr: '1e-3' },
    });
  });

  it('refuses a value flag at the end or followed by another option, naming it', () => {
    expect(usage(() => parse('--steps'))).toBe('--steps needs a value');
    expect(usage(() => parse('--steps', '--resume'))).toBe(
      "--steps needs a value (got the option --resume; a value that starts with '-' goes after '=': --steps=--resume)",
    );
    expect(usage(() => parse('--lr', '-h'))).toMatch(/^--lr needs a value/);
  });

  it('takes negative numbers and text that starts with a dash-digit as values', () => {
    expect(parse('--lr', '-1e-4', '--steps', '-3').flags).toEqual({ lr: '-1e-4', steps: '-3' });
    expect(parse('--prompt', '-1 is').flags).toEqual({ prompt: '-1 is' });
    expect(parse('--prompt=--weird').flags).toEqual({ prompt: '--weird' });
    expect(parse('--prompt=').flags).toEqual({ prompt: '' });
  });

  it('switches take no value: the next word stays positional', () => {
    expect(parse('--resume', 'grammar')).toEqual({ positional: ['grammar'], flags: { resume: true } });
    expect(parse('--resume=false').flags).toEqual({ resume: 'false' });
  });

  it('-h is --help; --help, --version and --verbose are switches everywhere', () => {
    expect(parse('-h', '--verbose', '--version').flags).toEqual({ help: true, verbose: true, version: true });
  });

  it('everything after -- is positional', () => {
    expect(parse('--steps', '2', '--', '--resume', '-x')).toEqual({
      positional: ['--resume', '-x'],
      flags: { steps: '2' },
    });
  });

  it('refuses unknown options with a suggestion, and short options other than -h', () => {
    expect(usage(() => parse('--stpes', '3'))).toBe('unknown option --stpes (did you mean --steps?)');
    expect(usage(() => parse('--frobnicate'))).toBe('unknown option --frobnicate');
    expect(usage(() => parse('-s', '3'))).toMatch(/^unknown option -s \(options are spelled --name/);
    expect(parse('--')).toEqual({ positional: [], flags: {} });
    expect(usage(() => parse('--=3'))).toBe("'--=3' is not an option");
  });
});

describe('parseOptions', () => {
  const schema = z.object({
    steps: z.coerce.number().int().positive().optional(),
    resume: switchOption.default(false),
  });

  it('validates values with the schema, naming the option', () => {
    expect(parseOptions(schema, { steps: '3', resume: true, verbose: true })).toEqual({
      steps: 3,
      resume: true,
    });
    expect(usage(() => parseOptions(schema, { steps: 'ten' }))).toMatch(/^--steps: /);
    expect(usage(() => parseOptions(schema, { resume: 'yes' }))).toBe(
      '--resume: a switch takes no value (or =true / =false)',
    );
  });
});

describe('closestName', () => {
  it('suggests within two edits only', () => {
    expect(closestName('stpes', ['steps', 'seed'])).toBe('steps');
    expect(closestName('batchsize', ['batch-size'])).toBe('batch-size');
    expect(closestName('xyz', ['steps'])).toBeUndefined();
  });
});

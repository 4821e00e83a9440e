// The `tensorlm` command: parses argv against what the chosen command (and subcommand)
// declares, dispatches, and turns every failure into one line
// `tensorlm <command>: <message>` (`tensorlm: <message>` outside a command) and one exit
// code: 2 for a wrong command line (UsageError), 1 for anything else (CommandFailure, an
// error of a library, a bug). `--help` / `-h`, `--version` and `--verbose` work before and
// after any command; `--verbose` adds stack traces and the native start-up messages.
import { createRequire } from 'node:module';
import { TensorlmError } from '@tensorlm/tensor-core';
import type { z } from 'zod';
import { GLOBAL_SWITCHES, parseFlags, parseOptions, UsageError } from './args.js';
import type { Command, CommandIO } from './command.js';
import { attentionCommand } from './commands/attention.js';
import { classifyCommand } from './commands/classify.js';
import { demoCommand } from './commands/demo.js';
import { downloadCommand } from './commands/download.js';
import { embedCommand } from './commands/embed.js';
import { fillMaskCommand } from './commands/fill-mask.js';
import { generateCommand } from './commands/generate.js';
import { inspectCommand } from './commands/inspect.js';
import { searchCommand } from './commands/search.js';
import { tokenizeCommand } from './commands/tokenize.js';
import { trainCommand } from './commands/train.js';
import { CliError } from './errors.js';

export const COMMANDS: readonly Command[] = [
  attentionCommand,
  classifyCommand,
  demoCommand,
  downloadCommand,
  embedCommand,
  fillMaskCommand,
  generateCommand,
  inspectCommand,
  searchCommand,
  tokenizeCommand,
  trainCommand,
] as Command[];

/** This package's version, from its package.json (beside src/ and dist/ alike). */
export function cliVersion(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return `Usage: tensorlm <command> [options]

Commands:
${lines.join('\n')}

Global options (before or after the command):
  -h, --help     show the help of tensorlm or of a command
  --version      print the version of tensorlm
  --verbose      show native start-up messages and stack traces

A value that starts with '-' goes after '=' (--prompt=-1), or a text after '--'.
Run 'tensorlm <command> --help' for a command's options.`;
}

export interface CommandLine<S extends z.ZodObject> {
  options: z.infer<S>;
  /** The words after the command name; a subcommand is the first. */
  positional: string[];
  subcommand: string | undefined;
}

function describeOwners(command: Command, owners: readonly string[]): string {
  const names = owners.map((owner) => `'${command.name} ${owner}'`);
  if (names.length === 1) return `it is a ${names[0]} option`;
  return `it is an option of ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * The words after a command name as that command's options: every option must be one
 * it declares, a value flag needs its value, a subcommand must be named and an option of
 * another subcommand is refused by name. Throws UsageError.
 */
export function parseCommandLine<S extends z.ZodObject>(
  command: Command<S>,
  argv: readonly string[],
): CommandLine<S> {
  const switches = new Set<string>(command.switches ?? []);
  const values = new Set(Object.keys(command.options.shape).filter((name) => !switches.has(name)));
  const { positional, flags } = parseFlags(argv, { switches, values });
  let subcommand: string | undefined;
  const subcommands = command.subcommands;
  if (subcommands) {
    subcommand = positional[0];
    // One line per subcommand: five of them read as a menu, not as a sentence of "or"s.
    const names = Object.keys(subcommands).map((name) => `tensorlm ${command.name} ${name}`);
    const width = Math.max(...names.map((n) => n.length)) + 2;
    const choices = Object.values(subcommands)
      .map((spec, i) => `\n  ${names[i]!.padEnd(width)}${spec.summary}`)
      .join('');
    if (subcommand === undefined) throw new UsageError(`say which:${choices}`);
    if (!Object.hasOwn(subcommands, subcommand))
      throw new UsageError(`unknown subcommand '${subcommand}'; say which:${choices}`);
    for (const name of Object.keys(flags)) {
      const owners = Object.entries(subcommands)
        .filter(([, spec]) => (spec.options as readonly string[] | undefined)?.includes(name))
        .map(([owner]) => owner);
      if (owners.length > 0 && !owners.includes(subcommand))
        throw new UsageError(
          `--${name} does not apply to '${command.name} ${subcommand}' (${describeOwners(command, owners)})`,
        );
    }
  }
  return { options: parseOptions(command.options, flags), positional, subcommand };
}

/** `train` or, when the words name one of its subcommands, `train grammar`. */
function contextOf(command: Command, argv: readonly string[]): string {
  const first = argv.find((word) => !word.startsWith('-'));
  return first !== undefined && command.subcommands && Object.hasOwn(command.subcommands, first)
    ? `${command.name} ${first}`
    : command.name;
}

/** Prints an error as one line with the command's prefix; returns the exit code. */
export function reportError(error: unknown, context: string | undefined, io: CommandIO): number {
  const err = io.err ?? ((line: string) => console.error(line));
  const prefix = context ? `tensorlm ${context}: ` : 'tensorlm: ';
  const message = error instanceof Error ? error.message : String(error);
  err(`${prefix}${message}`);
  if (io.verbose && error instanceof Error && error.stack) err(error.stack);
  else if (!(error instanceof TensorlmError))
    err('(an unexpected error: run with --verbose to see where it happened)');
  return error instanceof CliError ? error.exitCode : 1;
}

const GLOBAL_WORDS = new Set(['-h', ...GLOBAL_SWITCHES.map((name) => `--${name}`)]);

export async function main(
  argv: readonly string[],
  io: CommandIO | ((line: string) => void) = { out: (line) => console.log(line) },
): Promise<number> {
  const base: CommandIO = typeof io === 'function' ? { out: io } : io;
  // Global switches count anywhere before a `--` (after it, every word is text).
  const end = argv.indexOf('--');
  const words = end >= 0 ? argv.slice(0, end) : argv;
  const has = (...names: string[]) => names.some((name) => words.includes(name));
  const cio: CommandIO = { ...base, verbose: base.verbose === true || has('--verbose') };
  let start = 0;
  while (start < words.length && GLOBAL_WORDS.has(words[start]!)) start++;
  const name = argv[start];
  const rest = argv.slice(start + 1);
  let context: string | undefined;
  try {
    if (has('--version')) {
      cio.out(cliVersion());
      return 0;
    }
    if (name === undefined) {
      cio.out(usage());
      return has('--help', '-h') ? 0 : 2;
    }
    if (name === 'help') {
      const topic = COMMANDS.find((c) => c.name === rest[0]);
      cio.out(topic ? topic.help : usage());
      return 0;
    }
    if (name.startsWith('-'))
      throw new UsageError(`${name} before the command: options go after it (tensorlm <command> [options])`);
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command '${name}'\n\n${usage()}`);
    context = contextOf(command, rest);
    if (has('--help', '-h')) {
      cio.out(command.help);
      return 0;
    }
    const { options, positional } = parseCommandLine(command, rest);
    await command.run(options, positional, cio);
    return 0;
  } catch (error) {
    return reportError(error, context, cio);
  }
}

// The `tensorlm` command: parses argv, dispatches to a command, and turns usage errors
// into a message and exit code 2 (other failures exit 1 with the error's message).
import { parseFlags, parseOptions, UsageError } from './args.js';
import type { Command, CommandIO } from './command.js';
import { demoCommand } from './commands/demo.js';
import { generateCommand } from './commands/generate.js';
import { inspectCommand } from './commands/inspect.js';
import { tokenizeCommand } from './commands/tokenize.js';
import { trainCommand } from './commands/train.js';

export const COMMANDS: readonly Command[] = [
  demoCommand,
  generateCommand,
  inspectCommand,
  tokenizeCommand,
  trainCommand,
] as Command[];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return `Usage: tensorlm <command> [options]

Commands:
${lines.join('\n')}

Run 'tensorlm <command> --help' for a command's options.`;
}

export async function main(
  argv: readonly string[],
  io: CommandIO | ((line: string) => void) = { out: (line) => console.log(line) },
): Promise<number> {
  const cio: CommandIO = typeof io === 'function' ? { out: io } : io;
  const name = argv[0]?.startsWith('--') ? undefined : argv[0];
  const command = COMMANDS.find((c) => c.name === name);
  const { positional: rest, flags } = parseFlags(
    name === undefined ? argv : argv.slice(1),
    new Set(['help', ...(command?.switches ?? [])]),
  );
  try {
    if (name === undefined || name === 'help') {
      cio.out(usage());
      return name === undefined && !flags.help ? 2 : 0;
    }
    if (!command) throw new UsageError(`unknown command '${name}'\n\n${usage()}`);
    if (flags.help) {
      cio.out(command.help);
      return 0;
    }
    await command.run(parseOptions(command.options, flags, name), rest, cio);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`tensorlm ${error.message}`);
      return 2;
    }
    throw error;
  }
}

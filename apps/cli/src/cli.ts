// The `tensorlm` command: parses argv, dispatches to a command, and turns usage errors
// into a message and exit code 2 (other failures exit 1).
import '@tensorlm/backend-cpu';
import { parseFlags, parseOptions, UsageError } from './args.js';
import { demoHelp, demoOptions, runDemo } from './commands/demo.js';

const usage = `Usage: tensorlm <command> [options]

Commands:
  demo      train a small MLP on the CPU and print the loss falling

Run 'tensorlm <command> --help' for a command's options.`;

export async function main(
  argv: readonly string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  const { positional, flags } = parseFlags(argv);
  const [command] = positional;
  try {
    switch (command) {
      case 'demo':
        if (flags.help) {
          out(demoHelp);
          return 0;
        }
        await runDemo(parseOptions(demoOptions, flags, 'demo'), out);
        return 0;
      case undefined:
      case 'help':
        out(usage);
        return command === undefined && !flags.help ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'\n\n${usage}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`tensorlm ${error.message}`);
      return 2;
    }
    throw error;
  }
}

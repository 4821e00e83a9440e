// What every `tensorlm` command is: a name, a one-line summary for the command list, a
// --help text, a zod schema for its options, and a run function that writes through an
// injectable output (so tests read what a user would see).
import type { z } from 'zod';

export interface CommandIO {
  /** One line of normal output. */
  out(line: string): void;
  /** Partial-line output (progress bars, streamed tokens); defaults to stdout. */
  write?(text: string): void;
  /** Whether output goes to a terminal (progress bars) or a file / pipe (plain lines). */
  isTTY?: boolean;
}

export interface Command<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly options: S;
  /** Boolean options that take no value (`--explain`), so the next word stays positional. */
  readonly switches?: readonly string[];
  /** `positional` holds the words after the command name (`train grammar` → ['grammar']). */
  run(options: z.infer<S>, positional: readonly string[], io: CommandIO): Promise<unknown>;
}

export function defineCommand<S extends z.ZodObject>(command: Command<S>): Command<S> {
  return command;
}

// What every `tensorlm` command is: a name, a one-line summary for the command list, a
// --help text, a zod schema for its options, the options that are switches, its
// subcommands with the options only they take (declared data: the dispatcher refuses
// `train grammar --file` by name), and a run function that writes through an injectable
// output (so tests read what a user would see).
import type { z } from 'zod';

export interface CommandIO {
  /** One line of normal output. */
  out(line: string): void;
  /** Partial-line output (progress bars, streamed tokens); absent means lines only. */
  write?(text: string): void;
  /** Whether output goes to a terminal (progress bars, streaming) or a file / pipe (plain lines). */
  isTTY?: boolean;
  /** One line of diagnostics (errors, warnings); defaults to console.error. */
  err?(line: string): void;
  /** `--verbose`: native start-up messages, stack traces. */
  verbose?: boolean;
}

export interface SubcommandSpec<Name extends string = string> {
  /** One line for the command's usage message. */
  readonly summary: string;
  /**
   * Options that only this subcommand (and any other listing them) takes. Options of the
   * command listed under no subcommand apply to every subcommand.
   */
  readonly options?: readonly Name[];
}

type OptionName<S extends z.ZodObject> = Extract<keyof z.input<S>, string>;

export interface Command<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly options: S;
  /** Boolean options that take no value (`--explain`), so the next word stays positional. */
  readonly switches?: readonly OptionName<S>[];
  /**
   * Subcommands, named by the first positional word (`train grammar`): one must be given,
   * and an option that belongs to other subcommands only is refused by name.
   */
  readonly subcommands?: Readonly<Record<string, SubcommandSpec<OptionName<S>>>>;
  /** `positional` holds the words after the command name (`train grammar` → ['grammar']). */
  run(options: z.infer<S>, positional: readonly string[], io: CommandIO): Promise<unknown>;
}

export function defineCommand<S extends z.ZodObject>(command: Command<S>): Command<S> {
  return command;
}

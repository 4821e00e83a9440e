// What a command can fail with, and the exit code each gives. One rule for every command:
// 2 when the command line itself is wrong (unknown or ignored option, missing or malformed
// value), 1 when a well-formed command cannot do its job (a missing or damaged file, a
// folder it must not touch, a diverging run). The message is printed as
// `tensorlm <command>: <message>` (see cli.ts), so messages never repeat the prefix.
import { TensorlmError } from '@tensorlm/tensor-core';

export abstract class CliError extends TensorlmError {
  /** 1 and 2 as above; 130 / 143: stopped by SIGINT / SIGTERM (the shell's codes). */
  abstract readonly exitCode: 1 | 2 | 130 | 143;
}

/** The command line is wrong: exit code 2. */
export class UsageError extends CliError {
  readonly exitCode = 2 as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('CLI_USAGE', message, options);
    this.name = 'UsageError';
  }
}

/** A well-formed command could not do its job: exit code 1. `code` says which failure. */
export class CommandFailure extends CliError {
  readonly exitCode = 1 as const;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'CommandFailure';
  }
}

#!/usr/bin/env node
// Entry point of the `tensorlm` binary: the real terminal as the commands' output (so
// `generate` streams tokens and `train` draws its progress bar when stdout is a terminal,
// and prints plain lines into a pipe), and main()'s exit code as the process's.
import { main } from './cli.js';

// `tensorlm generate … | head -1` closes the pipe early: stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  write: (text) => process.stdout.write(text),
  isTTY: process.stdout.isTTY === true,
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  // main() reports every error itself; this is the last resort for a bug in reporting.
  (error: unknown) => {
    console.error('tensorlm:', error);
    process.exitCode = 1;
  },
);

#!/usr/bin/env node
// Entry point of the `tensorlm` binary.
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? `tensorlm: ${error.message}` : error);
    process.exitCode = 1;
  },
);

// @tensorlm/cli as a library: the command dispatcher and commands, for embedding and tests.
export { COMMANDS, main } from './cli.js';
export type { Command, CommandIO } from './command.js';
export { type DemoOptions, type DemoResult, demoOptions, runDemo } from './commands/demo.js';

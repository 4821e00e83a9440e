// @tensorlm/cli as a library: the command dispatcher, for embedding and tests.
export { main } from './cli.js';
export { type DemoOptions, type DemoResult, demoOptions, runDemo } from './commands/demo.js';

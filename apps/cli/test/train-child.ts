// A `tensorlm` process for the train-safety tests, which kill or signal it at a known
// point instead of racing a timer. Run as `node --conditions=source --import tsx
// test/train-child.ts <tensorlm args>`; two hooks, both off unless their variable is set:
//   TENSORLM_TEST_PAUSE_RENAME_TO=<name>  the atomic rename that would put <name> in place
//     never completes (its temporary is written, complete): "PAUSED" goes to stderr and the
//     process waits to be killed — a kill -9 in the middle of an atomic write.
//   TENSORLM_TEST_BLOCK_AT=<text> with TENSORLM_TEST_GO_FILE=<path>  when progress output
//     contains <text>, "READY" goes to stderr and the process blocks (holding its lock,
//     mid-training) until <path> exists; signals sent meanwhile are handled right after.
import { existsSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { main } from '../src/cli.js';

const pauseAt = process.env.TENSORLM_TEST_PAUSE_RENAME_TO;
if (pauseAt) {
  const fsp = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
  const rename = fsp.rename;
  fsp.rename = (async (from: string, to: string) => {
    if (basename(String(to)) !== pauseAt) return rename(from, to);
    process.stderr.write('PAUSED\n');
    setInterval(() => {}, 1000); // keep the process alive until it is killed
    return new Promise<void>(() => {});
  }) as typeof fsp.rename;
  syncBuiltinESMExports(); // `import('node:fs/promises')` now sees the patched rename
}

const blockAt = process.env.TENSORLM_TEST_BLOCK_AT;
const goFile = process.env.TENSORLM_TEST_GO_FILE;
let blocked = false;
function blockUntilGo(text: string): void {
  if (!blockAt || !goFile || blocked || !text.includes(blockAt)) return;
  blocked = true;
  process.stderr.write('READY\n');
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(goFile)) Atomics.wait(cell, 0, 0, 20);
}

main(process.argv.slice(2), {
  out: (line) => {
    process.stdout.write(`${line}\n`);
    blockUntilGo(line);
  },
  write: (text) => {
    process.stdout.write(text);
    blockUntilGo(text);
  },
  isTTY: false,
  err: (line) => process.stderr.write(`${line}\n`),
}).then((code) => {
  process.exitCode = code;
});

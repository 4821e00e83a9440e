#!/usr/bin/env node
// Runs the pnpm pinned in package.json's `packageManager`, with nothing installed
// but Node. Corepack on Node 20 rejects pnpm's newer signing keys, so integrity-key
// checks are turned off for this one tool; where corepack is missing (Node 25+), the
// same pinned version is fetched through npx instead.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Tools that spawn `pnpm` themselves (turbo runs each package's scripts with it) find
// this shim first on PATH, so they use the same pinned pnpm without a global install.
const shimDir = join(root, 'tooling', '.bin');
mkdirSync(shimDir, { recursive: true });
const shim = join(shimDir, 'pnpm');
writeFileSync(shim, `#!/bin/sh\nexec node "${join(root, 'tooling', 'pnpm.mjs')}" "$@"\n`);
chmodSync(shim, 0o755);

const env = {
  ...process.env,
  PATH: `${shimDir}${delimiter}${process.env.PATH ?? ''}`,
  COREPACK_INTEGRITY_KEYS: '0',
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_ENABLE_STRICT: '0',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};
const args = process.argv.slice(2);
const shell = process.platform === 'win32';

let result = spawnSync('corepack', ['pnpm', ...args], { stdio: 'inherit', env, cwd: process.cwd(), shell });
if (result.error && result.error.code === 'ENOENT') {
  result = spawnSync('npx', ['-y', packageManager, ...args], { stdio: 'inherit', env, shell });
}
if (result.error) {
  console.error(`tooling/pnpm.mjs: could not run pnpm (${packageManager}): ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);

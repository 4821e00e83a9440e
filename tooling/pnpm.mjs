#!/usr/bin/env node
// Runs the pnpm pinned in package.json's `packageManager`, with nothing installed
// but Node. Corepack on Node 20 rejects pnpm's newer signing keys, so integrity-key
// checks are turned off for this one tool; where corepack is missing (Node 25+), the
// same pinned version is fetched through npx instead.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const env = {
  ...process.env,
  COREPACK_INTEGRITY_KEYS: '0',
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_ENABLE_STRICT: '0',
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

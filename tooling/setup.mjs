#!/usr/bin/env node
// Makes WebGPU available for Node on this machine. If Dawn (npm `webgpu`) finds no
// adapter and this is Debian/Ubuntu as root, installs the Mesa packages that let Dawn
// run on llvmpipe through its OpenGL backend (see DESIGN.md, "Headless WebGPU");
// elsewhere it prints what to install. Run after `pnpm install` (it needs `webgpu`).
// First, the browser tests' Chromium (tooling/browser): Debian's `chromium` package is
// installed the same way when /usr/bin/chromium is missing (TENSORLM_CHROMIUM overrides).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MESA_PACKAGES = [
  'libvulkan1',
  'mesa-vulkan-drivers',
  'libegl1',
  'libegl-mesa0',
  'libgles2',
  'libgl1-mesa-dri',
];

const probeSource = `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(root, 'packages', 'backend-webgpu', 'package.json'))});
const { create } = await import(require.resolve('webgpu'));
for (const [backend, featureLevel] of [[null, 'core'], ['opengl', 'compatibility'], ['opengles', 'compatibility']]) {
  try {
    const adapter = await create(backend ? ['backend=' + backend] : []).requestAdapter({ featureLevel });
    if (adapter) { console.log('adapter: ' + (adapter.info.description || adapter.info.device || 'found') + (backend ? ' (' + backend + ')' : '')); process.exit(0); }
  } catch {}
}
process.exit(3);`;

function probe() {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probeSource], {
    encoding: 'utf8',
    env: {
      ...process.env,
      EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless',
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    },
    timeout: 120_000,
  });
  return { ok: result.status === 0, line: (result.stdout ?? '').trim().split('\n').pop() ?? '' };
}

const isDebian = existsSync('/etc/debian_version');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

/** Runs apt-get with `args`; exits with a message naming the command when it fails. */
function aptGet(args) {
  const run = spawnSync('apt-get', args, { stdio: 'inherit', env: aptEnv });
  if (run.status !== 0) {
    console.error(`tooling/setup: 'apt-get ${args.join(' ')}' failed with status ${run.status}`);
    process.exit(1);
  }
}

const chromium = process.env.TENSORLM_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(chromium)) {
  console.log(`tooling/setup: Chromium for the browser tests: ${chromium}`);
} else if (process.platform === 'linux' && isDebian && isRoot && !process.env.TENSORLM_CHROMIUM) {
  console.log("tooling/setup: no Chromium for the browser tests; installing Debian's chromium with apt-get");
  aptGet(['update', '-qq']);
  aptGet(['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
} else {
  console.log(
    `tooling/setup: no Chromium at ${chromium} for the browser tests (tooling/browser). Install it:\n` +
      '  Debian/Ubuntu: sudo apt-get install chromium (or set TENSORLM_CHROMIUM to a Chromium binary)',
  );
}

const first = probe();
if (first.ok) {
  console.log(`tooling/setup: WebGPU ${first.line}`);
  process.exit(0);
}

if (!(process.platform === 'linux' && isDebian && isRoot)) {
  console.log(
    `tooling/setup: Dawn found no WebGPU adapter. Install a GPU driver, or Mesa for software rendering:\n` +
      `  Debian/Ubuntu: sudo apt-get install ${MESA_PACKAGES.join(' ')}\n` +
      'WebGPU tests need an adapter; the CPU backend works without one.',
  );
  process.exit(0);
}

console.log(`tooling/setup: no WebGPU adapter; installing Mesa (${MESA_PACKAGES.join(' ')}) with apt-get`);
aptGet(['update', '-qq']);
aptGet(['install', '-y', '-qq', '--no-install-recommends', ...MESA_PACKAGES]);
const second = probe();
if (!second.ok) {
  console.error('tooling/setup: Mesa is installed but Dawn still finds no adapter');
  process.exit(1);
}
console.log(`tooling/setup: WebGPU ${second.line}`);

// Prints the adapter Dawn finds on TENSORLM_WEBGPU_BACKEND (run.sh's check before the
// tests), or exits 3 when there is none: a GPU run must never fall back to llvmpipe.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'packages', 'backend-webgpu', 'package.json'));
const { create } = await import(require.resolve('webgpu'));
const backend = process.env.TENSORLM_WEBGPU_BACKEND ?? 'vulkan';
const featureLevel = ['opengl', 'opengles', 'd3d11'].includes(backend) ? 'compatibility' : 'core';
process.env.EGL_PLATFORM ??= 'surfaceless';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const adapter = await create([`backend=${backend}`]).requestAdapter({
  featureLevel,
  powerPreference: 'high-performance',
});
if (!adapter) {
  console.log('no adapter');
  process.exit(3);
}
const i = adapter.info;
console.log([i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' '));
process.exit(0);

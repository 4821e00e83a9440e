// Finding a GPU in Node: Dawn (npm `webgpu`) trying the platform's native API first
// (Vulkan / Metal / D3D12), then Dawn's OpenGL(ES) backend in compatibility mode (Mesa
// llvmpipe on a machine without a GPU). TENSORLM_WEBGPU_BACKEND=vulkan|metal|d3d12|
// opengl|opengles (older name: TENSORLM_DAWN_BACKEND) forces one backend and nothing
// else, so a GPU run can never fall back to llvmpipe unnoticed. Only the Node entry
// imports this file; the browser entry uses ./device.ts's acquireBrowserDevice.
import { type BackendChoice, backendOverride } from './adapter.js';
import { fileTuneStore } from './autotune/store.node.js';
import { type AcquiredDevice, acquireBrowserDevice, acquireOn } from './device.js';

interface Attempt {
  backend: string | null;
  featureLevel: 'core' | 'compatibility';
}

/** The Dawn backends to try, in order: the forced one alone, or native then OpenGL(ES). */
export function nodeAttempts(override: BackendChoice | null, platform: string = process.platform): Attempt[] {
  if (override) return [{ backend: override.backend, featureLevel: override.featureLevel }];
  const native = platform === 'darwin' ? 'metal' : platform === 'win32' ? 'd3d12' : 'vulkan';
  return [
    { backend: native, featureLevel: 'core' },
    { backend: 'opengl', featureLevel: 'compatibility' },
    { backend: 'opengles', featureLevel: 'compatibility' },
  ];
}

/** Why the last attempt found no device (for the no-adapter error), or null. */
export let lastAcquireFailure: string | null = null;

/** Resolves to a device, or null when no adapter exists (callers then fall back to CPU). */
export async function acquireDevice(): Promise<AcquiredDevice | null> {
  // A runtime with its own navigator.gpu and no Node `process` (Deno, a browser given this entry) uses it.
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (browserGpu && typeof process === 'undefined') return acquireBrowserDevice();
  const override = backendOverride(process.env);
  // Headless Mesa needs these before Dawn loads its OpenGL backend.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (error) {
    lastAcquireFailure = `the 'webgpu' package did not load: ${(error as Error).message}`;
    return null;
  }
  Object.assign(globalThis, dawn.globals);
  const failures: string[] = [];
  for (const attempt of nodeAttempts(override)) {
    const label = attempt.backend ?? 'default';
    try {
      const gpu = dawn.create(attempt.backend ? [`backend=${attempt.backend}`] : []);
      const adapter = await gpu.requestAdapter({
        featureLevel: attempt.featureLevel,
        powerPreference: 'high-performance',
      });
      if (!adapter) {
        failures.push(`${label}: no adapter`);
        continue;
      }
      lastAcquireFailure = null;
      return await acquireOn(gpu, adapter, label, attempt.featureLevel, fileTuneStore());
    } catch (error) {
      // This Dawn backend is unavailable here (no driver, no display); try the next one.
      failures.push(`${label}: ${(error as Error).message}`);
    }
  }
  lastAcquireFailure = `${failures.join('; ')}${override ? ` (forced by ${override.from})` : ''}`;
  return null;
}

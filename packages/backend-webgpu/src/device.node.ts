// Finding a GPU in Node: Dawn (npm `webgpu`) trying the platform's native API first
// (Vulkan / Metal / D3D12), then Dawn's OpenGL(ES) backend in compatibility mode (Mesa
// llvmpipe on a machine without a GPU). Overrides:
// TENSORLM_DAWN_BACKEND=vulkan|metal|d3d12|opengl|opengles. Only the Node entry imports
// this file; the browser entry uses ./device.ts's acquireBrowserDevice.
import { type AcquiredDevice, acquireBrowserDevice, describeAdapter, requestDevice } from './device.js';

interface Attempt {
  backend: string | null;
  featureLevel: 'core' | 'compatibility';
}

function nodeAttempts(override: string | undefined): Attempt[] {
  if (override) {
    const compat = override === 'opengl' || override === 'opengles';
    return [{ backend: override, featureLevel: compat ? 'compatibility' : 'core' }];
  }
  const native = process.platform === 'darwin' ? 'metal' : process.platform === 'win32' ? 'd3d12' : 'vulkan';
  return [
    { backend: native, featureLevel: 'core' },
    { backend: 'opengl', featureLevel: 'compatibility' },
    { backend: 'opengles', featureLevel: 'compatibility' },
  ];
}

/** Resolves to a device, or null when no adapter exists (callers then fall back to CPU). */
export async function acquireDevice(): Promise<AcquiredDevice | null> {
  // A runtime with its own navigator.gpu and no Node `process` (Deno, a browser given this entry) uses it.
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (browserGpu && typeof process === 'undefined') return acquireBrowserDevice();
  // Headless Mesa needs these before Dawn loads its OpenGL backend.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch {
    return null;
  }
  Object.assign(globalThis, dawn.globals);
  for (const attempt of nodeAttempts(process.env.TENSORLM_DAWN_BACKEND)) {
    try {
      const gpu = dawn.create(attempt.backend ? [`backend=${attempt.backend}`] : []);
      const adapter = await gpu.requestAdapter({
        featureLevel: attempt.featureLevel,
        powerPreference: 'high-performance',
      });
      if (!adapter) continue;
      const device = await requestDevice(adapter);
      return {
        device,
        gpu,
        adapterName: describeAdapter(adapter),
        dawnBackend: attempt.backend ?? 'default',
        featureLevel: attempt.featureLevel,
      };
    } catch {
      // This Dawn backend is unavailable here (no driver, no display); try the next one.
    }
  }
  return null;
}

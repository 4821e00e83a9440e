// Finding a GPU: navigator.gpu in browsers; in Node, Dawn (npm `webgpu`) trying the
// platform's native API first (Vulkan / Metal / D3D12), then Dawn's OpenGL(ES) backend
// in compatibility mode (Mesa llvmpipe on a machine without a GPU). Overrides:
// TENSORLM_DAWN_BACKEND=vulkan|metal|d3d12|opengl|opengles. Limits are requested from
// what the adapter offers, never more.

export interface AcquiredDevice {
  device: GPUDevice;
  /** The GPU instance: held for the device's lifetime (Dawn frees the device's instance with it). */
  gpu: GPU;
  adapterName: string;
  /** Dawn backend ('vulkan', 'opengl', …) in Node, or 'browser'. */
  dawnBackend: string;
  featureLevel: 'core' | 'compatibility';
}

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

/** The limits worth raising, capped by what the adapter supports. */
function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  const wanted = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxStorageBuffersPerShaderStage',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupStorageSize',
    // Alignment limits are better when smaller: finer windows into big buffers.
    'minStorageBufferOffsetAlignment',
    'minUniformBufferOffsetAlignment',
  ] as const;
  const limits: Record<string, number> = {};
  for (const name of wanted) {
    const offered = adapter.limits[name];
    if (typeof offered === 'number') limits[name] = offered;
  }
  return limits;
}

function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  return (
    [info.vendor, info.architecture, info.device, info.description]
      .filter((s) => s && s.length > 0)
      .join(' ')
      .trim() || 'unknown adapter'
  );
}

async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  return adapter.requestDevice({ requiredLimits: requiredLimits(adapter) });
}

/** Resolves to a device, or null when no adapter exists (callers then fall back to CPU). */
export async function acquireDevice(): Promise<AcquiredDevice | null> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (browserGpu && typeof process === 'undefined') {
    const adapter = await browserGpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    return {
      device: await requestDevice(adapter),
      gpu: browserGpu,
      adapterName: describeAdapter(adapter),
      dawnBackend: 'browser',
      featureLevel: 'core',
    };
  }
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

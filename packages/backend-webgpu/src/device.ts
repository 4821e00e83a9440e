// Finding a GPU, the part shared by both entries: the device a backend runs on, the limits
// requested (what the adapter offers, never more) and `navigator.gpu` for browsers. Dawn,
// for Node, is in ./device.node.ts, which only the Node entry (./index.ts) imports, so a
// browser bundle never pulls the `webgpu` package.

export interface AcquiredDevice {
  device: GPUDevice;
  /** The GPU instance: held for the device's lifetime (Dawn frees the device's instance with it). */
  gpu: GPU;
  adapterName: string;
  /** Dawn backend ('vulkan', 'opengl', …) in Node, or 'browser'. */
  dawnBackend: string;
  featureLevel: 'core' | 'compatibility';
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

export function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  return (
    [info.vendor, info.architecture, info.device, info.description]
      .filter((s) => s && s.length > 0)
      .join(' ')
      .trim() || 'unknown adapter'
  );
}

export async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  return adapter.requestDevice({ requiredLimits: requiredLimits(adapter) });
}

/** A device from the browser's `navigator.gpu`, or null when it has none or no adapter. */
export async function acquireBrowserDevice(): Promise<AcquiredDevice | null> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  return {
    device: await requestDevice(adapter),
    gpu,
    adapterName: describeAdapter(adapter),
    dawnBackend: 'browser',
    featureLevel: 'core',
  };
}

// The device as acquired on this machine's adapter (llvmpipe in CI): it was granted the
// adapter's own limits (not WebGPU's defaults), capped where adapter.ts says, and the
// wanted features it offers; the backend plans with and reports exactly those.
import { describe, expect, it } from 'vitest';
import { LIMIT_CAPS, LIMIT_NAMES, WANTED_FEATURES } from './adapter.js';
import { acquireDevice } from './device.node.js';
import { WebGPUBackend } from './webgpu-backend.js';

describe('the acquired device', () => {
  it("has the adapter's limits and wanted features, and the backend reports them", async () => {
    const acquired = await acquireDevice();
    expect(acquired).not.toBeNull();
    const { device, gpu, report } = acquired!;
    const adapter = (await gpu.requestAdapter({
      featureLevel: acquired!.featureLevel,
      powerPreference: 'high-performance',
    }))!;
    const offered = adapter.limits as unknown as Record<string, number>;
    const granted = device.limits as unknown as Record<string, number>;
    for (const name of LIMIT_NAMES) {
      const cap = name.startsWith('min') ? undefined : LIMIT_CAPS[name];
      expect(granted[name], name).toBe(cap === undefined ? offered[name] : Math.min(offered[name]!, cap));
    }
    const features = WANTED_FEATURES.filter((f) => adapter.features.has(f));
    for (const f of features) expect(device.features.has(f)).toBe(true);
    expect(report!.features).toEqual(features);

    const backend = new WebGPUBackend(acquired!);
    const info = backend.describe();
    expect(info.adapter).toBe(report);
    expect(info.limits).toEqual(report!.limits);
    expect(backend.runtime.bindingLimit).toBe(granted.maxStorageBufferBindingSize);
    expect(backend.capabilities.maxBindingBytes).toBe(granted.maxStorageBufferBindingSize);
    expect(backend.runtime.bindingLimits.offsetAlignment).toBe(granted.minStorageBufferOffsetAlignment);
    // No device.destroy(): like every other WebGPU test, the device goes with the worker.
    // This was the only test that destroyed one, and its worker once exited natively
    // ("Worker exited unexpectedly") under the full suite's load.
  });
});

// Finding a GPU, the part shared by both entries: the device a backend runs on, asked
// for the adapter's real limits and optional features (./adapter.ts decides which),
// and `navigator.gpu` for browsers. Dawn, for Node, is in ./device.node.ts, which only
// the Node entry (./index.ts) imports, so a browser bundle never pulls the `webgpu` package.
import {
  type AdapterReport,
  adapterName,
  adapterReport,
  requiredFeatures,
  requiredLimits,
} from './adapter.js';
import { browserTuneStore, type TuneStore } from './autotune/store.js';

export interface AcquiredDevice {
  device: GPUDevice;
  /** The GPU instance: held for the device's lifetime (Dawn frees the device's instance with it). */
  gpu: GPU;
  adapterName: string;
  /** Dawn backend ('vulkan', 'opengl', …) in Node, or 'browser'. */
  dawnBackend: string;
  featureLevel: 'core' | 'compatibility';
  /** The adapter's identity, the device's granted limits and features. */
  report?: AdapterReport;
  /** Where matmul autotune results persist for this adapter (a file in Node, localStorage in a browser). */
  tuneStore?: TuneStore;
}

/** The adapter's name: "vendor architecture device description", the parts it fills in. */
export function describeAdapter(adapter: GPUAdapter): string {
  return adapterName(adapter.info);
}

/** A device with every limit and wanted feature the adapter offers (see adapter.ts). */
export async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  return adapter.requestDevice({
    requiredLimits: requiredLimits(adapter.limits as unknown as Record<string, number>),
    requiredFeatures: requiredFeatures(adapter.features),
  });
}

/** The acquired device of `adapter` on `backend`, with its report. */
export async function acquireOn(
  gpu: GPU,
  adapter: GPUAdapter,
  backend: string,
  featureLevel: 'core' | 'compatibility',
  tuneStore?: TuneStore,
): Promise<AcquiredDevice> {
  const device = await requestDevice(adapter);
  return {
    device,
    gpu,
    adapterName: describeAdapter(adapter),
    dawnBackend: backend,
    featureLevel,
    report: adapterReport(adapter.info, device, backend, featureLevel),
    ...(tuneStore ? { tuneStore } : {}),
  };
}

/** A device from the browser's `navigator.gpu`, or null when it has none or no adapter. */
export async function acquireBrowserDevice(): Promise<AcquiredDevice | null> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  return acquireOn(gpu, adapter, 'browser', 'core', browserTuneStore());
}

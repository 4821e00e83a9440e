// The adapter as tensorlm sees it, in pure functions of what it reports: the limits and
// features a device asks for (everything the adapter offers that a kernel can use,
// capped where the kernels' index math would stop), the limits every kernel plans
// with (read from the device, never assumed), the identity and limits that
// `describe()` and the bench headers print, and the Dawn backend override parsed from
// the environment. Browser-safe: no Dawn, no `process` at module load.
import { WebGPUError } from './errors.js';

/** The limits a device asks for: the adapter's own values (`LIMIT_CAPS` apart). */
export const LIMIT_NAMES = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupStorageSize',
  // Alignment limits are better when smaller: finer windows into big buffers.
  'minStorageBufferOffsetAlignment',
  'minUniformBufferOffsetAlignment',
] as const;

export type LimitName = (typeof LIMIT_NAMES)[number];

/** A `GPUSupportedLimits`, or a hand-made stand-in in tests. */
export type LimitsLike = { readonly [name in LimitName]?: number };

/**
 * Upper bounds on what is asked for. Kernels address a binding in u32 elements and
 * some in u32 bytes (vec4 offsets × 16): a binding of at most 2 GiB keeps every such
 * index below 2³¹, whatever the adapter offers (NVIDIA's Vulkan driver reports 4 GiB).
 * Bigger tensors are split into windows, as on any adapter.
 */
export const LIMIT_CAPS: { readonly [name in LimitName]?: number } = {
  maxStorageBufferBindingSize: 2 ** 31,
};

/** Optional features a kernel can use, asked for when the adapter has them. */
export const WANTED_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;

/** The limits to request: each one the adapter offers, capped by `LIMIT_CAPS`. */
export function requiredLimits(offered: LimitsLike): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const value = offered[name];
    if (typeof value !== 'number') continue;
    const cap = LIMIT_CAPS[name];
    // Alignments are minimums: a smaller request than offered is invalid, and a cap is meaningless.
    limits[name] = cap === undefined || name.startsWith('min') ? value : Math.min(value, cap);
  }
  return limits;
}

/** The features to request: the wanted ones the adapter offers. */
export function requiredFeatures(offered: { has(name: string): boolean }): GPUFeatureName[] {
  return WANTED_FEATURES.filter((name) => offered.has(name)) as GPUFeatureName[];
}

/** The limits tensorlm plans with, read off the device (what it was granted). */
export interface DeviceLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly minStorageBufferOffsetAlignment: number;
  readonly minUniformBufferOffsetAlignment: number;
}

/** WebGPU's guaranteed defaults, for any limit a device (or a test's stand-in) leaves out. */
export const DEFAULT_LIMITS: DeviceLimits = {
  maxStorageBufferBindingSize: 134_217_728,
  maxBufferSize: 268_435_456,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupsPerDimension: 65_535,
  maxComputeWorkgroupStorageSize: 16_384,
  minStorageBufferOffsetAlignment: 256,
  minUniformBufferOffsetAlignment: 256,
};

export function deviceLimits(limits: LimitsLike): DeviceLimits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof DeviceLimits)[]) {
    const value = limits[name];
    if (typeof value === 'number') out[name] = value;
  }
  return out as unknown as DeviceLimits;
}

/** Who the adapter is and what the device got: for `describe()`, bench headers and the autotune cache. */
export interface AdapterReport {
  /** "vendor architecture device description", the parts the adapter fills in. */
  readonly name: string;
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** Dawn backend ('vulkan', 'opengl', …) in Node, or 'browser'. */
  readonly backend: string;
  readonly featureLevel: 'core' | 'compatibility';
  /** The optional features the device was given (of `WANTED_FEATURES`). */
  readonly features: readonly string[];
  readonly limits: DeviceLimits;
}

type InfoLike = Partial<Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>>;

export function adapterName(info: InfoLike): string {
  return (
    [info.vendor, info.architecture, info.device, info.description]
      .filter((s) => s && s.length > 0)
      .join(' ')
      .trim() || 'unknown adapter'
  );
}

export function adapterReport(
  info: InfoLike,
  device: { limits: LimitsLike; features: { has(name: string): boolean } },
  backend: string,
  featureLevel: 'core' | 'compatibility',
): AdapterReport {
  return {
    name: adapterName(info),
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    backend,
    featureLevel,
    features: WANTED_FEATURES.filter((name) => device.features.has(name)),
    limits: deviceLimits(device.limits),
  };
}

/** A stable key for one adapter on one backend (the autotune cache's). */
export function adapterKey(report: AdapterReport): string {
  return [report.vendor, report.architecture, report.device, report.description, report.backend]
    .map((s) => s.replace(/\|/g, '/'))
    .join('|');
}

const MIB = 1024 * 1024;

/** One line: the adapter, its backend, the limits kernels plan with and its features. */
export function formatAdapterReport(r: AdapterReport): string {
  const l = r.limits;
  const features = r.features.length > 0 ? r.features.join(', ') : 'none';
  return (
    `${r.name} (dawn ${r.backend}, ${r.featureLevel}): binding ${Math.round(l.maxStorageBufferBindingSize / MIB)} MiB, ` +
    `buffer ${Math.round(l.maxBufferSize / MIB)} MiB, workgroup storage ${l.maxComputeWorkgroupStorageSize} B, ` +
    `${l.maxComputeInvocationsPerWorkgroup} invocations/workgroup; features: ${features}`
  );
}

/** Dawn backends `create(['backend=…'])` accepts, and the feature level each needs. */
const DAWN_BACKENDS: Record<string, 'core' | 'compatibility'> = {
  vulkan: 'core',
  metal: 'core',
  d3d12: 'core',
  d3d11: 'compatibility',
  opengl: 'compatibility',
  opengles: 'compatibility',
  null: 'core',
};

export interface BackendChoice {
  readonly backend: string;
  readonly featureLevel: 'core' | 'compatibility';
  /** The environment variable it came from, for error messages. */
  readonly from: string;
}

/**
 * The Dawn backend forced by the environment: TENSORLM_WEBGPU_BACKEND (or its older
 * name TENSORLM_DAWN_BACKEND), case-insensitive; null when neither is set (or 'auto').
 * An unknown name is an error naming the variable, not a silent fallback.
 */
export function backendOverride(env: Readonly<Record<string, string | undefined>>): BackendChoice | null {
  for (const from of ['TENSORLM_WEBGPU_BACKEND', 'TENSORLM_DAWN_BACKEND']) {
    const raw = env[from]?.trim().toLowerCase();
    if (!raw || raw === 'auto') continue;
    const featureLevel = DAWN_BACKENDS[raw];
    if (!featureLevel) {
      throw new WebGPUError(
        'WEBGPU_BAD_OPTION',
        `${from}='${env[from]}' is not a Dawn backend (one of: auto, ${Object.keys(DAWN_BACKENDS).join(', ')})`,
      );
    }
    return { backend: raw, featureLevel, from };
  }
  return null;
}

/** Adapters that are a CPU pretending to be a GPU (Mesa llvmpipe/lavapipe/softpipe, SwiftShader). */
export function isSoftwareAdapter(name: string): boolean {
  return /llvmpipe|lavapipe|softpipe|swiftshader/i.test(name);
}

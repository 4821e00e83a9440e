// The adapter's limits and features as requested and planned with, from hand-made
// adapter reports (what an NVIDIA card on Vulkan, llvmpipe, or a stingy adapter
// offers), and the Dawn backend override parsed from the environment.
import { describe, expect, it } from 'vitest';
import {
  adapterKey,
  adapterReport,
  backendOverride,
  DEFAULT_LIMITS,
  deviceLimits,
  formatAdapterReport,
  isSoftwareAdapter,
  requiredFeatures,
  requiredLimits,
} from './adapter.js';
import { elementRanges, usableElements } from './binding-windows.js';
import { nodeAttempts } from './device.node.js';
import { operandElements, operandStrides, planMatmul } from './kernels/matmul/plan.js';
import { runtimeLimits } from './runtime.js';

// What Dawn reports for an NVIDIA card on Vulkan (4 GiB bindings, 48 KiB workgroup memory).
const nvidia = {
  maxStorageBufferBindingSize: 4_294_967_292,
  maxBufferSize: 2 ** 40,
  maxComputeInvocationsPerWorkgroup: 1024,
  maxComputeWorkgroupSizeX: 1024,
  maxComputeWorkgroupSizeY: 1024,
  maxComputeWorkgroupStorageSize: 49_152,
  minStorageBufferOffsetAlignment: 32,
  minUniformBufferOffsetAlignment: 256,
};

describe('requested limits', () => {
  it('asks for each limit the adapter offers, binding size capped at 2 GiB, alignments as offered', () => {
    const limits = requiredLimits(nvidia);
    expect(limits.maxStorageBufferBindingSize).toBe(2 ** 31);
    expect(limits.maxBufferSize).toBe(2 ** 40);
    expect(limits.maxComputeWorkgroupStorageSize).toBe(49_152);
    expect(limits.maxComputeInvocationsPerWorkgroup).toBe(1024);
    expect(limits.minStorageBufferOffsetAlignment).toBe(32);
    // A limit the adapter does not report is not asked for at all.
    expect('maxComputeWorkgroupSizeZ' in limits).toBe(false);
  });

  it('asks for an adapter below the cap exactly what it offers', () => {
    expect(requiredLimits({ maxStorageBufferBindingSize: 134_217_728 }).maxStorageBufferBindingSize).toBe(
      134_217_728,
    );
  });

  it('asks for the wanted features the adapter has, and no others', () => {
    const offered = new Set(['shader-f16', 'timestamp-query', 'texture-compression-bc']);
    expect(requiredFeatures(offered)).toEqual(['shader-f16', 'timestamp-query']);
    expect(requiredFeatures(new Set())).toEqual([]);
  });

  it("plans with the device's granted limits, WebGPU's defaults for any left out", () => {
    const limits = deviceLimits({
      maxStorageBufferBindingSize: 1 << 20,
      maxComputeWorkgroupStorageSize: 32_768,
    });
    expect(limits.maxStorageBufferBindingSize).toBe(1 << 20);
    expect(limits.maxComputeWorkgroupStorageSize).toBe(32_768);
    expect(limits.maxComputeInvocationsPerWorkgroup).toBe(DEFAULT_LIMITS.maxComputeInvocationsPerWorkgroup);
  });
});

describe('splitting follows the reported binding limit', () => {
  // A stingy adapter: 4 KiB bindings at 64-byte offsets.
  const { bindingLimit, bindingLimits, uniformAlignment } = runtimeLimits({
    maxStorageBufferBindingSize: 4096,
    minStorageBufferOffsetAlignment: 64,
    minUniformBufferOffsetAlignment: 8,
  });

  it('takes the binding limit and alignments from the device, and a test cap when lower', () => {
    expect(bindingLimit).toBe(4096);
    expect(bindingLimits).toEqual({ maxBindingBytes: 4096, offsetAlignment: 64 });
    expect(uniformAlignment).toBe(16);
    expect(runtimeLimits({ ...nvidia }, 1024).bindingLimit).toBe(1024);
    expect(runtimeLimits({ ...nvidia }).bindingLimit).toBe(nvidia.maxStorageBufferBindingSize);
  });

  it('splits an element-wise op into ranges whose bindings fit, at aligned offsets', () => {
    const size = 10_000; // 40,000 bytes: ten bindings' worth
    let covered = 0;
    for (const [start, count] of elementRanges(size, bindingLimits)) {
      expect(start).toBe(covered);
      expect(count * 4).toBeLessThanOrEqual(4096);
      expect((start * 4) % 64).toBe(0);
      covered += count;
    }
    expect(covered).toBe(size);
  });

  it('splits a matmul whose operands pass the limit into blocks whose spans fit', () => {
    const p = {
      transA: false,
      transB: true,
      m: 40,
      n: 96,
      k: 64,
      batchShape: [],
      aBatchStrides: [],
      bBatchStrides: [],
    };
    const plan = planMatmul(p, bindingLimits);
    expect(plan.kind).toBe('blocks');
    if (plan.kind !== 'blocks') return;
    const strides = operandStrides(p);
    const span = (s: number[], shape: number[]) => shape.reduce((acc, n, d) => acc + (n - 1) * s[d]!, 0) + 1;
    let area = 0;
    for (const b of plan.blocks) {
      const shape = [b.rows.count, b.cols.count, b.depth.count];
      // Each span fits one binding with room to start it at an aligned offset.
      for (const x of ['a', 'b', 'c'] as const)
        expect(span(strides[x], shape)).toBeLessThanOrEqual(usableElements(bindingLimits));
      if (b.depth.start === 0) area += b.rows.count * b.cols.count;
    }
    expect(area).toBe(p.m * p.n);
    expect(operandElements(p).b * 4).toBeGreaterThan(4096);
  });
});

describe('the adapter report', () => {
  const device = { limits: nvidia, features: new Set(['shader-f16', 'subgroups']) };
  const info = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200' };
  const report = adapterReport(info, device, 'vulkan', 'core');

  it('names the adapter, its backend, limits and features', () => {
    expect(report.name).toBe('nvidia hopper NVIDIA H200');
    expect(report.features).toEqual(['shader-f16', 'subgroups']);
    expect(report.limits.maxComputeWorkgroupStorageSize).toBe(49_152);
    expect(formatAdapterReport(report)).toBe(
      'nvidia hopper NVIDIA H200 (dawn vulkan, core): binding 4096 MiB, buffer 1048576 MiB, workgroup storage 49152 B, 1024 invocations/workgroup; features: shader-f16, subgroups',
    );
  });

  it('keys the autotune cache by identity and backend', () => {
    expect(adapterKey(report)).toBe('nvidia|hopper||NVIDIA H200|vulkan');
    expect(adapterKey({ ...report, backend: 'opengl' })).not.toBe(adapterKey(report));
  });

  it('tells software adapters from GPUs', () => {
    expect(isSoftwareAdapter('mesa llvmpipe LLVM 15.0.6, 256 bits')).toBe(true);
    expect(isSoftwareAdapter('nvidia hopper NVIDIA H200')).toBe(false);
  });
});

describe('the Dawn backend override', () => {
  it('reads TENSORLM_WEBGPU_BACKEND, case-insensitively, with its feature level', () => {
    expect(backendOverride({ TENSORLM_WEBGPU_BACKEND: 'Vulkan' })).toEqual({
      backend: 'vulkan',
      featureLevel: 'core',
      from: 'TENSORLM_WEBGPU_BACKEND',
    });
    expect(backendOverride({ TENSORLM_WEBGPU_BACKEND: 'opengl' })?.featureLevel).toBe('compatibility');
  });

  it('takes the older TENSORLM_DAWN_BACKEND when the new name is unset, and nothing for auto or unset', () => {
    expect(backendOverride({ TENSORLM_DAWN_BACKEND: 'opengles' })?.backend).toBe('opengles');
    expect(
      backendOverride({ TENSORLM_WEBGPU_BACKEND: 'metal', TENSORLM_DAWN_BACKEND: 'vulkan' })?.backend,
    ).toBe('metal');
    expect(backendOverride({ TENSORLM_WEBGPU_BACKEND: 'auto' })).toBeNull();
    expect(backendOverride({})).toBeNull();
  });

  it('refuses an unknown backend, naming the variable and the choices', () => {
    expect(() => backendOverride({ TENSORLM_WEBGPU_BACKEND: 'cuda' })).toThrow(
      /TENSORLM_WEBGPU_BACKEND='cuda' is not a Dawn backend \(one of: auto, vulkan, metal/,
    );
  });

  it('tries only the forced backend, else native first and OpenGL(ES) after', () => {
    expect(nodeAttempts(backendOverride({ TENSORLM_WEBGPU_BACKEND: 'vulkan' }), 'linux')).toEqual([
      { backend: 'vulkan', featureLevel: 'core' },
    ]);
    expect(nodeAttempts(null, 'linux').map((a) => a.backend)).toEqual(['vulkan', 'opengl', 'opengles']);
    expect(nodeAttempts(null, 'darwin')[0]!.backend).toBe('metal');
  });
});

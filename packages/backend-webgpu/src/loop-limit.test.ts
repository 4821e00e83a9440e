// Mesa llvmpipe stops any shader loop after 65,535 iterations without an error. A
// column sum over 70,000 rows would silently come out as 65,535 there; the backend must
// refuse it with a message instead (and declare the limit in its capabilities), and on
// any other adapter compute it right.
import '@tensorlm/backend-cpu';
import { initBackend, ones, sum } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import './index.js';

describe('loops past what the adapter runs', () => {
  it('a 70,000-row column sum is right, or refused by name on llvmpipe — never 65,535', async () => {
    const gpu = await initBackend('webgpu');
    const x = ones([70_000, 3], { backend: gpu });
    if (/llvmpipe/i.test(gpu.describe().device)) {
      expect(() => sum(x, 0)).toThrow(/kernel 'reduceColumn:sum:f32' would loop 70000 times/);
      expect(() => sum(x, 0)).toThrow(expect.objectContaining({ code: 'WEBGPU_LOOP_LIMIT' }));
    } else {
      expect(Array.from(await sum(x, 0).data())).toEqual([70_000, 70_000, 70_000]);
    }
    // Callers plan around the limit through the capabilities, not the adapter's name.
    const device = gpu.describe().device;
    const software = /llvmpipe|lavapipe|softpipe|swiftshader/i.test(device);
    expect(gpu.capabilities).toMatchObject({ hostMemory: software, deviceSampling: false, f16: false });
    expect(gpu.capabilities.maxLoopIterations).toBe(/llvmpipe/i.test(device) ? 65_535 : undefined);
    // Under the limit, the same kernel is exact.
    expect(Array.from(await sum(ones([60_000, 3], { backend: gpu }), 0).data())).toEqual([
      60_000, 60_000, 60_000,
    ]);
  });
});

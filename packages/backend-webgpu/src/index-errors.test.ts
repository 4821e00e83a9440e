// Out-of-range indices on WebGPU: the kernels flag them on the device and the next
// readback throws the CPU backend's TensorError, with no readback of its own — the flag
// rides along in the staging buffer of the read that was happening anyway.
import '@tensorlm/backend-cpu';
import {
  type Backend,
  embedding,
  initBackend,
  registerBackend,
  type Tensor,
  TensorError,
  tensor,
} from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createWebGPUBackend, type WebGPUBackend } from './index.js';

const SMALL_BINDINGS = 'webgpu-1KiB-bindings-index-errors';
registerBackend({
  name: SMALL_BINDINGS,
  priority: 0,
  create: () => createWebGPUBackend({ maxBindingBytes: 1024 }),
});

const MAP_READ = 0x0001;
let gpu: WebGPUBackend;
let cpu: Backend;

beforeAll(async () => {
  gpu = (await initBackend('webgpu')) as WebGPUBackend;
  cpu = await initBackend('cpu');
});

const ids = (values: number[], backend: Backend) =>
  tensor(values, [values.length], { dtype: 'i32', backend });
const table = (rows: number, cols: number, backend: Backend) =>
  tensor(
    Array.from({ length: rows * cols }, (_, i) => i),
    [rows, cols],
    { backend },
  );

async function errorOf(run: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('out-of-range indices on WebGPU', () => {
  it("reject at the read with the CPU backend's TensorError, word for word", async () => {
    const onCpu = await errorOf(() => embedding(ids([5, 57], cpu), table(39, 4, cpu)));
    const out = embedding(ids([5, 57], gpu), table(39, 4, gpu)); // no throw: the GPU has not run yet
    const onGpu = await errorOf(() => out.data());
    expect(onGpu).toBeInstanceOf(TensorError);
    expect(onGpu).toMatchObject({ op: 'indexSelect', code: 'TENSOR_OP' });
    expect((onGpu as Error).message).toBe('indexSelect: index 57 is out of range for an axis of size 39');
    expect((onGpu as Error).message).toBe((onCpu as Error).message);
  });

  it("cost no submit or map of their own: the read's staging buffer is 16 bytes longer", async () => {
    const created: GPUBufferDescriptor[] = [];
    const device = gpu.runtime.device;
    const createBuffer = device.createBuffer.bind(device);
    const spy = vi.spyOn(device, 'createBuffer').mockImplementation((descriptor) => {
      created.push(descriptor);
      return createBuffer(descriptor);
    });
    const submit = vi.spyOn(device.queue, 'submit');
    try {
      const readbacks = () => created.filter((d) => (d.usage & MAP_READ) !== 0).map((d) => d.size);
      const good = embedding(ids([1, 2], gpu), table(3, 4, gpu)); // 8 floats
      await good.data(); // checks (and clears) the flag: 32 bytes of data + 16 of flag
      expect(readbacks()).toEqual([32 + 16]);
      submit.mockClear();
      const bad = embedding(ids([1, 3], gpu), table(3, 4, gpu));
      expect(readbacks()).toEqual([48]);
      expect(submit).not.toHaveBeenCalled();
      // Any read after the bad op reports it (here the bad op's own result).
      await expect(bad.data()).rejects.toThrow(/indexSelect: index 3 is out of range/);
      expect(submit).toHaveBeenCalledTimes(1);
      // Once read, no index kernel is pending: the next read carries no flag.
      await tensor([1, 2, 3], [3], { backend: gpu }).data();
      expect(readbacks()).toEqual([48, 48, 12]);
    } finally {
      spy.mockRestore();
      submit.mockRestore();
    }
  });

  it('report the first bad op once; later reads and ops are fine', async () => {
    const first = embedding(ids([0, 9], gpu), table(3, 2, gpu));
    const second = embedding(ids([7], gpu), table(3, 2, gpu));
    await expect(second.data()).rejects.toThrow('indexSelect: index 9 is out of range for an axis of size 3');
    expect(Array.from(await embedding(ids([2, 0], gpu), table(3, 2, gpu)).data())).toEqual([4, 5, 0, 1]);
    // The failed op's own output is unspecified, but reading it no longer throws.
    await first.data();
  });

  it('reject at an explicit sync too', async () => {
    embedding(ids([-4], gpu), table(3, 2, gpu));
    await expect(gpu.sync()).rejects.toThrow('indexSelect: index -4 is out of range for an axis of size 3');
    await gpu.sync();
  });

  it('are caught by both index-add kernels and by cross-entropy backward', async () => {
    const src = tensor([1, 2, 3, 4], [2, 2], { backend: gpu }) as Tensor;
    const bad = ids([0, 300], gpu);
    // A short axis (≤ 256 rows) gathers per output row; a long one scatters with atomics.
    for (const size of [4, 300]) {
      const out = gpu.indexAdd(src, bad, { outer: 1, size, inner: 2 });
      const error = await errorOf(() => gpu.read(out, 'f32', size * 2));
      expect((error as Error).message).toBe(
        `indexAdd: index 300 is out of range for an axis of size ${size}`,
      );
      gpu.release(out);
    }
    const logits = tensor([0, 0, 0, 0, 0, 0], [2, 3], { backend: gpu });
    const targets = ids([1, 3], gpu);
    const ones = tensor([1, 1], [2], { backend: gpu });
    const dx = gpu.crossEntropyBackward(logits, targets, ones, ones, { rows: 2, cols: 3 }, -100);
    await expect(gpu.read(dx, 'f32', 6)).rejects.toThrow(
      'crossEntropyBackward: target 3 is out of range for 3 classes (ignoreIndex is -100)',
    );
    gpu.release(dx);
  });

  it('are caught in every row window of a table past one binding', async () => {
    const small = await initBackend(SMALL_BINDINGS);
    // 301 × 7 floats span nine 1 KiB windows; 301 is one past the last row.
    const out = embedding(ids([0, 300, 301], small), table(301, 7, small));
    await expect(out.data()).rejects.toThrow(
      'indexSelect: index 301 is out of range for an axis of size 301',
    );
    const fine = await embedding(ids([300], small), table(301, 7, small)).data();
    expect(fine[0]).toBe(300 * 7);
  });
});

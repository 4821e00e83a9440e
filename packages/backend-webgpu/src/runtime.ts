// The GPU runtime under the backend: a buffer pool by size class, a pipeline cache,
// and lazy submission — dispatches are encoded into one command encoder and one
// compute pass, with their parameters packed into one uniform arena, and submitted
// only at a readback or past a threshold. Buffers released while commands are still
// pending return to the pool only after that submit, so reuse can never race a write.
import type { ParamWriter } from './params.js';

const BUFFER_USAGE = 0x0080 /* STORAGE */ | 0x0004 /* COPY_SRC */ | 0x0008; /* COPY_DST */
const MAP_READ = 0x0001;
const COPY_DST = 0x0008;
const UNIFORM = 0x0040;
const MAX_DISPATCHES_PER_SUBMIT = 512;
const ARENA_BYTES = 256 * 1024;
const POOL_LIMIT_BYTES = 1024 * 1024 * 1024;

/** A byte range of a buffer, bound alone: how kernels reach tensors larger than one binding allows. */
export interface BufferWindow {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

/** What a kernel binds: a whole buffer, or a window of one. */
export type GpuBinding = GPUBuffer | BufferWindow;

function isWindow(binding: GpuBinding): binding is BufferWindow {
  return 'offset' in binding;
}

export interface GpuBufferStorage {
  readonly buffer: GPUBuffer;
  /** Bytes the tensor uses (the buffer may be larger: its size class). */
  readonly byteLength: number;
}

/** Size classes: four steps per octave above 1 KiB, so pooling wastes at most ~19%. */
export function sizeClass(bytes: number): number {
  if (bytes <= 1024) return 1024;
  const octave = 2 ** Math.floor(Math.log2(bytes));
  const step = octave / 4;
  return Math.ceil(bytes / step) * step;
}

export class GpuRuntime {
  readonly device: GPUDevice;
  readonly pipelines = new Map<string, GPUComputePipeline>();
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #dispatches = 0;
  readonly #arenaCpu = new Uint8Array(ARENA_BYTES);
  readonly #arena: GPUBuffer;
  #arenaOffset = 0;
  readonly #alignment: number;
  readonly #free = new Map<number, GPUBuffer[]>();
  #pendingRelease: GPUBuffer[] = [];
  #pooledBytes = 0;
  bytesInUse = 0;
  liveBuffers = 0;
  #error: Error | null = null;
  #lastKernel = '(none)';
  readonly debug: boolean;
  /** Most bytes one storage binding may hold: the device's limit, or a lower cap for tests. */
  readonly bindingLimit: number;
  /**
   * Most loop iterations one shader invocation may run. Mesa's llvmpipe silently ends a
   * shader's loops after 65,535 iterations (its guard against hangs), which would give
   * wrong sums with no error; kernels check against this before dispatching.
   */
  readonly loopLimit: number;

  constructor(
    device: GPUDevice,
    options: { debug?: boolean; maxBindingBytes?: number; adapterName?: string } = {},
  ) {
    this.device = device;
    this.debug = options.debug ?? false;
    this.bindingLimit = Math.min(
      device.limits.maxStorageBufferBindingSize,
      options.maxBindingBytes ?? Number.POSITIVE_INFINITY,
    );
    this.loopLimit = /llvmpipe/i.test(options.adapterName ?? '') ? 65_535 : Number.POSITIVE_INFINITY;
    this.#alignment = Math.max(16, device.limits.minUniformBufferOffsetAlignment);
    this.#arena = device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM | COPY_DST });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.#error ??= new Error(`WebGPU error after kernel '${this.#lastKernel}': ${error.message}`);
    });
    void device.lost.then((info) => {
      this.#error ??= new Error(`WebGPU device lost (${info.reason}): ${info.message}`);
    });
  }

  /** Throws before a dispatch whose invocations would loop past `loopLimit` (see there). */
  checkLoop(kernel: string, iterations: number): void {
    if (iterations > this.loopLimit) {
      throw new Error(
        `backend-webgpu: kernel '${kernel}' would loop ${iterations} times in one invocation, past the ${this.loopLimit} that Mesa llvmpipe runs before it silently stops a loop; use the cpu backend for this op or smaller tensors`,
      );
    }
  }

  /** Throws the first asynchronous GPU error seen, naming the kernel that preceded it. */
  checkError(): void {
    if (this.#error) throw this.#error;
  }

  // Buffers -------------------------------------------------------------------

  allocate(byteLength: number): GpuBufferStorage {
    this.checkError();
    // A size class never pushes a tensor that fits one binding past the binding limit.
    const bindable = this.bindingLimit;
    let size = sizeClass(byteLength);
    if (byteLength <= bindable && size > bindable) size = Math.ceil(byteLength / 16) * 16;
    const list = this.#free.get(size);
    let buffer = list?.pop();
    if (buffer) this.#pooledBytes -= size;
    else {
      if (size > this.device.limits.maxBufferSize) {
        throw new Error(
          `backend-webgpu: a ${byteLength}-byte tensor exceeds the device's maxBufferSize (${this.device.limits.maxBufferSize})`,
        );
      }
      this.device.pushErrorScope('out-of-memory');
      buffer = this.device.createBuffer({ size, usage: BUFFER_USAGE });
      void this.device.popErrorScope().then((error) => {
        if (error)
          this.#error ??= new Error(`WebGPU out of memory allocating ${size} bytes: ${error.message}`);
      });
    }
    this.bytesInUse += byteLength;
    this.liveBuffers++;
    return { buffer, byteLength };
  }

  release(storage: GpuBufferStorage): void {
    this.bytesInUse -= storage.byteLength;
    this.liveBuffers--;
    if (this.#encoder) this.#pendingRelease.push(storage.buffer);
    else this.#recycle(storage.buffer);
  }

  #recycle(buffer: GPUBuffer): void {
    if (this.#pooledBytes + buffer.size > POOL_LIMIT_BYTES) {
      buffer.destroy();
      return;
    }
    let list = this.#free.get(buffer.size);
    if (!list) {
      list = [];
      this.#free.set(buffer.size, list);
    }
    list.push(buffer);
    this.#pooledBytes += buffer.size;
  }

  get pooledBytes(): number {
    return this.#pooledBytes;
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  // Pipelines and dispatch ------------------------------------------------------

  pipeline(key: string, code: () => string): GPUComputePipeline {
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const module = this.device.createShaderModule({ code: code(), label: key });
      pipeline = this.device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: key,
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  #beginPass(): GPUComputePassEncoder {
    this.#encoder ??= this.device.createCommandEncoder();
    this.#pass ??= this.#encoder.beginComputePass();
    return this.#pass;
  }

  #endPass(): GPUCommandEncoder {
    this.#encoder ??= this.device.createCommandEncoder();
    if (this.#pass) {
      this.#pass.end();
      this.#pass = null;
    }
    return this.#encoder;
  }

  /** Encodes one dispatch; storage buffers bind at 0…n−1 and the params uniform at n. */
  dispatch(
    kernel: string,
    pipeline: GPUComputePipeline,
    buffers: readonly GpuBinding[],
    params: ParamWriter,
    workgroups: readonly [number, number?, number?],
  ): void {
    this.checkError();
    this.#lastKernel = kernel;
    const bytes = params.byteLength;
    if (this.#arenaOffset + bytes > ARENA_BYTES || this.#dispatches >= MAX_DISPATCHES_PER_SUBMIT)
      this.flush();
    const offset = this.#arenaOffset;
    this.#arenaCpu.set(new Uint8Array(params.words.buffer, 0, bytes), offset);
    this.#arenaOffset = Math.ceil((offset + bytes) / this.#alignment) * this.#alignment;
    const limit = this.bindingLimit;
    const entries: GPUBindGroupEntry[] = buffers.map((b, binding) => {
      if (isWindow(b)) return { binding, resource: { buffer: b.buffer, offset: b.offset, size: b.size } };
      if (b.size > limit) {
        throw new Error(
          `backend-webgpu: kernel '${kernel}' cannot bind a ${b.size}-byte buffer (the binding limit is ${limit}); this op does not split large tensors yet`,
        );
      }
      return { binding, resource: { buffer: b } };
    });
    entries.push({ binding: buffers.length, resource: { buffer: this.#arena, offset, size: bytes } });
    if (this.debug) this.device.pushErrorScope('validation');
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.#beginPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    this.#dispatches++;
    if (this.debug) {
      void this.device.popErrorScope().then((error) => {
        if (error)
          this.#error ??= new Error(`WebGPU validation error in kernel '${kernel}': ${error.message}`);
      });
    }
  }

  clear(buffer: GPUBuffer, size: number): void {
    this.#endPass().clearBuffer(buffer, 0, Math.ceil(size / 4) * 4);
  }

  /** Submits everything encoded so far and recycles buffers released meanwhile. */
  flush(): void {
    if (!this.#encoder) return;
    if (this.#arenaOffset > 0) this.write(this.#arena, this.#arenaCpu.subarray(0, this.#arenaOffset));
    const encoder = this.#endPass();
    this.device.queue.submit([encoder.finish()]);
    this.#encoder = null;
    this.#dispatches = 0;
    this.#arenaOffset = 0;
    const released = this.#pendingRelease;
    this.#pendingRelease = [];
    for (const buffer of released) this.#recycle(buffer);
  }

  /** Copies `byteLength` bytes of a buffer to the host. */
  async read(buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
    this.checkError();
    const size = Math.max(4, Math.ceil(byteLength / 4) * 4);
    const staging = this.device.createBuffer({ size, usage: MAP_READ | COPY_DST });
    this.#endPass().copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.flush();
    try {
      await staging.mapAsync(MAP_READ);
    } catch (error) {
      this.checkError();
      throw error;
    }
    const copy = staging.getMappedRange(0, size).slice(0, byteLength);
    staging.unmap();
    staging.destroy();
    this.checkError();
    return copy;
  }

  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.checkError();
  }
}

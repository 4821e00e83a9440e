// The GPU runtime under the backend: a buffer pool by size class, a pipeline cache,
// and lazy submission — dispatches are encoded into one command encoder and one
// compute pass, with their parameters packed into one uniform arena, and submitted
// only at a readback or past a threshold. Buffers released while commands are still
// pending return to the pool only after that submit, so reuse can never race a write.
// Index kernels bind a small error flag (index-errors.ts) that readbacks check.
// Bind groups are cached by the buffers (and windows) they bind: each kernel's params
// sit in the arena at a dynamic offset, so a step that reuses its buffers — every
// steady-state training or decoding step, the pool hands them out in the same order —
// creates no bind group at all (creating one cost about as much as the dispatch).
// Every limit a kernel plans with is read from the device (adapter.ts' deviceLimits),
// and the matmul tile of each product comes from the autotuner (autotune/), which
// runs queued tuning only where the caller already waits: after a readback or sync.
import {
  type AdapterReport,
  adapterKey,
  type DeviceLimits,
  deviceLimits,
  isSoftwareAdapter,
} from './adapter.js';
import { autotuneEnabled, MatmulTuner } from './autotune/matmul-tuner.js';
import { memoryTuneStore, type TuneStore } from './autotune/store.js';
import type { BindingLimits } from './binding-windows.js';
import { WebGPUError } from './errors.js';
import { INDEX_ERROR_BYTES, indexErrorOf } from './index-errors.js';
import type { TileConfig } from './kernels/matmul/plan.js';
import type { ParamWriter } from './params.js';

const BUFFER_USAGE = 0x0080 /* STORAGE */ | 0x0004 /* COPY_SRC */ | 0x0008; /* COPY_DST */
const MAP_READ = 0x0001;
const COPY_DST = 0x0008;
const UNIFORM = 0x0040;
// A decoding step (GPT-2 124M: ~350 dispatches, ~560 with a top-p sort) fits one submit;
// a training step still overlaps encoding with execution every 1024.
const MAX_DISPATCHES_PER_SUBMIT = 1024;
// Room for every dispatch of a submit at 256-byte uniform offsets (most GPUs).
const ARENA_BYTES = 1024 * 1024;
const POOL_LIMIT_BYTES = 1024 * 1024 * 1024;
/** Bytes of the arena each kernel's params binding spans (ParamWriter holds 64 words). */
const PARAMS_BINDING_BYTES = 256;
/** Cached bind groups kept at most; past it the cache starts over (a workload that never repeats). */
const BIND_GROUP_CACHE_LIMIT = 16_384;
const COMPUTE_STAGE = 0x4;

/**
 * The bind group layout a kernel's WGSL declares: storage buffers (read-only or not)
 * at 0…n−1 and its params uniform last, bound at a dynamic offset into the arena.
 */
export function bindingTypes(code: string): GPUBufferBindingType[] {
  const types: GPUBufferBindingType[] = [];
  const declaration = /@binding\((\d+)\)\s*var<(storage|uniform)(?:\s*,\s*(read_write|read))?>/g;
  for (const match of code.matchAll(declaration)) {
    const kind =
      match[2] === 'uniform' ? 'uniform' : match[3] === 'read_write' ? 'storage' : 'read-only-storage';
    types[Number(match[1])] = kind;
  }
  return types;
}

interface KernelLayout {
  readonly bindGroupLayout: GPUBindGroupLayout;
  readonly id: number;
}

/** A byte range of a buffer, bound alone: how kernels reach tensors larger than one binding allows. */
export interface BufferWindow {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

/** What the runtime is told beyond the device (WebGPUBackendOptions and the acquired adapter). */
export interface RuntimeOptions {
  debug?: boolean;
  /** Caps the bytes one storage binding holds below the device's limit (tests). */
  maxBindingBytes?: number;
  adapterName?: string;
  /** The adapter's identity (the autotune cache's key). */
  report?: AdapterReport;
  /** Autotune matmul tiles (default: autotune/matmul-tuner.ts' autotuneEnabled). */
  autotune?: boolean;
  /** Where autotune results persist (default: memory). */
  tuneStore?: TuneStore;
  /** The tiles autotuning chooses among (default: every candidate the limits allow). */
  tileCandidates?: readonly TileConfig[];
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
  readonly #kernelLayouts = new Map<string, KernelLayout>();
  readonly #pipelineLayouts = new WeakMap<GPUComputePipeline, KernelLayout>();
  readonly #bindGroups = new Map<string, GPUBindGroup>();
  readonly #bufferIds = new WeakMap<GPUBuffer, number>();
  #nextBufferId = 0;
  #passPipeline: GPUComputePipeline | null = null;
  /** Bind groups created so far (a cache miss each): flat across steady-state steps. */
  bindGroupsCreated = 0;
  /** Command buffers submitted so far, and dispatches encoded: what a step costs in each. */
  submits = 0;
  dispatchCount = 0;
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
  #error: WebGPUError | null = null;
  /** Out-of-range index reports of the index kernels (see index-errors.ts). */
  readonly #indexError: GPUBuffer;
  /** Whether a kernel bound the index-error flag since the last readback checked it. */
  #indexErrorArmed = false;
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
  /** The binding limit and the device's storage offset alignment, for splitting big tensors. */
  readonly bindingLimits: BindingLimits;
  /** The device's granted limits, as every kernel plans with them. */
  readonly limits: DeviceLimits;
  /** Picks (and, when enabled, times) each matmul's tile. */
  readonly matmulTuner: MatmulTuner;
  #idleBusy = false;

  constructor(device: GPUDevice, options: RuntimeOptions = {}) {
    this.device = device;
    this.debug = options.debug ?? false;
    this.limits = deviceLimits(device.limits as unknown as Record<string, number>);
    const limits = runtimeLimits(this.limits, options.maxBindingBytes);
    this.bindingLimit = limits.bindingLimit;
    this.bindingLimits = limits.bindingLimits;
    const name = options.report?.name ?? options.adapterName ?? '';
    this.loopLimit = /llvmpipe/i.test(name) ? 65_535 : Number.POSITIVE_INFINITY;
    this.#alignment = limits.uniformAlignment;
    // `process` exists only in Node; browser builds have no Node types, so reach it through globalThis.
    const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
    this.matmulTuner = new MatmulTuner({
      enabled: autotuneEnabled(options.autotune, env, isSoftwareAdapter(name)),
      limits: this.limits,
      store: options.tuneStore ?? memoryTuneStore(),
      adapterKey: options.report ? adapterKey(options.report) : name,
      ...(options.tileCandidates ? { candidates: options.tileCandidates } : {}),
      loopLimit: this.loopLimit,
    });
    this.#arena = device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM | COPY_DST });
    // New buffers are zeroed: the flag starts clear.
    this.#indexError = device.createBuffer({ size: INDEX_ERROR_BYTES, usage: BUFFER_USAGE });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      const kernel = this.#lastKernel;
      this.#error ??= new WebGPUError(
        'WEBGPU_GPU_ERROR',
        `GPU error after kernel '${kernel}': ${error.message}`,
        {
          kernel,
        },
      );
    });
    void device.lost.then((info) => {
      this.#error ??= new WebGPUError('WEBGPU_DEVICE_LOST', `device lost (${info.reason}): ${info.message}`);
    });
  }

  /** The tile a tiled matmul dispatch of `p` uses (see autotune/matmul-tuner.ts). */
  matmulTile(p: Parameters<MatmulTuner['tileFor']>[0], splitK: boolean): TileConfig {
    return this.matmulTuner.tileFor(p, splitK);
  }

  /** Runs queued tuning, once the caller's own work is done (never nested in itself). */
  async #afterWait(): Promise<void> {
    if (this.#idleBusy || this.matmulTuner.pending === 0) return;
    this.#idleBusy = true;
    try {
      await this.matmulTuner.runPending(this);
    } catch {
      // Tuning is an optimisation: its failure must not fail the read that triggered it.
      // The default tiles stay; a real device error is still raised by the next op.
      this.matmulTuner.stop();
    } finally {
      this.#idleBusy = false;
    }
  }

  /** Throws before a dispatch whose invocations would loop past `loopLimit` (see there). */
  checkLoop(kernel: string, iterations: number): void {
    if (iterations > this.loopLimit) {
      throw new WebGPUError(
        'WEBGPU_LOOP_LIMIT',
        `kernel '${kernel}' would loop ${iterations} times in one invocation, past the ${this.loopLimit} that Mesa llvmpipe runs before it silently stops a loop; use the cpu backend for this op or smaller tensors`,
        { kernel },
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
      if (size > this.limits.maxBufferSize) {
        throw new WebGPUError(
          'WEBGPU_BUFFER_LIMIT',
          `a ${byteLength}-byte tensor exceeds the device's maxBufferSize (${this.limits.maxBufferSize})`,
        );
      }
      this.device.pushErrorScope('out-of-memory');
      buffer = this.device.createBuffer({ size, usage: BUFFER_USAGE });
      void this.device.popErrorScope().then((error) => {
        if (error)
          this.#error ??= new WebGPUError(
            'WEBGPU_OUT_OF_MEMORY',
            `out of memory allocating ${size} bytes: ${error.message}`,
          );
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
      // Bind groups holding it must not outlive it (rare: the pool is full).
      if (this.#bufferIds.has(buffer)) this.#bindGroups.clear();
      buffer.destroy();
      return;
    }
    let list = this.#free.get(buffer.size);
    if (!list) {
      list = [];
      this.#free.set(buffer.size, list);
    }
    // Kept in descending id order, so `allocate` always hands out the oldest free buffer:
    // a repeating step then gets the same buffers in the same places every time (the
    // bind-group cache hits), whatever order they were released in.
    const id = this.#bufferId(buffer);
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.#bufferId(list[mid]!) > id) low = mid + 1;
      else high = mid;
    }
    list.splice(low, 0, buffer);
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
      const source = code();
      const layout = this.#kernelLayout(bindingTypes(source));
      const module = this.device.createShaderModule({ code: source, label: key });
      pipeline = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout.bindGroupLayout] }),
        compute: { module, entryPoint: 'main' },
        label: key,
      });
      this.pipelines.set(key, pipeline);
      this.#pipelineLayouts.set(pipeline, layout);
    }
    return pipeline;
  }

  /** One bind group layout per sequence of binding types, shared by the kernels that declare it. */
  #kernelLayout(types: readonly GPUBufferBindingType[]): KernelLayout {
    const signature = types.join(',');
    let layout = this.#kernelLayouts.get(signature);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = types.map((type, binding) => ({
        binding,
        visibility: COMPUTE_STAGE,
        buffer: { type, hasDynamicOffset: type === 'uniform' },
      }));
      layout = {
        bindGroupLayout: this.device.createBindGroupLayout({ entries }),
        id: this.#kernelLayouts.size,
      };
      this.#kernelLayouts.set(signature, layout);
    }
    return layout;
  }

  #bufferId(buffer: GPUBuffer): number {
    let id = this.#bufferIds.get(buffer);
    if (id === undefined) {
      id = this.#nextBufferId++;
      this.#bufferIds.set(buffer, id);
    }
    return id;
  }

  /** The bind group of these bindings (storage at 0…n−1, the arena's params last), cached. */
  #bindGroup(kernel: string, layout: KernelLayout, buffers: readonly GpuBinding[]): GPUBindGroup {
    const limit = this.bindingLimit;
    let key = `${layout.id}`;
    for (const b of buffers) {
      if (isWindow(b)) key += `|${this.#bufferId(b.buffer)}@${b.offset}+${b.size}`;
      else {
        if (b.size > limit) {
          throw new WebGPUError(
            'WEBGPU_BINDING_LIMIT',
            `kernel '${kernel}' cannot bind a ${b.size}-byte buffer (the binding limit is ${limit})`,
            { kernel },
          );
        }
        key += `|${this.#bufferId(b)}`;
      }
    }
    let group = this.#bindGroups.get(key);
    if (!group) {
      const entries: GPUBindGroupEntry[] = buffers.map((b, binding) =>
        isWindow(b)
          ? { binding, resource: { buffer: b.buffer, offset: b.offset, size: b.size } }
          : { binding, resource: { buffer: b } },
      );
      entries.push({
        binding: buffers.length,
        resource: { buffer: this.#arena, offset: 0, size: PARAMS_BINDING_BYTES },
      });
      group = this.device.createBindGroup({ layout: layout.bindGroupLayout, entries });
      if (this.#bindGroups.size >= BIND_GROUP_CACHE_LIMIT) this.#bindGroups.clear();
      this.#bindGroups.set(key, group);
      this.bindGroupsCreated++;
    }
    return group;
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
      this.#passPipeline = null;
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
    if (
      this.#arenaOffset + PARAMS_BINDING_BYTES > ARENA_BYTES ||
      this.#dispatches >= MAX_DISPATCHES_PER_SUBMIT
    )
      this.flush();
    const offset = this.#arenaOffset;
    this.#arenaCpu.set(new Uint8Array(params.words.buffer, 0, bytes), offset);
    this.#arenaOffset = Math.ceil((offset + bytes) / this.#alignment) * this.#alignment;
    const layout = this.#pipelineLayouts.get(pipeline);
    if (!layout)
      throw new Error(`backend-webgpu: kernel '${kernel}' has a pipeline this runtime did not create`);
    if (this.debug) this.device.pushErrorScope('validation');
    const bindGroup = this.#bindGroup(kernel, layout, buffers);
    const pass = this.#beginPass();
    if (this.#passPipeline !== pipeline) {
      pass.setPipeline(pipeline);
      this.#passPipeline = pipeline;
    }
    pass.setBindGroup(0, bindGroup, [offset]);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    this.dispatchCount++;
    this.#dispatches++;
    if (this.debug) {
      void this.device.popErrorScope().then((error) => {
        if (error)
          this.#error ??= new WebGPUError(
            'WEBGPU_GPU_ERROR',
            `validation error in kernel '${kernel}': ${error.message}`,
            { kernel },
          );
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
    this.submits++;
    this.#encoder = null;
    this.#dispatches = 0;
    this.#arenaOffset = 0;
    const released = this.#pendingRelease;
    this.#pendingRelease = [];
    for (const buffer of released) this.#recycle(buffer);
  }

  /**
   * The index-error flag, for a kernel that takes indices to bind (as its last storage
   * buffer): binding it arms the check at the next readback.
   */
  indexErrorFlag(): GPUBuffer {
    this.#indexErrorArmed = true;
    return this.#indexError;
  }

  /**
   * Copies `byteLength` bytes of a buffer to the host. When an index kernel ran since
   * the last check, the error flag rides along in the same staging buffer (16 more
   * bytes, no extra map) and is cleared in the same submit; a reported bad index then
   * rejects this read.
   */
  async read(buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
    this.checkError();
    const size = Math.max(4, Math.ceil(byteLength / 4) * 4);
    const checkIndex = this.#indexErrorArmed;
    const staging = this.device.createBuffer({
      size: size + (checkIndex ? INDEX_ERROR_BYTES : 0),
      usage: MAP_READ | COPY_DST,
    });
    const encoder = this.#endPass();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    if (checkIndex) this.#takeIndexError(encoder, staging, size);
    this.flush();
    try {
      await staging.mapAsync(MAP_READ);
    } catch (error) {
      this.checkError();
      throw error;
    }
    const mapped = staging.getMappedRange();
    const copy = mapped.slice(0, byteLength);
    const indexError = checkIndex
      ? indexErrorOf(new Uint32Array(mapped.slice(size, size + INDEX_ERROR_BYTES)))
      : null;
    staging.unmap();
    staging.destroy();
    this.checkError();
    if (indexError) throw indexError;
    await this.#afterWait();
    return copy;
  }

  /** Encodes the flag's copy into `staging` at `offset` and its reset, disarming the check. */
  #takeIndexError(encoder: GPUCommandEncoder, staging: GPUBuffer, offset: number): void {
    encoder.copyBufferToBuffer(this.#indexError, 0, staging, offset, INDEX_ERROR_BYTES);
    encoder.clearBuffer(this.#indexError, 0, INDEX_ERROR_BYTES);
    this.#indexErrorArmed = false;
  }

  /** Waits for all submitted work; rejects with a GPU error or a reported bad index. */
  async sync(): Promise<void> {
    if (!this.#indexErrorArmed) {
      this.flush();
      await this.device.queue.onSubmittedWorkDone();
      this.checkError();
      await this.#afterWait();
      return;
    }
    // Mapping the flag's copy waits for the same work onSubmittedWorkDone would.
    await this.read(this.#indexError, 0);
  }
}

/**
 * The limits the runtime splits and aligns by, from the device's granted limits: one
 * storage binding holds at most the device's `maxStorageBufferBindingSize` (or the
 * test cap `maxBindingBytes`, whichever is lower); windows start at the storage offset
 * alignment; params sit at the uniform offset alignment (at least 16 bytes).
 */
export function runtimeLimits(
  limits: Pick<
    DeviceLimits,
    'maxStorageBufferBindingSize' | 'minStorageBufferOffsetAlignment' | 'minUniformBufferOffsetAlignment'
  >,
  maxBindingBytes = Number.POSITIVE_INFINITY,
): { bindingLimit: number; bindingLimits: BindingLimits; uniformAlignment: number } {
  const bindingLimit = Math.min(limits.maxStorageBufferBindingSize, maxBindingBytes);
  return {
    bindingLimit,
    bindingLimits: { maxBindingBytes: bindingLimit, offsetAlignment: limits.minStorageBufferOffsetAlignment },
    uniformAlignment: Math.max(16, limits.minUniformBufferOffsetAlignment),
  };
}

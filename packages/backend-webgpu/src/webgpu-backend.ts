// The WebGPU backend: the primitives of the Backend interface and every fused kernel
// (each saves dispatches and memory traffic over tensor-core's composed defaults) as
// WGSL compute shaders on one shared device. Tensors live in pooled GPU buffers (bool as 32-bit words, so
// every element is one word); work is batched by the runtime and only `read` waits.
// Disposing tensors never touches the device. This file only routes: how big tensors
// split into binding windows lives in binding-windows.ts, how a matmul runs in
// kernels/matmul/, and the WGSL in kernels/.
import {
  type ActivationGradOp,
  type ActivationOp,
  type AdamWParams,
  type AxisLayout,
  type Backend,
  type BackendCapabilities,
  type BackendInfo,
  type BackendMemory,
  type BinaryOp,
  type DataArray,
  type DType,
  type KernelTensor,
  type MatmulParams,
  type RandomParams,
  type ReduceOp,
  type RowsLayout,
  type Shape,
  type Storage,
  type StridedView,
  sizeOf,
  type UnaryOp,
} from '@tensorlm/tensor-core';
import { forEachRange, WORD } from './binding-windows.js';
import type { AcquiredDevice } from './device.js';
import { WebGPUError } from './errors.js';
import {
  type AttentionArgs,
  type AttentionBackwardArgs,
  attentionBackwardKernel,
  attentionKernel,
} from './kernels/attention/index.js';
import {
  binaryKernel,
  broadcastBinaryKernel,
  castKernel,
  fillKernel,
  unaryKernel,
  whereKernel,
} from './kernels/elementwise.js';
import { indexAddByRowKernel, indexSelectKernel, scatterAddKernel } from './kernels/indexing.js';
import { matmul } from './kernels/matmul/index.js';
import { copyStridedKernel } from './kernels/movement.js';
import {
  crossEntropyBackwardKernel,
  crossEntropyKernel,
  layerNormBackwardKernels,
  layerNormKernel,
  softmaxBackwardKernel,
  softmaxKernel,
} from './kernels/nn.js';
import { adamwKernel } from './kernels/optim.js';
import { reduceKernel } from './kernels/reduce.js';
import { multinomialKernel, randomKernel } from './kernels/sampling.js';
import { topkKernel } from './kernels/topk.js';
import { type GpuBinding, type GpuBufferStorage, GpuRuntime } from './runtime.js';

/** Adapters that run on the CPU: their buffers live in the host's memory. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader/i;

/** indexAdd into at most this many rows gathers per output element instead of using atomics. */
const SHORT_INDEX_AXIS = 256;

function bufferOf(storage: Storage): GPUBuffer {
  const buffer = (storage as Partial<GpuBufferStorage>).buffer;
  if (!buffer)
    throw new WebGPUError(
      'WEBGPU_FOREIGN_STORAGE',
      'received a storage from another backend; move the tensor with toBackend() first',
    );
  return buffer;
}

const buf = (t: KernelTensor) => bufferOf(t.storage);

export interface WebGPUBackendOptions {
  /** Wrap every dispatch in error scopes, naming the failing kernel (slower). */
  debug?: boolean;
  /**
   * Caps the bytes one storage binding holds below the device's limit, so tests can
   * drive the paths that split big tensors (GPT-2's embedding) with small ones.
   */
  maxBindingBytes?: number;
  /** Time matmul tiles on first use (default: on for a hardware adapter outside tests; TENSORLM_WEBGPU_AUTOTUNE). */
  autotune?: boolean;
}

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly capabilities: BackendCapabilities;
  readonly runtime: GpuRuntime;
  readonly #info: AcquiredDevice;
  readonly #zeros: GpuBufferStorage;

  constructor(acquired: AcquiredDevice, options: WebGPUBackendOptions = {}) {
    this.#info = acquired;
    this.runtime = new GpuRuntime(acquired.device, {
      ...options,
      adapterName: acquired.adapterName,
      ...(acquired.report ? { report: acquired.report } : {}),
      ...(acquired.tuneStore ? { tuneStore: acquired.tuneStore } : {}),
    });
    this.#zeros = this.runtime.allocate(16);
    this.runtime.clear(this.#zeros.buffer, 16);
    this.runtime.bytesInUse -= 16;
    this.runtime.liveBuffers--;
    const loops = this.runtime.loopLimit;
    const software = SOFTWARE_ADAPTER.test(acquired.adapterName);
    this.capabilities = {
      f16: false,
      hostMemory: software,
      // topk and multinomial take vocabulary-wide rows in chunks (kernels/topk.ts,
      // kernels/sampling.ts), exactly, on any adapter. A decoder should sample here on a
      // GPU; on a software adapter the logits already sit in host memory, and the CPU
      // backend's sampling beats the emulated GPU's (GPT-2's top-50: 1.8 vs 4.1 ms).
      deviceSampling: !software,
      ...(Number.isFinite(loops) ? { maxLoopIterations: loops } : {}),
      maxBindingBytes: this.runtime.bindingLimit,
      maxStorageBytes: acquired.device.limits.maxBufferSize,
    };
  }

  describe(): BackendInfo {
    return {
      name: this.name,
      device: this.#info.adapterName,
      dawnBackend: this.#info.dawnBackend,
      featureLevel: this.#info.featureLevel,
      limits: { ...this.runtime.limits },
      features: this.#info.report?.features ?? [],
      ...(this.#info.report ? { adapter: this.#info.report } : {}),
      autotune: this.runtime.matmulTuner.enabled,
    };
  }

  #alloc(size: number): GpuBufferStorage {
    return this.runtime.allocate(size * WORD);
  }

  /** Runs `run` once per binding-sized range of `size` elements (see binding-windows.ts). */
  #forEachRange(
    size: number,
    buffers: readonly GPUBuffer[],
    run: (bound: GpuBinding[], count: number, start: number) => void,
  ): void {
    forEachRange(size, buffers, this.runtime.bindingLimits, run);
  }

  upload(values: DataArray, dtype: DType): Storage {
    const storage = this.#alloc(values.length);
    const words = dtype === 'bool' ? Uint32Array.from(values) : values;
    if (words.byteLength > 0) this.runtime.write(storage.buffer, words);
    return storage;
  }

  async read(storage: Storage, dtype: DType, size: number): Promise<DataArray> {
    const bytes = await this.runtime.read(bufferOf(storage), size * WORD);
    if (dtype === 'f32') return new Float32Array(bytes);
    if (dtype === 'i32') return new Int32Array(bytes);
    return Uint8Array.from(new Uint32Array(bytes));
  }

  alloc(size: number, _dtype: DType): Storage {
    return this.#alloc(size);
  }

  release(storage: Storage): void {
    this.runtime.release(storage as GpuBufferStorage);
  }

  memory(): BackendMemory {
    return {
      bytesInUse: this.runtime.bytesInUse,
      bytesPooled: this.runtime.pooledBytes,
      storages: this.runtime.liveBuffers,
    };
  }

  sync(): Promise<void> {
    return this.runtime.sync();
  }

  fill(size: number, dtype: DType, value: number): Storage {
    const out = this.#alloc(size);
    if (size === 0) return out;
    if (value === 0) this.runtime.clear(out.buffer, size * WORD);
    else {
      const word =
        dtype === 'f32'
          ? new Float32Array([value])
          : dtype === 'i32'
            ? new Int32Array([value])
            : new Uint32Array([value ? 1 : 0]);
      const bits = new Uint32Array(word.buffer)[0]!;
      this.#forEachRange(size, [out.buffer], ([o], count) => fillKernel(this.runtime, o!, count, bits));
    }
    return out;
  }

  cast(x: KernelTensor, to: DType): Storage {
    const size = sizeOf(x.shape);
    const out = this.#alloc(size);
    if (size > 0)
      this.#forEachRange(size, [buf(x), out.buffer], ([src, dst], count) =>
        castKernel(this.runtime, src!, x.dtype, to, count, dst!),
      );
    return out;
  }

  random(params: RandomParams): Storage {
    const out = this.#alloc(params.size);
    // Element i draws from counter offset + i (normal: 2i and 2i + 1), so a range starting
    // at `start` continues the same stream.
    const perElement = params.distribution === 'normal' ? 2 : 1;
    this.#forEachRange(params.size, [out.buffer], ([o], count, start) =>
      randomKernel(this.runtime, o!, { ...params, size: count, offset: params.offset + start * perElement }),
    );
    return out;
  }

  unary(op: UnaryOp, x: KernelTensor): Storage {
    const size = sizeOf(x.shape);
    const out = this.#alloc(size);
    if (size > 0)
      this.#forEachRange(size, [buf(x), out.buffer], ([src, dst], count) =>
        unaryKernel(this.runtime, op, src!, x.dtype, count, dst!),
      );
    return out;
  }

  binary(op: BinaryOp, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage {
    const size = sizeOf(outShape);
    const out = this.#alloc(size);
    if (size === 0) return out;
    if (sizeOf(a.shape) === size && sizeOf(b.shape) === size) {
      // Same shapes: a flat map, which splits into binding-sized ranges.
      this.#forEachRange(size, [buf(a), buf(b), out.buffer], ([x, y, o], count) =>
        binaryKernel(this.runtime, op, x!, y!, a.dtype, o!, count),
      );
    } else
      broadcastBinaryKernel(
        this.runtime,
        op,
        buf(a),
        a.shape,
        buf(b),
        b.shape,
        a.dtype,
        out.buffer,
        outShape,
      );
    return out;
  }

  activation(op: ActivationOp, x: KernelTensor): Storage {
    const size = sizeOf(x.shape);
    const out = this.#alloc(size);
    if (size > 0)
      this.#forEachRange(size, [buf(x), out.buffer], ([src, dst], count) =>
        unaryKernel(this.runtime, op, src!, 'f32', count, dst!),
      );
    return out;
  }

  activationGrad(op: ActivationGradOp, input: KernelTensor, dy: KernelTensor): Storage {
    const size = sizeOf(input.shape);
    const out = this.#alloc(size);
    if (size > 0)
      this.#forEachRange(size, [buf(input), buf(dy), out.buffer], ([x, g, o], count) =>
        binaryKernel(this.runtime, op, x!, g!, 'f32', o!, count),
      );
    return out;
  }

  where(cond: KernelTensor, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage {
    const size = sizeOf(outShape);
    const out = this.#alloc(size);
    if (size > 0)
      whereKernel(
        this.runtime,
        buf(cond),
        cond.shape,
        buf(a),
        a.shape,
        buf(b),
        b.shape,
        out.buffer,
        outShape,
      );
    return out;
  }

  copyStrided(
    src: Storage,
    dst: Storage,
    _dtype: DType,
    shape: Shape,
    srcView: StridedView,
    dstView: StridedView,
  ): void {
    copyStridedKernel(this.runtime, bufferOf(src), bufferOf(dst), shape, srcView, dstView);
  }

  reduce(op: ReduceOp, x: KernelTensor, layout: AxisLayout): Storage {
    const out = this.#alloc(layout.outer * layout.inner);
    if (layout.outer * layout.inner === 0) return out;
    if (layout.size === 0) {
      this.runtime.clear(out.buffer, layout.outer * layout.inner * WORD);
      return out;
    }
    reduceKernel(this.runtime, op, buf(x), x.dtype, layout, out.buffer);
    return out;
  }

  matmul(a: KernelTensor, b: KernelTensor, params: MatmulParams): Storage {
    const out = this.#alloc(sizeOf(params.batchShape) * params.m * params.n);
    matmul(this.runtime, buf(a), buf(b), out.buffer, params, this.runtime.bindingLimits);
    return out;
  }

  indexSelect(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const m = sizeOf(indices.shape);
    const out = this.#alloc(layout.outer * m * layout.inner);
    indexSelectKernel(this.runtime, buf(x), buf(indices), m, layout, out.buffer, 'oneListForAllSlices');
    return out;
  }

  indexAdd(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const size = layout.outer * layout.size * layout.inner;
    const out = this.#alloc(size);
    const m = sizeOf(indices.shape);
    const limit = this.runtime.bindingLimit;
    if (
      layout.size <= SHORT_INDEX_AXIS &&
      size * WORD <= limit &&
      sizeOf(src.shape) * WORD <= limit &&
      m <= this.runtime.loopLimit
    ) {
      // Few destination rows (small vocabularies, positions): contention would serialise
      // the atomic scatter, so each output element gathers its sum instead.
      indexAddByRowKernel(this.runtime, buf(src), buf(indices), m, layout, out.buffer);
      return out;
    }
    if (size > 0) this.runtime.clear(out.buffer, size * WORD);
    scatterAddKernel(this.runtime, buf(src), buf(indices), m, layout, out.buffer, 'oneListForAllSlices');
    return out;
  }

  gatherAlong(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const total = sizeOf(indices.shape);
    const out = this.#alloc(total);
    const m = total / Math.max(layout.outer * layout.inner, 1);
    indexSelectKernel(this.runtime, buf(x), buf(indices), m, layout, out.buffer, 'onePerElement');
    return out;
  }

  scatterAddAlong(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const size = layout.outer * layout.size * layout.inner;
    const out = this.#alloc(size);
    if (size > 0) this.runtime.clear(out.buffer, size * WORD);
    const m = sizeOf(indices.shape) / Math.max(layout.outer * layout.inner, 1);
    scatterAddKernel(this.runtime, buf(src), buf(indices), m, layout, out.buffer, 'onePerElement');
    return out;
  }

  softmax(x: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    const out = this.#alloc(layout.rows * layout.cols);
    if (layout.cols > 0) softmaxKernel(this.runtime, buf(x), out.buffer, layout, log);
    return out;
  }

  softmaxBackward(y: KernelTensor, dy: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    const out = this.#alloc(layout.rows * layout.cols);
    if (layout.cols > 0) softmaxBackwardKernel(this.runtime, buf(y), buf(dy), out.buffer, layout, log);
    return out;
  }

  layerNorm(
    x: KernelTensor,
    weight: KernelTensor | null,
    bias: KernelTensor | null,
    layout: RowsLayout,
    eps: number,
  ) {
    const y = this.#alloc(layout.rows * layout.cols);
    const mean = this.#alloc(layout.rows);
    const rstd = this.#alloc(layout.rows);
    const zeros = this.#zeros.buffer;
    if (layout.cols > 0) {
      layerNormKernel(
        this.runtime,
        buf(x),
        weight ? buf(weight) : zeros,
        bias ? buf(bias) : zeros,
        { weight: weight !== null, bias: bias !== null },
        y.buffer,
        mean.buffer,
        rstd.buffer,
        layout,
        eps,
      );
    }
    return { y, mean, rstd };
  }

  layerNormBackward(
    dy: KernelTensor,
    x: KernelTensor,
    weight: KernelTensor | null,
    mean: KernelTensor,
    rstd: KernelTensor,
    layout: RowsLayout,
  ) {
    const dx = this.#alloc(layout.rows * layout.cols);
    const dWeight = this.#alloc(layout.cols);
    const dBias = this.#alloc(layout.cols);
    if (layout.cols > 0) {
      layerNormBackwardKernels(
        this.runtime,
        buf(dy),
        buf(x),
        weight ? buf(weight) : this.#zeros.buffer,
        weight !== null,
        buf(mean),
        buf(rstd),
        dx.buffer,
        dWeight.buffer,
        dBias.buffer,
        layout,
      );
    }
    return { dx, dWeight, dBias };
  }

  crossEntropy(logits: KernelTensor, targets: KernelTensor, layout: RowsLayout, ignoreIndex: number) {
    const losses = this.#alloc(layout.rows);
    const logSumExp = this.#alloc(layout.rows);
    crossEntropyKernel(
      this.runtime,
      buf(logits),
      buf(targets),
      losses.buffer,
      logSumExp.buffer,
      layout,
      ignoreIndex,
    );
    return { losses, logSumExp };
  }

  crossEntropyBackward(
    logits: KernelTensor,
    targets: KernelTensor,
    logSumExp: KernelTensor,
    dLosses: KernelTensor,
    layout: RowsLayout,
    ignoreIndex: number,
  ): Storage {
    const out = this.#alloc(layout.rows * layout.cols);
    crossEntropyBackwardKernel(
      this.runtime,
      buf(logits),
      buf(targets),
      buf(logSumExp),
      buf(dLosses),
      out.buffer,
      layout,
      ignoreIndex,
    );
    return out;
  }

  topk(x: KernelTensor, layout: RowsLayout, k: number, largest: boolean) {
    const values = this.#alloc(layout.rows * k);
    const indices = this.#alloc(layout.rows * k);
    topkKernel(
      this.runtime,
      buf(x),
      x.dtype === 'f32' ? 'f32' : 'i32',
      values.buffer,
      indices.buffer,
      layout,
      k,
      largest,
    );
    return { values, indices };
  }

  multinomial(
    probs: KernelTensor,
    layout: RowsLayout,
    numSamples: number,
    replacement: boolean,
    seed: number,
    offset: number,
  ): Storage {
    const out = this.#alloc(layout.rows * numSamples);
    multinomialKernel(this.runtime, buf(probs), out.buffer, layout, numSamples, replacement, seed, offset);
    return out;
  }

  attention(...args: AttentionArgs) {
    return attentionKernel(this, ...args);
  }

  attentionBackward(...args: AttentionBackwardArgs) {
    return attentionBackwardKernel(this, ...args);
  }

  adamw(param: Storage, grad: KernelTensor, m: Storage, v: Storage, params: AdamWParams): void {
    const buffers = [bufferOf(param), buf(grad), bufferOf(m), bufferOf(v)];
    this.#forEachRange(sizeOf(grad.shape), buffers, ([p, g, m1, v1], count) =>
      adamwKernel(this.runtime, p!, g!, m1!, v1!, count, params),
    );
  }
}

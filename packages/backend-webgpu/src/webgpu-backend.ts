// The WebGPU backend: every kernel of the Backend interface as WGSL compute shaders on
// one shared device. Tensors live in pooled GPU buffers (bool as 32-bit words, so
// every element is one word); work is batched by the runtime and only `read` waits.
// Disposing tensors never touches the device.
import {
  type AdamWParams,
  type AxisLayout,
  type Backend,
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
import type { AcquiredDevice } from './device.js';
import { binaryKernel, castKernel, fillKernel, unaryKernel, whereKernel } from './kernels/elementwise.js';
import { indexSelectKernel, scatterAddKernel } from './kernels/indexing.js';
import { matmulKernel } from './kernels/matmul.js';
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
import { multinomialKernel, randomKernel, topkKernel } from './kernels/sampling.js';
import { type GpuBufferStorage, GpuRuntime } from './runtime.js';

const WORD = 4;

function bufferOf(storage: Storage): GPUBuffer {
  const buffer = (storage as Partial<GpuBufferStorage>).buffer;
  if (!buffer)
    throw new Error(
      'backend-webgpu: received a storage from another backend; move the tensor with toBackend() first',
    );
  return buffer;
}

const buf = (t: KernelTensor) => bufferOf(t.storage);

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly runtime: GpuRuntime;
  readonly #info: AcquiredDevice;
  readonly #zeros: GpuBufferStorage;

  constructor(acquired: AcquiredDevice, options: { debug?: boolean } = {}) {
    this.#info = acquired;
    this.runtime = new GpuRuntime(acquired.device, options.debug ?? false);
    this.#zeros = this.runtime.allocate(16);
    this.runtime.clear(this.#zeros.buffer, 16);
    this.runtime.bytesInUse -= 16;
    this.runtime.liveBuffers--;
  }

  describe(): BackendInfo {
    const limits = this.runtime.device.limits;
    return {
      name: this.name,
      device: this.#info.adapterName,
      dawnBackend: this.#info.dawnBackend,
      featureLevel: this.#info.featureLevel,
      limits: {
        maxBufferSize: limits.maxBufferSize,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    };
  }

  #alloc(size: number): GpuBufferStorage {
    const bytes = size * WORD;
    const limit = this.runtime.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new Error(
        `backend-webgpu: a tensor of ${size} elements (${bytes} bytes) exceeds this device's maxStorageBufferBindingSize (${limit}); split it or use the cpu backend`,
      );
    }
    return this.runtime.allocate(bytes);
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
      fillKernel(this.runtime, out.buffer, size, new Uint32Array(word.buffer)[0]!);
    }
    return out;
  }

  cast(x: KernelTensor, to: DType): Storage {
    const size = sizeOf(x.shape);
    const out = this.#alloc(size);
    if (size > 0) castKernel(this.runtime, buf(x), x.dtype, to, size, out.buffer);
    return out;
  }

  random(params: RandomParams): Storage {
    const out = this.#alloc(params.size);
    randomKernel(this.runtime, out.buffer, params);
    return out;
  }

  unary(op: UnaryOp, x: KernelTensor): Storage {
    const size = sizeOf(x.shape);
    const out = this.#alloc(size);
    if (size > 0) unaryKernel(this.runtime, op, buf(x), x.dtype, size, out.buffer);
    return out;
  }

  binary(op: BinaryOp, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage {
    const size = sizeOf(outShape);
    const out = this.#alloc(size);
    if (size > 0)
      binaryKernel(this.runtime, op, buf(a), a.shape, buf(b), b.shape, a.dtype, out.buffer, outShape);
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
    matmulKernel(this.runtime, buf(a), buf(b), out.buffer, params);
    return out;
  }

  indexSelect(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const m = sizeOf(indices.shape);
    const out = this.#alloc(layout.outer * m * layout.inner);
    indexSelectKernel(this.runtime, buf(x), buf(indices), m, layout, out.buffer, true);
    return out;
  }

  indexAdd(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const size = layout.outer * layout.size * layout.inner;
    const out = this.#alloc(size);
    if (size > 0) this.runtime.clear(out.buffer, size * WORD);
    scatterAddKernel(this.runtime, buf(src), buf(indices), sizeOf(indices.shape), layout, out.buffer, true);
    return out;
  }

  gatherAlong(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const total = sizeOf(indices.shape);
    const out = this.#alloc(total);
    const m = total / Math.max(layout.outer * layout.inner, 1);
    indexSelectKernel(this.runtime, buf(x), buf(indices), m, layout, out.buffer, false);
    return out;
  }

  scatterAddAlong(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const size = layout.outer * layout.size * layout.inner;
    const out = this.#alloc(size);
    if (size > 0) this.runtime.clear(out.buffer, size * WORD);
    const m = sizeOf(indices.shape) / Math.max(layout.outer * layout.inner, 1);
    scatterAddKernel(this.runtime, buf(src), buf(indices), m, layout, out.buffer, false);
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

  adamw(param: Storage, grad: KernelTensor, m: Storage, v: Storage, params: AdamWParams): void {
    adamwKernel(
      this.runtime,
      bufferOf(param),
      buf(grad),
      bufferOf(m),
      bufferOf(v),
      sizeOf(grad.shape),
      params,
    );
  }
}

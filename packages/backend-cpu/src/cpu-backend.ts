// The reference CPU backend: the primitives of the Backend interface and every fused
// kernel, on typed arrays, synchronously. It is the oracle other backends are checked
// against, so it favours clarity and f64 accumulation, with a fast path only where it
// pays (matmul). Its fused kernels are kept (one f64-accumulating pass each is both
// faster and more exact than the composed defaults, and the trainer's resumes are
// bit-identical against them).
import {
  type ActivationGradOp,
  type ActivationOp,
  type AdamWParams,
  type AxisLayout,
  allocateArray,
  type Backend,
  type BackendCapabilities,
  type BackendInfo,
  type BackendMemory,
  type BinaryOp,
  COMPARISON_OPS,
  type DataArray,
  type DType,
  type KernelTensor,
  LOGICAL_OPS,
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
import { binaryKernel, unaryKernel, whereKernel } from './kernels/elementwise.js';
import {
  gatherAlongKernel,
  indexAddKernel,
  indexSelectKernel,
  scatterAddAlongKernel,
} from './kernels/indexing.js';
import { matmulKernel } from './kernels/matmul.js';
import { copyStridedKernel } from './kernels/movement.js';
import {
  crossEntropyBackwardKernel,
  crossEntropyKernel,
  layerNormBackwardKernel,
  layerNormKernel,
  softmaxBackwardKernel,
  softmaxKernel,
} from './kernels/nn.js';
import { adamwKernel } from './kernels/optim.js';
import { reduceKernel } from './kernels/reduce.js';
import { multinomialKernel, randomKernel, topkKernel } from './kernels/sampling.js';
import { CpuStorage, dataOf, f32Of } from './storage.js';

const f32 = (t: KernelTensor) => f32Of(t.storage);
const i32 = (t: KernelTensor) => dataOf(t.storage) as Int32Array;

export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly capabilities: BackendCapabilities = { f16: false, hostMemory: true, deviceSampling: true };
  #bytes = 0;
  #count = 0;

  describe(): BackendInfo {
    return { name: this.name, device: 'CPU (JavaScript typed arrays, one thread)' };
  }

  #make(dtype: DType, size: number): CpuStorage {
    const storage = new CpuStorage(allocateArray(dtype, size));
    this.#bytes += storage.byteLength;
    this.#count++;
    return storage;
  }

  upload(values: DataArray, dtype: DType): Storage {
    const storage = this.#make(dtype, values.length);
    storage.data.set(values);
    return storage;
  }

  async read(storage: Storage, _dtype: DType, size: number): Promise<DataArray> {
    return dataOf(storage).slice(0, size);
  }

  alloc(size: number, dtype: DType): Storage {
    return this.#make(dtype, size);
  }

  release(storage: Storage): void {
    this.#bytes -= storage.byteLength;
    this.#count--;
  }

  memory(): BackendMemory {
    return { bytesInUse: this.#bytes, bytesPooled: 0, storages: this.#count };
  }

  async sync(): Promise<void> {}

  fill(size: number, dtype: DType, value: number): Storage {
    const storage = this.#make(dtype, size);
    if (value !== 0) storage.data.fill(value);
    return storage;
  }

  cast(x: KernelTensor, to: DType): Storage {
    const src = dataOf(x.storage);
    const out = this.#make(to, sizeOf(x.shape));
    if (to === 'bool') for (let i = 0; i < out.data.length; i++) out.data[i] = src[i] !== 0 ? 1 : 0;
    else if (to === 'i32') for (let i = 0; i < out.data.length; i++) out.data[i] = Math.trunc(src[i]!);
    else out.data.set(src.subarray(0, out.data.length));
    return out;
  }

  random(params: RandomParams): Storage {
    const out = this.#make('f32', params.size);
    randomKernel(out.data as Float32Array, params);
    return out;
  }

  unary(op: UnaryOp, x: KernelTensor): Storage {
    const out = this.#make(op === 'logicalNot' ? 'bool' : x.dtype, sizeOf(x.shape));
    unaryKernel(op, dataOf(x.storage), out.data);
    return out;
  }

  binary(op: BinaryOp, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage {
    const outDtype = COMPARISON_OPS.has(op) || LOGICAL_OPS.has(op) ? 'bool' : a.dtype;
    const out = this.#make(outDtype, sizeOf(outShape));
    binaryKernel(op, dataOf(a.storage), a.shape, dataOf(b.storage), b.shape, out.data, outShape);
    return out;
  }

  activation(op: ActivationOp, x: KernelTensor): Storage {
    const out = this.#make('f32', sizeOf(x.shape));
    unaryKernel(op, f32(x), out.data);
    return out;
  }

  activationGrad(op: ActivationGradOp, input: KernelTensor, dy: KernelTensor): Storage {
    const out = this.#make('f32', sizeOf(input.shape));
    binaryKernel(op, f32(input), input.shape, f32(dy), dy.shape, out.data, input.shape);
    return out;
  }

  where(cond: KernelTensor, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage {
    const out = this.#make(a.dtype, sizeOf(outShape));
    whereKernel(
      dataOf(cond.storage),
      cond.shape,
      dataOf(a.storage),
      a.shape,
      dataOf(b.storage),
      b.shape,
      out.data,
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
    copyStridedKernel(dataOf(src), dataOf(dst), shape, srcView, dstView);
  }

  reduce(op: ReduceOp, x: KernelTensor, layout: AxisLayout): Storage {
    const dtype = op === 'argmax' || op === 'argmin' ? 'i32' : x.dtype;
    const out = this.#make(dtype, layout.outer * layout.inner);
    reduceKernel(op, dataOf(x.storage), out.data, layout);
    return out;
  }

  matmul(a: KernelTensor, b: KernelTensor, params: MatmulParams): Storage {
    const out = this.#make('f32', sizeOf(params.batchShape) * params.m * params.n);
    matmulKernel(f32(a), f32(b), out.data as Float32Array, params);
    return out;
  }

  indexSelect(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const out = this.#make(x.dtype, layout.outer * sizeOf(indices.shape) * layout.inner);
    indexSelectKernel(dataOf(x.storage), i32(indices), out.data, layout);
    return out;
  }

  indexAdd(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const out = this.#make('f32', layout.outer * layout.size * layout.inner);
    indexAddKernel(f32(src), i32(indices), out.data as Float32Array, layout);
    return out;
  }

  gatherAlong(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const out = this.#make(x.dtype, sizeOf(indices.shape));
    gatherAlongKernel(dataOf(x.storage), i32(indices), out.data, layout);
    return out;
  }

  scatterAddAlong(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const out = this.#make('f32', layout.outer * layout.size * layout.inner);
    scatterAddAlongKernel(f32(src), i32(indices), out.data as Float32Array, layout);
    return out;
  }

  softmax(x: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    const out = this.#make('f32', layout.rows * layout.cols);
    softmaxKernel(f32(x), out.data as Float32Array, layout, log);
    return out;
  }

  softmaxBackward(y: KernelTensor, dy: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    const out = this.#make('f32', layout.rows * layout.cols);
    softmaxBackwardKernel(f32(y), f32(dy), out.data as Float32Array, layout, log);
    return out;
  }

  layerNorm(
    x: KernelTensor,
    weight: KernelTensor | null,
    bias: KernelTensor | null,
    layout: RowsLayout,
    eps: number,
  ): { y: Storage; mean: Storage; rstd: Storage } {
    const y = this.#make('f32', layout.rows * layout.cols);
    const mean = this.#make('f32', layout.rows);
    const rstd = this.#make('f32', layout.rows);
    layerNormKernel(
      f32(x),
      weight ? f32(weight) : null,
      bias ? f32(bias) : null,
      y.data as Float32Array,
      mean.data as Float32Array,
      rstd.data as Float32Array,
      layout,
      eps,
    );
    return { y, mean, rstd };
  }

  layerNormBackward(
    dy: KernelTensor,
    x: KernelTensor,
    weight: KernelTensor | null,
    mean: KernelTensor,
    rstd: KernelTensor,
    layout: RowsLayout,
  ): { dx: Storage; dWeight: Storage; dBias: Storage } {
    const dx = this.#make('f32', layout.rows * layout.cols);
    const dWeight = this.#make('f32', layout.cols);
    const dBias = this.#make('f32', layout.cols);
    layerNormBackwardKernel(
      f32(dy),
      f32(x),
      weight ? f32(weight) : null,
      f32(mean),
      f32(rstd),
      dx.data as Float32Array,
      dWeight.data as Float32Array,
      dBias.data as Float32Array,
      layout,
    );
    return { dx, dWeight, dBias };
  }

  crossEntropy(
    logits: KernelTensor,
    targets: KernelTensor,
    layout: RowsLayout,
    ignoreIndex: number,
  ): { losses: Storage; logSumExp: Storage } {
    const losses = this.#make('f32', layout.rows);
    const logSumExp = this.#make('f32', layout.rows);
    crossEntropyKernel(
      f32(logits),
      i32(targets),
      losses.data as Float32Array,
      logSumExp.data as Float32Array,
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
    const out = this.#make('f32', layout.rows * layout.cols);
    crossEntropyBackwardKernel(
      f32(logits),
      i32(targets),
      f32(logSumExp),
      f32(dLosses),
      out.data as Float32Array,
      layout,
      ignoreIndex,
    );
    return out;
  }

  topk(
    x: KernelTensor,
    layout: RowsLayout,
    k: number,
    largest: boolean,
  ): { values: Storage; indices: Storage } {
    const values = this.#make(x.dtype, layout.rows * k);
    const indices = this.#make('i32', layout.rows * k);
    topkKernel(dataOf(x.storage), values.data, indices.data as Int32Array, layout, k, largest);
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
    const out = this.#make('i32', layout.rows * numSamples);
    multinomialKernel(f32(probs), out.data as Int32Array, layout, numSamples, replacement, seed, offset);
    return out;
  }

  adamw(param: Storage, grad: KernelTensor, m: Storage, v: Storage, params: AdamWParams): void {
    adamwKernel(f32Of(param), f32(grad), f32Of(m), f32Of(v), params);
  }
}

/** A fresh CPU backend instance (most programs use the one registered as 'cpu'). */
export function createCpuBackend(): CpuBackend {
  return new CpuBackend();
}

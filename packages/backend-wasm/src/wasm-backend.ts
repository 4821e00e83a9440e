// The WebAssembly backend: every storage lives in one WebAssembly.Memory (heap.ts);
// the hot kernels (f32 element-wise, reductions, matmul, softmax, layer norm, AdamW)
// run as 128-bit SIMD wasm emitted at creation (wasm/kernels.ts), the rest as
// JavaScript loops on typed-array views of the same memory (kernels/js-kernels.ts),
// so no op copies a tensor out of the module. Cross-entropy comes from tensor-core's
// composed defaults, built on these primitives. Synchronous; with threads: 2 a helper
// thread takes half of each matmul block (threads/matmul-worker.ts).
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
  BYTES_PER_ELEMENT,
  broadcastStrides,
  COMPARISON_OPS,
  composedKernels,
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
  TensorError,
  type UnaryOp,
} from '@tensorlm/tensor-core';
import {
  BINARY_JS,
  binaryJs,
  copyStridedJs,
  forEachRow,
  gatherAlongJs,
  indexAddJs,
  indexSelectJs,
  multinomialJs,
  randomJs,
  reduceJs,
  scatterAddAlongJs,
  topkJs,
  UNARY_JS,
  unaryJs,
  whereJs,
} from './kernels/js-kernels.js';
import { MatmulDriver } from './kernels/matmul.js';
import { MAX_WASM_BYTES, WasmHeap } from './memory/heap.js';
import { CONTROL_BYTES, MatmulWorker, type WorkerConstructor } from './threads/matmul-worker.js';
import { supportsRelaxedSimd } from './wasm/assembler.js';
import {
  buildKernelModule,
  SIMD_BINARY,
  SIMD_GRAD,
  SIMD_UNARY,
  type SimdBinaryOp,
  type SimdGradOp,
} from './wasm/kernels.js';

/** A block of the backend's memory: byte offset and the capacity of its size class. */
export class WasmStorage implements Storage {
  constructor(
    readonly owner: WasmBackend,
    readonly offset: number,
    readonly byteLength: number,
    readonly capacity: number,
  ) {}
}

type Kernel = (...args: number[]) => void;

const simdUnary = new Set<string>(SIMD_UNARY);
const simdBinary = new Set<string>(SIMD_BINARY);
const simdGrad = new Set<string>(SIMD_GRAD);
/** Below this many elements per row a broadcast binary op stays in JavaScript (call overhead). */
const MIN_SIMD_ROW = 16;

export interface WasmBackendOptions {
  /** Use relaxed SIMD (fused multiply-add) when the engine validates it. Default true. */
  relaxedSimd?: boolean;
  /** 1 (default) or 2: matmul row panels split with one helper thread over a shared memory. */
  threads?: number;
  /** Node's `worker_threads` Worker (see `nodeWorker()`); required for threads > 1. */
  Worker?: WorkerConstructor | null;
  /** Where a helper thread's failure is reported (default console.warn). */
  warn?: (line: string) => void;
}

/** Node's Worker class, or null where there is none (browsers; use threads: 1 there for now). */
export async function nodeWorker(): Promise<WorkerConstructor | null> {
  try {
    const threads = (await import('node:worker_threads')) as unknown as { Worker: WorkerConstructor };
    return typeof SharedArrayBuffer === 'undefined' ? null : threads.Worker;
  } catch {
    return null;
  }
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly capabilities: BackendCapabilities = {
    f16: false,
    hostMemory: true,
    deviceSampling: true,
    maxStorageBytes: MAX_WASM_BYTES,
  };
  readonly heap: WasmHeap;
  readonly relaxedSimd: boolean;
  readonly threads: number;
  /** The matmul helper thread (threads = 2), for inspection and tests. */
  readonly helper: MatmulWorker | null;
  readonly #k: Record<string, Kernel>;
  readonly #matmul: MatmulDriver;
  #bytes = 0;
  #count = 0;

  constructor(options: WasmBackendOptions = {}) {
    this.relaxedSimd = (options.relaxedSimd ?? true) && supportsRelaxedSimd();
    const threads = options.threads ?? 1;
    if (threads !== 1 && threads !== 2) {
      throw new TensorError('backend-wasm', `threads must be 1 or 2, got ${threads}`);
    }
    if (threads === 2 && !options.Worker) {
      throw new TensorError(
        'backend-wasm',
        'threads: 2 needs a Worker class (await nodeWorker()); none was given',
      );
    }
    this.threads = threads;
    const shared = threads > 1;
    // 16 MiB to start, grown on demand.
    const memory = shared
      ? new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true })
      : new WebAssembly.Memory({ initial: 256 });
    const module = new WebAssembly.Module(buildKernelModule({ relaxedSimd: this.relaxedSimd, shared }));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.#k = instance.exports as unknown as Record<string, Kernel>;
    // Bytes [64, 128) hold the helper thread's control block; [0, 64) is never used.
    this.heap = new WasmHeap(memory, 64 + CONTROL_BYTES);
    this.helper = shared
      ? new MatmulWorker(options.Worker!, module, memory, 64, options.warn ?? ((line) => console.warn(line)))
      : null;
    this.#matmul = new MatmulDriver(this.heap, this.#k.gebp!, this.helper);
  }

  /** Stops the helper thread (a backend that is no longer used). */
  dispose(): void {
    this.helper?.stop();
  }

  describe(): BackendInfo {
    return {
      name: this.name,
      device: `CPU (WebAssembly SIMD${this.relaxedSimd ? ' + relaxed SIMD' : ''}, ${
        this.threads === 1 ? 'one thread' : `${this.threads} threads for matmul`
      })`,
      memoryBytes: this.heap.size,
    };
  }

  // Memory ------------------------------------------------------------------

  #make(dtype: DType, size: number, what = 'a tensor'): WasmStorage {
    const bytes = size * BYTES_PER_ELEMENT[dtype];
    const { offset, capacity } = this.heap.alloc(bytes, `${what} of ${size} ${dtype} elements`);
    this.#bytes += bytes;
    this.#count++;
    return new WasmStorage(this, offset, bytes, capacity);
  }

  #storage(storage: Storage): WasmStorage {
    if (!(storage instanceof WasmStorage) || storage.owner !== this) {
      throw new TensorError(
        'backend-wasm',
        'received a storage from another backend; move the tensor with toBackend() first',
      );
    }
    return storage;
  }

  #ptr(t: KernelTensor | Storage): number {
    return this.#storage('storage' in t ? t.storage : t).offset;
  }

  /** A typed-array view of the first `size` elements (re-take after any allocation). */
  #view(storage: Storage, dtype: DType, size: number): DataArray {
    const { offset } = this.#storage(storage);
    const buffer = this.heap.memory.buffer;
    if (dtype === 'f32') return new Float32Array(buffer, offset, size);
    if (dtype === 'i32') return new Int32Array(buffer, offset, size);
    return new Uint8Array(buffer, offset, size);
  }

  #data(t: KernelTensor): DataArray {
    return this.#view(t.storage, t.dtype, sizeOf(t.shape));
  }

  upload(values: DataArray, dtype: DType): Storage {
    const storage = this.#make(dtype, values.length);
    this.#view(storage, dtype, values.length).set(values);
    return storage;
  }

  async read(storage: Storage, dtype: DType, size: number): Promise<DataArray> {
    return this.#view(storage, dtype, size).slice();
  }

  alloc(size: number, dtype: DType): Storage {
    return this.#make(dtype, size);
  }

  release(storage: Storage): void {
    const s = this.#storage(storage);
    this.heap.free(s.offset, s.capacity);
    this.#bytes -= s.byteLength;
    this.#count--;
  }

  memory(): BackendMemory {
    return { bytesInUse: this.#bytes, bytesPooled: this.heap.bytesPooled, storages: this.#count };
  }

  async sync(): Promise<void> {}

  // Creation ----------------------------------------------------------------

  fill(size: number, dtype: DType, value: number): Storage {
    const out = this.#make(dtype, size);
    this.#view(out, dtype, size).fill(value);
    return out;
  }

  cast(x: KernelTensor, to: DType): Storage {
    const n = sizeOf(x.shape);
    const out = this.#make(to, n);
    const src = this.#data(x);
    const dst = this.#view(out, to, n);
    if (to === 'bool') for (let i = 0; i < n; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    else if (to === 'i32') for (let i = 0; i < n; i++) dst[i] = Math.trunc(src[i]!);
    else dst.set(src);
    return out;
  }

  random(params: RandomParams): Storage {
    const out = this.#make('f32', params.size);
    randomJs(this.#view(out, 'f32', params.size) as Float32Array, params);
    return out;
  }

  // Element-wise ------------------------------------------------------------

  unary(op: UnaryOp, x: KernelTensor): Storage {
    const n = sizeOf(x.shape);
    const out = this.#make(op === 'logicalNot' ? 'bool' : x.dtype, n);
    if (x.dtype === 'f32' && simdUnary.has(op)) this.#k[`u_${op}`]!(this.#ptr(x), out.offset, n);
    else unaryJs(UNARY_JS[op], this.#data(x), this.#view(out, op === 'logicalNot' ? 'bool' : x.dtype, n), n);
    return out;
  }

  binary(op: BinaryOp, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage {
    const outDtype = COMPARISON_OPS.has(op) || LOGICAL_OPS.has(op) ? 'bool' : a.dtype;
    const n = sizeOf(outShape);
    const out = this.#make(outDtype, n);
    if (
      a.dtype === 'f32' &&
      simdBinary.has(op) &&
      this.#binarySimd(op as SimdBinaryOp, a, b, out, outShape)
    ) {
      return out;
    }
    binaryJs(
      BINARY_JS[op],
      this.#data(a),
      broadcastStrides(a.shape, outShape),
      this.#data(b),
      broadcastStrides(b.shape, outShape),
      this.#view(out, outDtype, n),
      outShape,
    );
    return out;
  }

  /**
   * f32 binary op in wasm: one call when both operands are dense (or one is a scalar),
   * else one call per output row when each operand's last axis is dense or broadcast.
   * Returns false (JS fallback) for short rows and other layouts.
   */
  #binarySimd(op: SimdBinaryOp, a: KernelTensor, b: KernelTensor, out: WasmStorage, shape: Shape): boolean {
    const kernel = this.#k[`b_${op}`]!;
    const n = sizeOf(shape);
    const na = sizeOf(a.shape);
    const nb = sizeOf(b.shape);
    const pa = this.#ptr(a);
    const pb = this.#ptr(b);
    if (n === 0) return true;
    if (na === n && nb === n) kernel(pa, pb, out.offset, n, 0);
    else if (nb === 1 && na === n) kernel(pa, pb, out.offset, n, 1);
    else if (na === 1 && nb === n) kernel(pa, pb, out.offset, n, 2);
    else {
      const rank = shape.length;
      const inner = shape[rank - 1]!;
      const sa = broadcastStrides(a.shape, shape);
      const sb = broadcastStrides(b.shape, shape);
      const ia = sa[rank - 1]!;
      const ib = sb[rank - 1]!;
      if (inner < MIN_SIMD_ROW || ia > 1 || ib > 1 || (ia === 0 && ib === 0)) return false;
      const mode = ia === 1 && ib === 1 ? 0 : ib === 0 ? 1 : 2;
      forEachRow(shape, [sa, sb], (o, [offA, offB]) => {
        kernel(pa + offA! * 4, pb + offB! * 4, out.offset + o * 4, inner, mode);
      });
    }
    return true;
  }

  where(cond: KernelTensor, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage {
    const n = sizeOf(outShape);
    const out = this.#make(a.dtype, n);
    whereJs(
      this.#data(cond),
      broadcastStrides(cond.shape, outShape),
      this.#data(a),
      broadcastStrides(a.shape, outShape),
      this.#data(b),
      broadcastStrides(b.shape, outShape),
      this.#view(out, a.dtype, n),
      outShape,
    );
    return out;
  }

  // Movement ----------------------------------------------------------------

  copyStrided(
    src: Storage,
    dst: Storage,
    dtype: DType,
    shape: Shape,
    srcView: StridedView,
    dstView: StridedView,
  ): void {
    const bytes = BYTES_PER_ELEMENT[dtype];
    const whole = (s: Storage) => this.#view(s, dtype, this.#storage(s).byteLength / bytes);
    copyStridedJs(whole(src), 0, whole(dst), 0, shape, srcView, dstView);
  }

  // Reductions and matmul ---------------------------------------------------

  reduce(op: ReduceOp, x: KernelTensor, layout: AxisLayout): Storage {
    const { outer, size, inner } = layout;
    const arg = op === 'argmax' || op === 'argmin';
    const out = this.#make(arg ? 'i32' : x.dtype, outer * inner);
    if (x.dtype === 'f32' && !arg && size > 0) {
      const kind = op === 'mean' ? 'sum' : op;
      const scale = op === 'mean' ? 1 / size : 1;
      if (inner === 1) this.#k[`r_last_${kind}`]!(this.#ptr(x), out.offset, outer, size, scale);
      else this.#k[`r_axis_${kind}`]!(this.#ptr(x), out.offset, outer, size, inner, scale);
      return out;
    }
    reduceJs(op, this.#data(x), this.#view(out, arg ? 'i32' : x.dtype, outer * inner), layout);
    return out;
  }

  matmul(a: KernelTensor, b: KernelTensor, params: MatmulParams): Storage {
    const size = sizeOf(params.batchShape) * params.m * params.n;
    const out = this.#make('f32', size, 'a matmul output');
    this.#matmul.run(this.#ptr(a), this.#ptr(b), out.offset, params);
    return out;
  }

  // Indexing ------------------------------------------------------------------

  indexSelect(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const n = layout.outer * sizeOf(indices.shape) * layout.inner;
    const out = this.#make(x.dtype, n);
    indexSelectJs(this.#data(x), this.#data(indices) as Int32Array, this.#view(out, x.dtype, n), layout);
    return out;
  }

  indexAdd(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const n = layout.outer * layout.size * layout.inner;
    const out = this.#make('f32', n);
    const o = this.#view(out, 'f32', n) as Float32Array;
    try {
      indexAddJs(this.#data(src) as Float32Array, this.#data(indices) as Int32Array, o, layout);
    } catch (error) {
      this.release(out);
      throw error;
    }
    return out;
  }

  gatherAlong(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const n = sizeOf(indices.shape);
    const out = this.#make(x.dtype, n);
    try {
      gatherAlongJs(this.#data(x), this.#data(indices) as Int32Array, this.#view(out, x.dtype, n), layout);
    } catch (error) {
      this.release(out);
      throw error;
    }
    return out;
  }

  scatterAddAlong(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const n = layout.outer * layout.size * layout.inner;
    const out = this.#make('f32', n);
    try {
      scatterAddAlongJs(
        this.#data(src) as Float32Array,
        this.#data(indices) as Int32Array,
        this.#view(out, 'f32', n) as Float32Array,
        layout,
      );
    } catch (error) {
      this.release(out);
      throw error;
    }
    return out;
  }

  // Selection and sampling ------------------------------------------------------

  topk(
    x: KernelTensor,
    layout: RowsLayout,
    k: number,
    largest: boolean,
  ): { values: Storage; indices: Storage } {
    const values = this.#make(x.dtype, layout.rows * k);
    const indices = this.#make('i32', layout.rows * k);
    topkJs(
      this.#data(x),
      this.#view(values, x.dtype, layout.rows * k),
      this.#view(indices, 'i32', layout.rows * k) as Int32Array,
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
    const n = layout.rows * numSamples;
    const out = this.#make('i32', n);
    try {
      multinomialJs(
        this.#data(probs) as Float32Array,
        this.#view(out, 'i32', n) as Int32Array,
        layout,
        numSamples,
        replacement,
        seed,
        offset,
      );
    } catch (error) {
      this.release(out);
      throw error;
    }
    return out;
  }

  // Fused kernels -----------------------------------------------------------------

  activation(op: ActivationOp, x: KernelTensor): Storage {
    const n = sizeOf(x.shape);
    const out = this.#make('f32', n);
    if (op === 'gelu') this.#k.u_gelu!(this.#ptr(x), out.offset, n);
    else unaryJs(UNARY_JS[op], this.#data(x), this.#view(out, 'f32', n), n);
    return out;
  }

  activationGrad(op: ActivationGradOp, input: KernelTensor, dy: KernelTensor): Storage {
    const n = sizeOf(input.shape);
    const out = this.#make('f32', n);
    if (simdGrad.has(op)) this.#k[`g_${op as SimdGradOp}`]!(this.#ptr(input), this.#ptr(dy), out.offset, n);
    else {
      const fn = BINARY_JS[op];
      const x = this.#data(input);
      const g = this.#data(dy);
      const o = this.#view(out, 'f32', n);
      for (let i = 0; i < n; i++) o[i] = fn(x[i]!, g[i]!);
    }
    return out;
  }

  softmax(x: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    // Log-softmax needs a scalar log per row: the composed default (max, exp, sum, log).
    if (log) return composedKernels.softmax(this, x, layout, true);
    const out = this.#make('f32', layout.rows * layout.cols);
    this.#k.softmax!(this.#ptr(x), out.offset, layout.rows, layout.cols);
    return out;
  }

  softmaxBackward(y: KernelTensor, dy: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    const out = this.#make('f32', layout.rows * layout.cols);
    const kernel = log ? this.#k.log_softmax_backward! : this.#k.softmax_backward!;
    kernel(this.#ptr(y), this.#ptr(dy), out.offset, layout.rows, layout.cols);
    return out;
  }

  /** A row of `cols` copies of `value`, for a layer norm without weight or bias. */
  #constantRow(cols: number, value: number): WasmStorage {
    return this.fill(cols, 'f32', value) as WasmStorage;
  }

  layerNorm(
    x: KernelTensor,
    weight: KernelTensor | null,
    bias: KernelTensor | null,
    { rows, cols }: RowsLayout,
    eps: number,
  ): { y: Storage; mean: Storage; rstd: Storage } {
    const y = this.#make('f32', rows * cols);
    const mean = this.#make('f32', rows);
    const rstd = this.#make('f32', rows);
    const w = weight ? null : this.#constantRow(cols, 1);
    const b = bias ? null : this.#constantRow(cols, 0);
    this.#k.layer_norm!(
      this.#ptr(x),
      weight ? this.#ptr(weight) : w!.offset,
      bias ? this.#ptr(bias) : b!.offset,
      y.offset,
      mean.offset,
      rstd.offset,
      rows,
      cols,
      eps,
    );
    if (w) this.release(w);
    if (b) this.release(b);
    return { y, mean, rstd };
  }

  layerNormBackward(
    dy: KernelTensor,
    x: KernelTensor,
    weight: KernelTensor | null,
    mean: KernelTensor,
    rstd: KernelTensor,
    { rows, cols }: RowsLayout,
  ): { dx: Storage; dWeight: Storage; dBias: Storage } {
    const dx = this.#make('f32', rows * cols);
    const dWeight = this.fill(cols, 'f32', 0) as WasmStorage;
    const dBias = this.fill(cols, 'f32', 0) as WasmStorage;
    const w = weight ? null : this.#constantRow(cols, 1);
    this.#k.layer_norm_backward!(
      this.#ptr(dy),
      this.#ptr(x),
      weight ? this.#ptr(weight) : w!.offset,
      this.#ptr(mean),
      this.#ptr(rstd),
      dx.offset,
      dWeight.offset,
      dBias.offset,
      rows,
      cols,
    );
    if (w) this.release(w);
    return { dx, dWeight, dBias };
  }

  adamw(param: Storage, grad: KernelTensor, m: Storage, v: Storage, p: AdamWParams): void {
    const n = sizeOf(grad.shape);
    this.#k.adamw!(
      this.#ptr(param),
      this.#ptr(grad),
      this.#ptr(m),
      this.#ptr(v),
      n,
      p.lr,
      p.beta1,
      p.beta2,
      p.eps,
      1 - p.lr * p.weightDecay,
      1 / (1 - p.beta1 ** p.step),
      1 / (1 - p.beta2 ** p.step),
    );
  }
}

/** A fresh wasm backend instance with its own memory. */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  return new WasmBackend(options);
}

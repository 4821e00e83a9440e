// The WebAssembly backend: every storage lives in one WebAssembly.Memory (heap.ts);
// the hot kernels (f32 element-wise, reductions, matmul, softmax, layer norm, AdamW)
// run as 128-bit SIMD wasm emitted at creation (wasm/kernels.ts), the rest as
// JavaScript loops on typed-array views of the same memory (kernels/js-kernels.ts),
// so no op copies a tensor out of the module. Broadcast element-wise ops, comparisons,
// `where`, strided copies, uniform random draws and matmul packing run in wasm too
// (wasm/layout-kernels.ts), planned over merged axes (kernels/layout.ts), and so do
// log-softmax and cross-entropy (row max and Σ e^x in wasm, one log per row in JS).
// Synchronous; with threads: 2 a helper thread takes half of each matmul block, or of
// each matrix-vector product (threads/matmul-worker.ts).

import {
  gatherAlongKernel,
  indexAddKernel,
  indexSelectKernel,
  multinomialKernel,
  randomKernel,
  scatterAddAlongKernel,
  topkKernel,
} from '@tensorlm/backend-cpu/kernels';
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
  type DataArray,
  type DType,
  type KernelTensor,
  LOGICAL_OPS,
  type MatmulParams,
  type RandomParams,
  type ReduceOp,
  type RowsLayout,
  rng,
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
  reduceJs,
  UNARY_JS,
  unaryJs,
  whereJs,
} from './kernels/js-kernels.js';
import { coalesce, forEachIndex, planRows } from './kernels/layout.js';
import { MatmulDriver, type MatmulKernels } from './kernels/matmul.js';
import { MAX_WASM_BYTES, WasmHeap } from './memory/heap.js';
import type { HelperThreads } from './threads/helper-threads.js';
import { CONTROL_BYTES, MatmulWorker } from './threads/matmul-worker.js';
import { supportsRelaxedSimd } from './wasm/assembler.js';
import { buildKernelModule, SIMD_GRAD, SIMD_UNARY, type SimdGradOp } from './wasm/kernels.js';
import { BROADCAST_ARITH, BROADCAST_COMPARE } from './wasm/layout-kernels.js';

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
const simdGrad = new Set<string>(SIMD_GRAD);
const broadcastOps = new Set<string>([...BROADCAST_ARITH, ...BROADCAST_COMPARE]);
const TWO_POW_32 = 4294967296;

export interface WasmBackendOptions {
  /** Use relaxed SIMD (fused multiply-add) when the engine validates it. Default true. */
  relaxedSimd?: boolean;
  /** 1 (default) or 2: matmul row panels split with one helper thread over a shared memory. */
  threads?: number;
  /**
   * The platform's helper threads, required for threads > 1: `await nodeWorker()` in
   * Node, `browserWorker()` in a cross-origin-isolated page (both null where there are none).
   */
  Worker?: HelperThreads | null;
  /** Where a helper thread's failure is reported (default console.warn). */
  warn?: (line: string) => void;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly capabilities: BackendCapabilities = {
    f16: false,
    hostMemory: true,
    deviceSampling: true,
    // One linear memory of at most 4 GiB holds every storage: one tensor can be that
    // large only if it is alone, so the total is the limit that binds.
    maxStorageBytes: MAX_WASM_BYTES,
    maxTotalBytes: MAX_WASM_BYTES,
  };
  readonly heap: WasmHeap;
  readonly relaxedSimd: boolean;
  readonly threads: number;
  readonly #threadKind: string;
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
        'threads: 2 needs helper threads (Worker: await nodeWorker() in Node, browserWorker() in a browser); none was given',
      );
    }
    this.threads = threads;
    this.#threadKind = options.Worker?.kind ?? '';
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
    this.#matmul = new MatmulDriver(this.heap, this.#k as unknown as MatmulKernels, this.helper);
  }

  /** Stops the helper thread (a backend that is no longer used). */
  dispose(): void {
    this.helper?.stop();
  }

  describe(): BackendInfo {
    return {
      name: this.name,
      device: `CPU (WebAssembly SIMD${this.relaxedSimd ? ' + relaxed SIMD' : ''}, ${
        this.threads === 1 ? 'one thread' : `${this.threads} threads for matmul on ${this.#threadKind}`
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
    if (params.distribution !== 'uniform') {
      randomKernel(this.#view(out, 'f32', params.size) as Float32Array, params);
      return out;
    }
    // The counter stream in wasm, in chunks that keep the counter's high word fixed.
    const key = rng.keyFromSeed(params.seed);
    for (let i = 0; i < params.size; ) {
      const counter = params.offset + i;
      const lo = counter % TWO_POW_32;
      const hi = Math.floor(counter / TWO_POW_32);
      const count = Math.min(params.size - i, TWO_POW_32 - lo);
      this.#k.rand_uniform!(
        out.offset + i * 4,
        count,
        lo | 0,
        rng.mix32((hi ^ key.k1) >>> 0) | 0,
        key.k0 | 0,
      );
      i += count;
    }
    const width = params.b - params.a;
    if (params.a !== 0 || width !== 1) {
      // Scale in f64 and round once, as the reference does.
      const v = this.#view(out, 'f32', params.size) as Float32Array;
      for (let i = 0; i < params.size; i++) v[i] = params.a + width * v[i]!;
    }
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
    if (a.dtype === 'f32' && broadcastOps.has(op)) {
      const sa = broadcastStrides(a.shape, outShape);
      const sb = broadcastStrides(b.shape, outShape);
      if (this.#rows(op, outShape, [a, b], [sa, sb], out.offset, outDtype === 'bool' ? 1 : 4)) return out;
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
   * Runs `e_<op>_<modes>` over `shape` (the dense output at byte address `out`) after
   * merging axes (kernels/layout.ts): one call per index of the axes above rows × cols,
   * usually one call in all. False when an operand is not a broadcast layout.
   */
  #rows(
    op: string,
    shape: Shape,
    operands: readonly KernelTensor[],
    strides: readonly (readonly number[])[],
    out: number,
    outBytes: number,
  ): boolean {
    const plan = planRows(shape, strides);
    if (!plan) return false;
    const kernel = this.#k[`e_${op}_${plan.modes}`]!;
    const bytes = operands.map((t) => BYTES_PER_ELEMENT[t.dtype]);
    const ptrs = operands.map((t) => this.#ptr(t));
    const rowBytes = plan.rowStrides.map((s, k) => s * bytes[k]!);
    const block = plan.rows * plan.cols * outBytes;
    let o = out;
    forEachIndex(plan.outerShape, plan.outerStrides, (offsets) => {
      const args = ptrs.map((p, k) => p + offsets[k]! * bytes[k]!);
      kernel(...args, o, plan.rows, plan.cols, ...rowBytes);
      o += block;
    });
    return true;
  }

  where(cond: KernelTensor, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage {
    const n = sizeOf(outShape);
    const out = this.#make(a.dtype, n);
    const strides = [cond, a, b].map((t) => broadcastStrides(t.shape, outShape));
    if (
      cond.dtype === 'bool' &&
      a.dtype === b.dtype &&
      BYTES_PER_ELEMENT[a.dtype] === 4 &&
      this.#rows('where', outShape, [cond, a, b], strides, out.offset, 4)
    ) {
      return out;
    }
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
    if (bytes !== 4) {
      const whole = (s: Storage) => this.#view(s, dtype, this.#storage(s).byteLength / bytes);
      copyStridedJs(whole(src), 0, whole(dst), 0, shape, srcView, dstView);
      return;
    }
    // Merged axes, padded to 4-d in front; axes above the last four loop here.
    const c = coalesce(shape, [srcView.strides, dstView.strides]);
    while (c.shape.length < 4) {
      c.shape.unshift(1);
      for (const s of c.strides) s.unshift(0);
    }
    const lead = c.shape.length - 4;
    const [ss, ds] = c.strides.map((s) => s.slice(lead).map((v) => v * 4)) as [number[], number[]];
    const [n0, n1, n2, n3] = c.shape.slice(lead) as [number, number, number, number];
    const srcBase = this.#storage(src).offset + srcView.offset * 4;
    const dstBase = this.#storage(dst).offset + dstView.offset * 4;
    forEachIndex(
      c.shape.slice(0, lead),
      c.strides.map((s) => s.slice(0, lead)),
      ([so, dOff]) => {
        this.#k.copy4!(srcBase + so! * 4, dstBase + dOff! * 4, n0, n1, n2, n3, ...ss, ...ds);
      },
    );
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
    indexSelectKernel(this.#data(x), this.#data(indices) as Int32Array, this.#view(out, x.dtype, n), layout);
    return out;
  }

  indexAdd(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage {
    const n = layout.outer * layout.size * layout.inner;
    const out = this.#make('f32', n);
    const o = this.#view(out, 'f32', n) as Float32Array;
    try {
      indexAddKernel(this.#data(src) as Float32Array, this.#data(indices) as Int32Array, o, layout);
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
      gatherAlongKernel(
        this.#data(x),
        this.#data(indices) as Int32Array,
        this.#view(out, x.dtype, n),
        layout,
      );
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
      scatterAddAlongKernel(
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
    topkKernel(
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
      multinomialKernel(
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
    if (op === 'gelu' || op === 'geluErf') this.#k[`u_${op}`]!(this.#ptr(x), out.offset, n);
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

  /**
   * Per row log Σ e^x = max + log Σ e^(x − max), as f32 (the default's numerics): the
   * max and the sum in wasm, the one log per row here.
   */
  #logSumExp(x: KernelTensor, rows: number, cols: number): WasmStorage {
    const peak = this.#make('f32', rows);
    const total = this.#make('f32', rows);
    this.#k.row_max_sumexp!(this.#ptr(x), peak.offset, total.offset, rows, cols);
    const p = this.#view(peak, 'f32', rows);
    const t = this.#view(total, 'f32', rows);
    for (let r = 0; r < rows; r++) t[r] = Math.fround(Math.log(t[r]!)) + p[r]!;
    this.release(peak);
    return total;
  }

  softmax(x: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    const { rows, cols } = layout;
    if (log) {
      if (rows * cols === 0) return this.#make('f32', 0);
      // x − lse[row]: the broadcast subtract with one value per row.
      const lse = this.#logSumExp(x, rows, cols);
      const out = this.#make('f32', rows * cols);
      this.#k.e_sub_ds!(this.#ptr(x), lse.offset, out.offset, rows, cols, cols * 4, 4);
      this.release(lse);
      return out;
    }
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

  /** The targets as i32, checked: ignoreIndex or a column of the row. */
  #targets(targets: KernelTensor, rows: number, cols: number, ignoreIndex: number): Int32Array {
    const t = this.#view(targets.storage, 'i32', rows) as Int32Array;
    for (let r = 0; r < rows; r++) {
      const v = t[r]!;
      if (v !== ignoreIndex && (v < 0 || v >= cols)) {
        throw new TensorError(
          'crossEntropy',
          `a target is out of range: index ${v} is out of range for an axis of size ${cols} (ignoreIndex is ${ignoreIndex})`,
        );
      }
    }
    return t;
  }

  crossEntropy(
    logits: KernelTensor,
    targets: KernelTensor,
    { rows, cols }: RowsLayout,
    ignoreIndex: number,
  ): { losses: Storage; logSumExp: Storage } {
    if (rows === 0) return { losses: this.#make('f32', 0), logSumExp: this.#make('f32', 0) };
    this.#targets(targets, rows, cols, ignoreIndex);
    const lse = this.#logSumExp(logits, rows, cols);
    const losses = this.#make('f32', rows);
    const t = this.#view(targets.storage, 'i32', rows) as Int32Array;
    const x = this.#data(logits);
    const l = this.#view(lse, 'f32', rows);
    const out = this.#view(losses, 'f32', rows);
    for (let r = 0; r < rows; r++) out[r] = t[r] === ignoreIndex ? 0 : l[r]! - x[r * cols + t[r]!]!;
    return { losses, logSumExp: lse };
  }

  crossEntropyBackward(
    logits: KernelTensor,
    targets: KernelTensor,
    logSumExp: KernelTensor,
    dLosses: KernelTensor,
    { rows, cols }: RowsLayout,
    ignoreIndex: number,
  ): Storage {
    const out = this.#make('f32', rows * cols);
    if (rows * cols === 0) return out;
    this.#targets(targets, rows, cols, ignoreIndex);
    const scale = this.#make('f32', rows);
    const t = this.#view(targets.storage, 'i32', rows) as Int32Array;
    const g = this.#data(dLosses);
    const s = this.#view(scale, 'f32', rows);
    for (let r = 0; r < rows; r++) s[r] = t[r] === ignoreIndex ? 0 : g[r]!;
    // (softmax − one-hot)·dLoss: the softmax part in wasm, the one-hot part per row here.
    this.#k.ce_backward!(this.#ptr(logits), this.#ptr(logSumExp), scale.offset, out.offset, rows, cols);
    const o = this.#view(out, 'f32', rows * cols);
    for (let r = 0; r < rows; r++) if (t[r] !== ignoreIndex) o[r * cols + t[r]!]! -= s[r]!;
    this.release(scale);
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

// The Backend plugin interface, split as burn splits its op families:
// - `BackendPrimitives`: the small required set every backend implements (memory,
//   creation, element-wise math with broadcasting, strided copy, reductions, matmul,
//   index gather / scatter-add, selection). Everything in tensor-core composes from these.
// - `FusedKernels`: optional faster versions of compositions (softmax, layer norm,
//   cross-entropy, activation forward / gradient, AdamW, attention). A backend implements one only
//   when it has a faster kernel; otherwise tensor-core runs its composed default
//   (backend/fused/). The conformance suite runs every backend both ways.
// - `BackendCapabilities`: what callers may rely on (limits, dtypes, where memory
//   lives), so no caller checks a backend's name.
// A third party adds a backend by implementing the primitives, registering it, and
// passing the conformance suite exported from `@tensorlm/tensor-core/testing`.
//
// Contract for every kernel:
// - Inputs are dense, row-major tensors (`KernelTensor`) with offset 0; views with
//   strides exist only inside `copyStrided`. Outputs are freshly allocated storages
//   the caller owns (it will `release` them), unless a kernel says it writes in place.
// - The core has already validated shapes and dtypes and converted both operands of a
//   binary op to one dtype, so a kernel never needs to check or promote.
// - Kernels enqueue work and return at once; only `read` waits for results.
// - An out-of-range index (indexSelect/embedding, indexAdd, gather, scatterAdd, a
//   crossEntropy target other than ignoreIndex) never yields a number: the kernel throws
//   a TensorError naming the op and the index, either at once (cpu) or at the latest
//   when a result is next read or `sync` resolves (an asynchronous device flags it and
//   writes no out-of-bounds memory). The failed op's output, and work that consumed it,
//   are unspecified; the error is reported once, and the backend stays usable.
import type { DataArray, DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

/** A backend-owned block of device memory. Its shape and dtype live on the tensor. */
export interface Storage {
  readonly byteLength: number;
}

/** A dense tensor as a kernel sees it. */
export interface KernelTensor {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Element-wise unary primitives. */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'erf'
  | 'sin'
  | 'cos'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'logicalNot';

/** Element-wise binary ops. Comparisons and logical ops produce `bool`. */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'logicalAnd'
  | 'logicalOr';

/** Activations with an optional fused kernel (`FusedKernels.activation`). */
export type ActivationOp =
  /** GELU, tanh approximation (GPT-2's "gelu_new"). */
  | 'gelu'
  /** GELU, exact erf form (BERT's "gelu"). */
  | 'geluErf';

/**
 * Activation gradients with an optional fused kernel: `(input, dy) → dx` in one pass
 * instead of three. relu, gelu and geluErf take the forward input x; tanh and sigmoid
 * take the forward output y.
 */
export type ActivationGradOp = 'reluGrad' | 'geluGrad' | 'geluErfGrad' | 'tanhGrad' | 'sigmoidGrad';

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
export const LOGICAL_OPS: ReadonlySet<BinaryOp> = new Set(['logicalAnd', 'logicalOr']);

/** Reductions over one axis. `argmax`/`argmin` produce i32 (first index on ties). */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'argmin';

/** A tensor seen as (outer, size, inner): the middle axis is the one reduced or indexed. */
export interface AxisLayout {
  readonly outer: number;
  readonly size: number;
  readonly inner: number;
}

export interface MatmulParams {
  /** A is stored as (…, k, m) and read transposed. */
  readonly transA: boolean;
  /** B is stored as (…, n, k) and read transposed. */
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Broadcast batch shape of the output (…, m, n). */
  readonly batchShape: Shape;
  /** Element strides of A's and B's batch dims over `batchShape` (0 where broadcast). */
  readonly aBatchStrides: readonly number[];
  readonly bBatchStrides: readonly number[];
}

/**
 * Scaled dot-product attention over B·H heads: q (B, H, T, D), k and v (B, H, S, D).
 * Scores are scale·q·kᵀ; a masked score is replaced by the lowest f32 (not added to),
 * so a row with every key masked is uniform instead of NaN.
 */
export interface AttentionParams {
  readonly batch: number;
  readonly heads: number;
  /** T: query rows per head. */
  readonly queries: number;
  /** S: key / value rows per head. */
  readonly keys: number;
  /** D: head size of q, k and v. */
  readonly headSize: number;
  readonly scale: number;
  /** Query i (at absolute position pastLength + i) sees keys 0 … pastLength + i only. */
  readonly causal: boolean;
  readonly pastLength: number;
  /**
   * Attention dropout's probability p in [0, 1) (0: none). Probability (head, i, j) is
   * kept, times 1/(1 − p), iff fused/defaults/attention-dropout.ts's hash of
   * (dropoutSeed, b·H + h, i, j) reaches ⌊p·2³²⌋; the backward pass regenerates the same
   * mask. The row statistics stay those of the softmax before dropout.
   */
  readonly dropout: number;
  /** The u32 seed of the dropout mask (read only when dropout > 0). */
  readonly dropoutSeed: number;
  /**
   * Whether a backward pass may follow (the op records a gradient). When false, a kernel
   * may skip the row statistics and return empty storages for rowMax and rowSum.
   */
  readonly saveStats: boolean;
}

/** A strided view of a storage: element (i0, i1, …) lives at offset + Σ i_d·strides_d. */
export interface StridedView {
  readonly offset: number;
  readonly strides: readonly number[];
}

export interface RowsLayout {
  readonly rows: number;
  readonly cols: number;
}

/** Counter-based random stream: element i of a call draws from (seed, offset + i). */
export interface RandomParams {
  readonly size: number;
  readonly distribution: 'uniform' | 'normal';
  /** uniform: [a, b); normal: mean a, standard deviation b. */
  readonly a: number;
  readonly b: number;
  readonly seed: number;
  readonly offset: number;
}

export interface AdamWParams {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** 1-based step count, for bias correction. */
  readonly step: number;
}

export interface BackendMemory {
  /** Bytes held by live storages. */
  readonly bytesInUse: number;
  /** Bytes kept in a reuse pool (0 for backends without one). */
  readonly bytesPooled: number;
  readonly storages: number;
}

export interface BackendInfo {
  readonly name: string;
  /** Human-readable device, e.g. "CPU (typed arrays)" or an adapter name. */
  readonly device: string;
  readonly [key: string]: unknown;
}

/**
 * What a backend promises, for callers that must plan around it (decoders, memory
 * checks, the CLI) instead of testing `backend.name`.
 */
export interface BackendCapabilities {
  /** Storages and kernels in f16 (no built-in backend has them yet; f32, i32 and bool are required). */
  readonly f16: boolean;
  /**
   * Storages live in the host's RAM (cpu, WebAssembly, a software GPU adapter such as
   * Mesa's llvmpipe), so the machine's memory is the budget.
   */
  readonly hostMemory: boolean;
  /**
   * `topk` and `multinomial` over rows as long as a vocabulary are fast and exact here.
   * When false, a decoder copies the rows to a backend where they are (decoding's
   * `sampleOnCpu`): the WebGPU kernels loop over a whole row in one invocation.
   */
  readonly deviceSampling: boolean;
  /**
   * Most loop iterations one kernel invocation may run; a kernel that would loop longer
   * throws instead of returning wrong numbers (Mesa's llvmpipe stops loops after
   * 65,535). Absent: no limit.
   */
  readonly maxLoopIterations?: number;
  /** Most bytes one kernel binding holds (the backend splits larger tensors itself). Absent: no limit. */
  readonly maxBindingBytes?: number;
  /** Largest single storage in bytes. Absent: bounded only by memory. */
  readonly maxStorageBytes?: number;
  /**
   * Most bytes all live storages may hold together, whatever the machine has (wasm32's
   * one linear memory: 4 GiB). A training whose estimate is larger cannot run here.
   * Absent: bounded only by the device's or host's memory.
   */
  readonly maxTotalBytes?: number;
}

/**
 * The required kernels: what a new backend must implement. Every op in tensor-core,
 * and every fused kernel's default, is composed from these.
 */
export interface BackendPrimitives {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  describe(): BackendInfo;

  // Memory -----------------------------------------------------------------
  upload(values: DataArray, dtype: DType): Storage;
  /** Resolves to a fresh host copy of the first `size` elements. */
  read(storage: Storage, dtype: DType, size: number): Promise<DataArray>;
  /** Uninitialised storage for `size` elements; contents are unspecified. */
  alloc(size: number, dtype: DType): Storage;
  release(storage: Storage): void;
  memory(): BackendMemory;
  /** Resolves when all enqueued work has finished (a no-op for synchronous backends). */
  sync(): Promise<void>;

  // Creation and conversion -----------------------------------------------
  fill(size: number, dtype: DType, value: number): Storage;
  cast(x: KernelTensor, to: DType): Storage;
  random(params: RandomParams): Storage;

  // Element-wise ------------------------------------------------------------
  /** Output dtype equals the input's, except `logicalNot` (bool). */
  unary(op: UnaryOp, x: KernelTensor): Storage;
  /** `a` and `b` share a dtype and broadcast to `outShape`. */
  binary(op: BinaryOp, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage;
  /** `cond` is bool; `a` and `b` share a dtype; all three broadcast to `outShape`. */
  where(cond: KernelTensor, a: KernelTensor, b: KernelTensor, outShape: Shape): Storage;

  // Movement ----------------------------------------------------------------
  /** Copies `shape` elements from a strided view of `src` into a strided view of `dst` (in place). */
  copyStrided(
    src: Storage,
    dst: Storage,
    dtype: DType,
    shape: Shape,
    srcView: StridedView,
    dstView: StridedView,
  ): void;

  // Reductions and linear algebra -----------------------------------------
  /** Reduces the middle axis of (outer, size, inner) → (outer, inner). */
  reduce(op: ReduceOp, x: KernelTensor, layout: AxisLayout): Storage;
  /** f32 (…, m, k)·(…, k, n) → (…batchShape, m, n). */
  matmul(a: KernelTensor, b: KernelTensor, params: MatmulParams): Storage;

  // Indexing ----------------------------------------------------------------
  /** x as (outer, size, inner), i32 indices (m) → (outer, m, inner). */
  indexSelect(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage;
  /** Adjoint of indexSelect: src (outer, m, inner) summed into zeros (outer, size, inner). */
  indexAdd(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage;
  /** x (outer, size, inner), indices (outer, m, inner) → out[o, j, i] = x[o, idx[o, j, i], i]. */
  gatherAlong(x: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage;
  /** Adjoint of gatherAlong: src (outer, m, inner) summed into zeros (outer, size, inner). */
  scatterAddAlong(src: KernelTensor, indices: KernelTensor, layout: AxisLayout): Storage;

  // Selection and sampling --------------------------------------------------
  // Required: neither composes from the element-wise primitives without loss (top-k
  // needs a sort that keeps ties and -∞ in order; multinomial an inverse CDF, a scan).
  /** The k largest (or smallest) per row, sorted; ties keep the lower index first. */
  topk(
    x: KernelTensor,
    layout: RowsLayout,
    k: number,
    largest: boolean,
  ): { values: Storage; indices: Storage };
  /** Samples column indices per row from non-negative weights (normalised per row). */
  multinomial(
    probs: KernelTensor,
    layout: RowsLayout,
    numSamples: number,
    replacement: boolean,
    seed: number,
    offset: number,
  ): Storage;
}

/**
 * Optional fused kernels. tensor-core runs the backend's own when it has one, else a
 * default composed from the primitives (backend/fused/defaults/), with the same
 * contract and numerics (max-subtracted softmax, two-pass variance). Implement one
 * only when it is faster than the composition; the conformance suite checks both.
 */
export interface FusedKernels {
  /** GELU (tanh approximation or exact erf form), element-wise. */
  activation(op: ActivationOp, x: KernelTensor): Storage;
  /** An activation's gradient in one pass; `input` and `dy` have one shape (see ActivationGradOp). */
  activationGrad(op: ActivationGradOp, input: KernelTensor, dy: KernelTensor): Storage;
  /** Row-wise softmax (or log-softmax) over the last axis, numerically stable. */
  softmax(x: KernelTensor, layout: RowsLayout, log: boolean): Storage;
  /** Given the forward output y and dy: softmax dx = y·(dy − Σdy·y); log-softmax dx = dy − e^y·Σdy. */
  softmaxBackward(y: KernelTensor, dy: KernelTensor, layout: RowsLayout, log: boolean): Storage;
  /** Row-wise layer norm; returns y and the per-row mean and 1/σ for the backward pass. */
  layerNorm(
    x: KernelTensor,
    weight: KernelTensor | null,
    bias: KernelTensor | null,
    layout: RowsLayout,
    eps: number,
  ): { y: Storage; mean: Storage; rstd: Storage };
  layerNormBackward(
    dy: KernelTensor,
    x: KernelTensor,
    weight: KernelTensor | null,
    mean: KernelTensor,
    rstd: KernelTensor,
    layout: RowsLayout,
  ): { dx: Storage; dWeight: Storage; dBias: Storage };
  /** Per-row −log softmax(logits)[target] (0 where target = ignoreIndex) and log Σ e^logits. */
  crossEntropy(
    logits: KernelTensor,
    targets: KernelTensor,
    layout: RowsLayout,
    ignoreIndex: number,
  ): { losses: Storage; logSumExp: Storage };
  /** dlogits = (softmax − onehot(target))·dLoss[row], 0 on ignored rows. */
  crossEntropyBackward(
    logits: KernelTensor,
    targets: KernelTensor,
    logSumExp: KernelTensor,
    dLosses: KernelTensor,
    layout: RowsLayout,
    ignoreIndex: number,
  ): Storage;
  /** One AdamW step, in place on param, m and v (decoupled weight decay). */
  adamw(param: Storage, grad: KernelTensor, m: Storage, v: Storage, params: AdamWParams): void;
  /**
   * softmax(scale·q·kᵀ + bias, masked)·v without materialising the (T, S) scores: output
   * (B, H, T, D) and each row's softmax statistics, rowMax m and rowSum l = Σ e^(s − m)
   * (B, H, T), so the backward pass recomputes the probabilities as e^(s − m) / l
   * (FlashAttention's scheme, with the log-sum-exp m + log l kept split so a fully
   * masked row, all at the lowest f32, stays exactly uniform). `bias`, when given, is a
   * dense f32 (B or 1, H or 1, T or 1, S or 1) broadcast over the scores: a value at or
   * below the lowest f32 masks the score (bool masks arrive this way), anything else is
   * added.
   */
  attention(
    q: KernelTensor,
    k: KernelTensor,
    v: KernelTensor,
    bias: KernelTensor | null,
    params: AttentionParams,
  ): { output: Storage; rowMax: Storage; rowSum: Storage };
  /** Gradients of `attention` for q, k and v, given its output, rowMax, rowSum and dOutput. */
  attentionBackward(
    q: KernelTensor,
    k: KernelTensor,
    v: KernelTensor,
    bias: KernelTensor | null,
    output: KernelTensor,
    dOutput: KernelTensor,
    rowMax: KernelTensor,
    rowSum: KernelTensor,
    params: AttentionParams,
  ): { dq: Storage; dk: Storage; dv: Storage };
}

export type FusedKernelName = keyof FusedKernels;

/** The fused kernels' names, for wrappers and checks that must list them. */
export const FUSED_KERNEL_NAMES: readonly FusedKernelName[] = [
  'activation',
  'activationGrad',
  'softmax',
  'softmaxBackward',
  'layerNorm',
  'layerNormBackward',
  'crossEntropy',
  'crossEntropyBackward',
  'adamw',
  'attention',
  'attentionBackward',
];

/** The required methods' names: `registerBackend` refuses a backend missing one. */
export const PRIMITIVE_KERNEL_NAMES = [
  'describe',
  'upload',
  'read',
  'alloc',
  'release',
  'memory',
  'sync',
  'fill',
  'cast',
  'random',
  'unary',
  'binary',
  'where',
  'copyStrided',
  'reduce',
  'matmul',
  'indexSelect',
  'indexAdd',
  'gatherAlong',
  'scatterAddAlong',
  'topk',
  'multinomial',
] as const satisfies readonly (keyof BackendPrimitives)[];

/**
 * A backend: the required primitives, their capabilities, and any fused kernels it
 * chooses to override. Ops reach fused kernels through `fused` (backend/fused/), never
 * directly, so a missing one falls back to the composed default.
 */
export interface Backend extends BackendPrimitives, Partial<FusedKernels> {}

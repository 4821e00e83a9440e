// @tensorlm/tensor-core: tensors, autograd, the op library and the Backend plugin
// interface. Import a backend package (e.g. @tensorlm/backend-cpu) to run anything.
import './ops/methods.js';

export type { BackwardOptions } from './autograd/backward.js';
export type {
  ActivationGradOp,
  ActivationOp,
  AdamWParams,
  AttentionParams,
  AxisLayout,
  Backend,
  BackendCapabilities,
  BackendInfo,
  BackendMemory,
  BackendPrimitives,
  BinaryOp,
  FusedKernelName,
  FusedKernels,
  KernelTensor,
  MatmulParams,
  RandomParams,
  ReduceOp,
  RowsLayout,
  Storage,
  StridedView,
  UnaryOp,
} from './backend/backend.js';
export {
  COMPARISON_OPS,
  FUSED_KERNEL_NAMES,
  LOGICAL_OPS,
  PRIMITIVE_KERNEL_NAMES,
} from './backend/backend.js';
export * as attentionDropout from './backend/fused/defaults/attention-dropout.js';
export { composedKernels, fusedKernelsOf, withoutFusedKernels } from './backend/fused/index.js';
export {
  type BackendRegistration,
  getBackend,
  initBackend,
  listBackends,
  registerBackend,
  removeBackend,
  type SelectBackendOptions,
  selectBackend,
  setBackend,
  useBackend,
} from './backend/registry.js';
export * from './errors-entry.js';
export { type AdamWUpdateOptions, adamwUpdate } from './ops/adamw.js';
export { type AssignAt, assign } from './ops/assign.js';
export { type AttentionOpOptions, MASKED_SCORE, scaledDotProductAttention } from './ops/attention.js';
export {
  arange,
  type CreateOptions,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  type RandomOptions,
  rand,
  randn,
  type TensorData,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation.js';
export { type DropoutOptions, dropout } from './ops/dropout.js';
export {
  abs,
  add,
  cast,
  ceil,
  cos,
  div,
  equal,
  erf,
  exp,
  floor,
  gelu,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  maskedFill,
  maximum,
  minimum,
  mul,
  neg,
  notEqual,
  pow,
  reciprocal,
  relu,
  round,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
} from './ops/elementwise.js';
export { embedding, gather, indexSelect, scatterAdd, tril, triu } from './ops/indexing.js';
export { type CrossEntropyOptions, crossEntropy } from './ops/loss.js';
export { linear, type MatmulOptions, matmul } from './ops/matmul.js';
export { type LayerNormOptions, layerNorm, normalize } from './ops/normalization.js';
export type { Scalar, TensorLike } from './ops/op-utils.js';
export {
  type Axes,
  argmax,
  argmin,
  logSumExp,
  max,
  mean,
  min,
  type ReduceOptions,
  std,
  sum,
  sumToShape,
  type VarianceOptions,
  variance,
} from './ops/reduce.js';
export { type MultinomialOptions, multinomial, type TopkOptions, topk } from './ops/sampling.js';
export {
  broadcastTo,
  cat,
  chunk,
  clone,
  concat,
  detach,
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  type SliceSpec,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  unsqueeze,
  view,
} from './ops/shape.js';
export { cosineSimilarity } from './ops/similarity.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { toBackend } from './ops/transfer.js';
export * as rng from './random/counter-rng.js';
export {
  allocateArray,
  BYTES_PER_ELEMENT,
  type DataArray,
  type DataArrayFor,
  DTYPES,
  type DType,
  isDType,
  promoteTypes,
} from './tensor/dtype.js';
export { isGradEnabled, type MemoryInfo, manualSeed, memory, noGrad, tidy } from './tensor/engine.js';
export {
  broadcastShapes,
  broadcastStrides,
  formatShape,
  normalizeAxis,
  type Shape,
  shapesEqual,
  sizeOf,
  splitAroundAxis,
  stridesOf,
} from './tensor/shape.js';
export { isTensor, type NestedArray, Tensor } from './tensor/tensor.js';
export { disposeTensors, forEachTensor, tensorsIn } from './tensor/tree.js';

// @tensorlm/tensor-core/testing: the backend conformance suite and its f64 reference,
// for testing the built-in backends and third-party ones alike.
export {
  assert,
  assertClose,
  assertRejects,
  assertShape,
  assertThrows,
  ConformanceError,
  seededRandom,
} from './assert.js';
export { type AttentionCase, attentionCases, runAttentionCase } from './attention-cases.js';
export * as attentionReference from './attention-reference.js';
export { type InputSpec, type OpCase, opCases } from './cases.js';
export { type ConformanceHost, type ConformanceOptions, runBackendConformance } from './conformance.js';
export {
  type AgreementCase,
  type LargeTensorConformanceOptions,
  largeTensorCases,
  runLargeTensorConformance,
} from './large-tensors.js';
export * as reference from './reference.js';

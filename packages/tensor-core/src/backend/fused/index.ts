// How ops reach the optional fused kernels: `fused.softmax(backend, …)` runs the
// backend's own kernel when it has one (a plain method call: no extra work on that
// path) and otherwise the default composed from the primitives. `withoutFusedKernels`
// hides a backend's overrides, so the conformance suite can test the defaults on any
// backend.
import {
  type ActivationGradOp,
  type ActivationOp,
  type AdamWParams,
  type AttentionParams,
  type Backend,
  type BackendPrimitives,
  FUSED_KERNEL_NAMES,
  type FusedKernelName,
  type KernelTensor,
  PRIMITIVE_KERNEL_NAMES,
  type RowsLayout,
  type Storage,
} from '../backend.js';
import { activationDefault, activationGradDefault } from './defaults/activations.js';
import { adamwDefault } from './defaults/adamw.js';
import { attentionBackwardDefault, attentionDefault } from './defaults/attention.js';
import { crossEntropyBackwardDefault, crossEntropyDefault } from './defaults/cross-entropy.js';
import { layerNormBackwardDefault, layerNormDefault } from './defaults/layer-norm.js';
import { softmaxBackwardDefault, softmaxDefault } from './defaults/softmax.js';

/**
 * tensor-core's composed defaults, each taking the backend first. A backend whose fused
 * kernel covers only some cases (a size limit, a dtype) calls these for the rest.
 */
export const composedKernels = {
  activation: activationDefault,
  activationGrad: activationGradDefault,
  softmax: softmaxDefault,
  softmaxBackward: softmaxBackwardDefault,
  layerNorm: layerNormDefault,
  layerNormBackward: layerNormBackwardDefault,
  crossEntropy: crossEntropyDefault,
  crossEntropyBackward: crossEntropyBackwardDefault,
  adamw: adamwDefault,
  attention: attentionDefault,
  attentionBackward: attentionBackwardDefault,
} as const;

/** Each fused kernel by name: the backend's own, else the composed default. */
export const fused = {
  activation(b: Backend, op: ActivationOp, x: KernelTensor): Storage {
    return b.activation ? b.activation(op, x) : activationDefault(b, op, x);
  },

  activationGrad(b: Backend, op: ActivationGradOp, input: KernelTensor, dy: KernelTensor): Storage {
    return b.activationGrad ? b.activationGrad(op, input, dy) : activationGradDefault(b, op, input, dy);
  },

  softmax(b: Backend, x: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    return b.softmax ? b.softmax(x, layout, log) : softmaxDefault(b, x, layout, log);
  },

  softmaxBackward(b: Backend, y: KernelTensor, dy: KernelTensor, layout: RowsLayout, log: boolean): Storage {
    return b.softmaxBackward
      ? b.softmaxBackward(y, dy, layout, log)
      : softmaxBackwardDefault(b, y, dy, layout, log);
  },

  layerNorm(
    b: Backend,
    x: KernelTensor,
    weight: KernelTensor | null,
    bias: KernelTensor | null,
    layout: RowsLayout,
    eps: number,
  ): { y: Storage; mean: Storage; rstd: Storage } {
    return b.layerNorm
      ? b.layerNorm(x, weight, bias, layout, eps)
      : layerNormDefault(b, x, weight, bias, layout, eps);
  },

  layerNormBackward(
    b: Backend,
    dy: KernelTensor,
    x: KernelTensor,
    weight: KernelTensor | null,
    mean: KernelTensor,
    rstd: KernelTensor,
    layout: RowsLayout,
  ): { dx: Storage; dWeight: Storage; dBias: Storage } {
    return b.layerNormBackward
      ? b.layerNormBackward(dy, x, weight, mean, rstd, layout)
      : layerNormBackwardDefault(b, dy, x, weight, mean, rstd, layout);
  },

  crossEntropy(
    b: Backend,
    logits: KernelTensor,
    targets: KernelTensor,
    layout: RowsLayout,
    ignoreIndex: number,
  ): { losses: Storage; logSumExp: Storage } {
    return b.crossEntropy
      ? b.crossEntropy(logits, targets, layout, ignoreIndex)
      : crossEntropyDefault(b, logits, targets, layout, ignoreIndex);
  },

  crossEntropyBackward(
    b: Backend,
    logits: KernelTensor,
    targets: KernelTensor,
    logSumExp: KernelTensor,
    dLosses: KernelTensor,
    layout: RowsLayout,
    ignoreIndex: number,
  ): Storage {
    return b.crossEntropyBackward
      ? b.crossEntropyBackward(logits, targets, logSumExp, dLosses, layout, ignoreIndex)
      : crossEntropyBackwardDefault(b, logits, targets, logSumExp, dLosses, layout, ignoreIndex);
  },

  adamw(b: Backend, param: Storage, grad: KernelTensor, m: Storage, v: Storage, params: AdamWParams): void {
    if (b.adamw) b.adamw(param, grad, m, v, params);
    else adamwDefault(b, param, grad, m, v, params);
  },

  attention(
    b: Backend,
    q: KernelTensor,
    k: KernelTensor,
    v: KernelTensor,
    bias: KernelTensor | null,
    params: AttentionParams,
  ): { output: Storage; rowMax: Storage; rowSum: Storage } {
    return b.attention ? b.attention(q, k, v, bias, params) : attentionDefault(b, q, k, v, bias, params);
  },

  attentionBackward(
    b: Backend,
    q: KernelTensor,
    k: KernelTensor,
    v: KernelTensor,
    bias: KernelTensor | null,
    output: KernelTensor,
    dOutput: KernelTensor,
    rowMax: KernelTensor,
    rowSum: KernelTensor,
    params: AttentionParams,
  ): { dq: Storage; dk: Storage; dv: Storage } {
    return b.attentionBackward
      ? b.attentionBackward(q, k, v, bias, output, dOutput, rowMax, rowSum, params)
      : attentionBackwardDefault(b, q, k, v, bias, output, dOutput, rowMax, rowSum, params);
  },
} as const;

/** The fused kernels `backend` implements itself (the rest run composed defaults). */
export function fusedKernelsOf(backend: Backend): FusedKernelName[] {
  return FUSED_KERNEL_NAMES.filter((name) => typeof backend[name] === 'function');
}

/**
 * A backend that shares `backend`'s device, storages and primitives but has none of
 * its fused kernels, so every op runs tensor-core's composed defaults. Storages move
 * freely between the two. For conformance tests and for comparing a fused kernel with
 * its composition; `name` defaults to `<name>:composed`.
 */
export function withoutFusedKernels(backend: Backend, name = `${backend.name}:composed`): BackendPrimitives {
  const primitives: Record<string, unknown> = { name, capabilities: backend.capabilities };
  for (const method of PRIMITIVE_KERNEL_NAMES) {
    const f = backend[method] as (...args: unknown[]) => unknown;
    primitives[method] = f.bind(backend);
  }
  const info = backend.describe.bind(backend);
  primitives.describe = () => ({ ...info(), name });
  return primitives as unknown as BackendPrimitives;
}

// Weight initialisers used by the layers: PyTorch's defaults (uniform ±1/√fan_in for
// Linear, N(0, 1) for Embedding) and the N(0, σ) init GPT-2 and BERT use.
import { rand, randn, type Shape, type Tensor, zeros } from '@tensorlm/tensor-core';

/** N(0, std²) from the default seeded stream (`manualSeed`). */
export function normalInit(shape: Shape, std: number): () => Tensor {
  return () => randn(shape, { std });
}

/** U(−bound, bound), PyTorch's default for Linear weights and biases (bound = 1/√fan_in). */
export function uniformInit(shape: Shape, bound: number): () => Tensor {
  return () => rand(shape, { low: -bound, high: bound });
}

export function zerosInit(shape: Shape): () => Tensor {
  return () => zeros(shape);
}

export function onesInit(shape: Shape): () => Tensor {
  return () => zeros(shape).add(1);
}

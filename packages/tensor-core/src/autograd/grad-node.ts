// The record an op leaves on its output when gradients are on: which op, which
// inputs, and how to turn the output's gradient into the inputs' gradients.
import type { Tensor } from '../tensor/tensor.js';

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Gradients for each input (null where an input needs none), each of that input's shape. */
  readonly backward: (dy: Tensor) => ReadonlyArray<Tensor | null>;
  /** Internal tensors saved by the op (e.g. layerNorm's mean/rstd), freed with the graph. */
  readonly saved?: readonly Tensor[];
}

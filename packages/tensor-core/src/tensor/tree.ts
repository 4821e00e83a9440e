// Trees of tensors, as batches, model outputs and caches hold them: one walker for every
// package (the rules are in tree-walk.ts), so "free this batch" or "keep this cache"
// means the same thing in datasets, trainer and decoding.
import { isTensor, type Tensor } from './tensor.js';
import { walkTree } from './tree-walk.js';

/**
 * Calls `fn` once for each distinct tensor in `tree`: a Tensor, or arrays, Maps and Sets (by
 * value) and objects (own enumerable fields) of them, nested to any depth. Binary data and
 * non-objects are ignored; cycles and shared subtrees are visited once.
 */
export function forEachTensor(tree: unknown, fn: (tensor: Tensor) => void): void {
  walkTree(tree, isTensor, fn);
}

/** The distinct tensors in `tree`, depth-first in insertion order. */
export function tensorsIn(tree: unknown): Tensor[] {
  const out: Tensor[] = [];
  walkTree(tree, isTensor, (t) => out.push(t));
  return out;
}

/** Disposes every tensor in `tree` (already disposed ones are skipped). */
export function disposeTensors(tree: unknown): void {
  walkTree(tree, isTensor, (t) => t.dispose());
}

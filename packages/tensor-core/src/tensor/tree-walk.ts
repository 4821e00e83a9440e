// The one rule for walking a tree of tensors (a batch, a model output, a KV cache): used
// by `tidy` (to keep what a scope returns) and by `forEachTensor` / `disposeTensors`.
// Kept free of imports so the engine can use it without an import cycle with Tensor.
//
// The rules: arrays are walked by element, Maps and Sets by value (Map keys are not
// looked at), and
// other objects (plain records and class instances alike, so a KV cache wrapped in a
// class is kept and freed like one in an array) by own enumerable string-keyed value.
// A leaf stops the walk. Binary data (typed arrays, ArrayBuffers, DataViews) cannot hold
// tensors and is skipped whole; non-objects (numbers, strings, functions) are ignored.
// Each container and each leaf is visited once, so a shared subtree or a cycle is safe;
// the order is depth-first in insertion order.

function isBinary(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

/** Calls `visit` once for each distinct leaf in `tree`, by the rules above. */
export function walkTree<Leaf extends object>(
  tree: unknown,
  isLeaf: (value: unknown) => value is Leaf,
  visit: (leaf: Leaf) => void,
): void {
  const seen = new Set<object>();
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (isLeaf(value)) visit(value);
    else if (Array.isArray(value)) for (const item of value) walk(item);
    else if (value instanceof Map || value instanceof Set) for (const item of value.values()) walk(item);
    else if (!isBinary(value)) for (const item of Object.values(value)) walk(item);
  };
  walk(tree);
}

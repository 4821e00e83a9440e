// Out-of-range indices on the GPU. A shader cannot throw, so every kernel that takes
// indices (index select/add, gather, scatter-add, cross-entropy targets) treats a bad
// index as contributing nothing — it never reads or writes outside a buffer — and
// records it in a 4-word storage buffer bound to it: the first offending kernel, index,
// bound and (cross-entropy) ignore index. The runtime folds a copy of those 16 bytes into
// the next readback (or `sync`) it was going to do anyway, clears them in the same
// submit, and throws the `TensorError` the CPU backend would have thrown at the op.
// So the contract: a bad index rejects at the latest when a result is read; the failed
// op's output is unspecified (as is work that consumed it); the error is reported once.
import { TensorError } from '@tensorlm/tensor-core';

export const INDEX_ERROR_BYTES = 16;

/** Which kernel reported: word 0 of the flag buffer (0 = no error). */
export const IndexKernel = {
  indexSelect: 1,
  indexAdd: 2,
  gather: 3,
  scatterAdd: 4,
  crossEntropy: 5,
  crossEntropyBackward: 6,
} as const;

export type IndexKernelName = keyof typeof IndexKernel;

/**
 * WGSL for the flag at `binding` and `reportBadIndex(kernel, index, bound, extra)`. Only
 * the first report in a batch of work lands: later ones see a nonzero word 0 and return.
 */
export function indexErrorWgsl(binding: number): string {
  return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read_write> IndexError: array<atomic<u32>, 4>;
fn reportBadIndex(kernel: u32, index: i32, bound: u32, extra: i32) {
  if (atomicLoad(&IndexError[0]) != 0u) { return; }
  loop {
    // The weak exchange may fail spuriously while word 0 is still 0: retry then.
    let r = atomicCompareExchangeWeak(&IndexError[0], 0u, kernel);
    if (r.exchanged) {
      atomicStore(&IndexError[1], bitcast<u32>(index));
      atomicStore(&IndexError[2], bound);
      atomicStore(&IndexError[3], bitcast<u32>(extra));
      return;
    }
    if (r.old_value != 0u) { return; }
  }
}`;
}

/** The error a flag's words report (the CPU backend's message for the same input), or null. */
export function indexErrorOf(words: Uint32Array): TensorError | null {
  const code = words[0]!;
  if (code === 0) return null;
  const signed = new Int32Array(words.buffer, words.byteOffset, 4);
  const index = signed[1]!;
  const bound = words[2]!;
  const name = (Object.keys(IndexKernel) as IndexKernelName[]).find((k) => IndexKernel[k] === code);
  if (name === 'crossEntropy' || name === 'crossEntropyBackward') {
    return new TensorError(
      name,
      `target ${index} is out of range for ${bound} classes (ignoreIndex is ${signed[3]!})`,
    );
  }
  return new TensorError(
    name ?? 'index kernel',
    `index ${index} is out of range for an axis of size ${bound}`,
  );
}

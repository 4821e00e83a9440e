// Walking batches: a batch is any tree of tensors (a Tensor, arrays, plain objects),
// as collate functions produce. The trainer owns a batch once it has it, so it frees
// every tensor in it after the step, and counts its tokens from the first id tensor.
import { isTensor, type Tensor } from '@tensorlm/tensor-core';

/** Every tensor in a batch tree (depth-first, arrays and plain objects only). */
export function tensorsIn(value: unknown, depth = 0, out: Tensor[] = []): Tensor[] {
  if (depth > 8 || value === null || typeof value !== 'object') return out;
  if (isTensor(value)) {
    out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) tensorsIn(item, depth + 1, out);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) tensorsIn(item, depth + 1, out);
  }
  return out;
}

/** Disposes every tensor in a batch tree. */
export function disposeTree(value: unknown): void {
  for (const t of tensorsIn(value)) t.dispose();
}

/**
 * Tokens in a batch, for "tokens seen": the size of the `input`/`ids` tensor of a
 * record, of the batch itself when it is an integer tensor, or of its first i32
 * tensor; 0 when it holds none (then pass `countTokens`).
 */
export function defaultTokenCount(batch: unknown): number {
  if (isTensor(batch)) return batch.dtype === 'i32' ? batch.size : 0;
  if (batch !== null && typeof batch === 'object' && !Array.isArray(batch)) {
    const record = batch as Record<string, unknown>;
    for (const key of ['input', 'ids', 'inputIds', 'input_ids']) {
      const t = record[key];
      if (isTensor(t)) return t.size;
    }
  }
  return tensorsIn(batch).find((t) => t.dtype === 'i32')?.size ?? 0;
}

// Counting a batch's tokens. A batch is any tree of tensors (walked by tensor-core's
// `tensorsIn`, the one walker of every package); the trainer frees it with
// `disposeTensors` after the step.
import { isTensor, tensorsIn } from '@tensorlm/tensor-core';

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

// Default cross-entropy forward and backward over rows of logits with i32 targets,
// composed from the primitives: log Σ e^x as the stable row log-sum-exp, the target's
// logit by a gather, the one-hot of the backward by a scatter-add. Ignored rows
// (target = ignoreIndex) gather and scatter at column 0 and are masked to 0.
import { TensorError } from '../../../errors.js';
import type { BackendPrimitives, KernelTensor, RowsLayout, Storage } from '../../backend.js';
import { type Composer, composeKernel } from '../compose.js';
import { rowLogSumExp } from './softmax.js';

/** Targets as (rows, 1), whether each row is ignored, and targets with ignored rows at 0. */
function targetColumn(
  k: Composer,
  targetsIn: KernelTensor,
  rows: number,
  ignoreIndex: number,
): { ignored: KernelTensor; safe: KernelTensor } {
  const targets = k.view(targetsIn, [rows, 1]);
  const ignored = k.binary('eq', targets, k.scalar(ignoreIndex, 'i32'));
  return { ignored, safe: k.where(ignored, k.scalar(0, 'i32'), targets) };
}

export function crossEntropyDefault(
  backend: BackendPrimitives,
  logitsIn: KernelTensor,
  targetsIn: KernelTensor,
  { rows, cols }: RowsLayout,
  ignoreIndex: number,
): { losses: Storage; logSumExp: Storage } {
  if (rows === 0) return { losses: backend.alloc(0, 'f32'), logSumExp: backend.alloc(0, 'f32') };
  return composeKernel(backend, (k) => {
    const logits = k.view(logitsIn, [rows, cols]);
    const lse = rowLogSumExp(k, logits, rows, cols);
    const { ignored, safe } = targetColumn(k, targetsIn, rows, ignoreIndex);
    let picked: KernelTensor;
    try {
      picked = k.gatherAlong(logits, safe, { outer: rows, size: cols, inner: 1 });
    } catch (error) {
      // A synchronous backend reports the bad target at once: name the op the caller ran.
      // (An asynchronous one reports it as the gather when a result is read.)
      if (!(error instanceof TensorError)) throw error;
      const detail = error.message.slice(error.op.length + 2);
      throw new TensorError(
        'crossEntropy',
        `a target is out of range: ${detail} (ignoreIndex is ${ignoreIndex})`,
        { cause: error },
      );
    }
    const losses = k.where(ignored, 0, k.sub(lse, picked));
    return { losses: k.keep(losses), logSumExp: k.keep(lse) };
  });
}

export function crossEntropyBackwardDefault(
  backend: BackendPrimitives,
  logitsIn: KernelTensor,
  targetsIn: KernelTensor,
  logSumExp: KernelTensor,
  dLosses: KernelTensor,
  { rows, cols }: RowsLayout,
  ignoreIndex: number,
): Storage {
  if (rows * cols === 0) return backend.alloc(rows * cols, 'f32');
  return composeKernel(backend, (k) => {
    const logits = k.view(logitsIn, [rows, cols]);
    const probs = k.unary('exp', k.sub(logits, k.view(logSumExp, [rows, 1])));
    const { ignored, safe } = targetColumn(k, targetsIn, rows, ignoreIndex);
    const ones = k.where(ignored, 0, 1); // (rows, 1) f32
    const oneHot = k.scatterAddAlong(ones, safe, { outer: rows, size: cols, inner: 1 }, [rows, cols]);
    const grad = k.mul(k.sub(probs, oneHot), k.view(dLosses, [rows, 1]));
    return k.keep(k.where(ignored, 0, grad));
  });
}

// Cross-entropy from logits with integer targets, as torch.nn.functional.cross_entropy
// with the class axis last (logits (…, C), targets (…)). One kernel (fused, or composed
// by default) computes per-row losses and log Σ e^logits; the backward reuses them.
import { z } from 'zod';
import { fused } from '../backend/fused/index.js';
import { TensorError } from '../errors.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseOrThrow } from '../zod-issues.js';
import { cast, div, notEqual } from './elementwise.js';
import { assertDType, backendOf, record, wrap } from './op-utils.js';
import { sum } from './reduce.js';

const crossEntropyOptions = z.object({
  ignoreIndex: z.number().int().default(-100),
  reduction: z.enum(['mean', 'sum', 'none']).default('mean'),
});

export type CrossEntropyOptions = z.input<typeof crossEntropyOptions>;

export function crossEntropy(logitsIn: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { ignoreIndex, reduction } = parseOrThrow(
    crossEntropyOptions,
    options,
    'options',
    (message) => new TensorError(op, message),
  );
  assertDType(op, targets, ['i32'], 'targets');
  if (logitsIn.rank < 1 || !shapesEqual(logitsIn.shape.slice(0, -1), targets.shape)) {
    throw new TensorError(
      op,
      `logits ${formatShape(logitsIn.shape)} must be targets' shape ${formatShape(targets.shape)} plus a class axis`,
    );
  }
  const logits = logitsIn.dtype === 'f32' ? logitsIn : cast(logitsIn, 'f32');
  const backend = backendOf(op, logits, targets);
  const cols = logits.shape.at(-1)!;
  const layout = { rows: targets.size, cols };
  const out = fused.crossEntropy(backend, logits, targets, layout, ignoreIndex);
  const logSumExp = wrap(backend, out.logSumExp, targets.shape, 'f32');
  const losses = wrap(backend, out.losses, targets.shape, 'f32');
  record(
    losses,
    op,
    [logits],
    (dLosses) => [
      wrap(
        backend,
        fused.crossEntropyBackward(backend, logits, targets, logSumExp, dLosses, layout, ignoreIndex),
        logits.shape,
        'f32',
      ),
    ],
    [logSumExp],
  );
  if (reduction === 'none') return losses;
  const total = sum(losses);
  if (reduction === 'sum') return total;
  // Mean over the targets that count; computed on the device, so no readback.
  const counted = sum(cast(notEqual(targets, ignoreIndex), 'f32'));
  return div(total, counted);
}

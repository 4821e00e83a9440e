// Reverse-mode differentiation over the define-by-run graph: a topological order from
// the root, each node's backward rule, gradients summed where paths meet, and leaf
// gradients accumulated into `.grad` (so several backward calls add up, as in PyTorch).
// Intermediate gradients are freed as soon as nothing refers to them.
import { TensorError } from '../errors.js';
import { noGrad, tidy } from '../tensor/engine.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again. */
  retainGraph?: boolean;
}

/** Tensors reachable from `root` through grad nodes, root first, each after all its consumers. */
function topologicalOrder(root: Tensor): Tensor[] {
  const visited = new Set<Tensor>();
  const postOrder: Tensor[] = [];
  const stack: Array<{ tensor: Tensor; next: number }> = [{ tensor: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const inputs = frame.tensor.gradNode?.inputs ?? [];
    if (frame.next < inputs.length) {
      const input = inputs[frame.next++]!;
      if (!input.requiresGrad || visited.has(input)) continue;
      if (input.graphReleased) {
        throw new TensorError(
          'backward',
          'the graph through this tensor was freed by an earlier backward(); recompute the forward pass or pass { retainGraph: true }',
        );
      }
      visited.add(input);
      stack.push({ tensor: input, next: 0 });
    } else {
      postOrder.push(frame.tensor);
      stack.pop();
    }
  }
  return postOrder.reverse();
}

/** The few ops the backward pass itself needs (injected to keep autograd free of op imports). */
export interface BackwardOps {
  onesLike(like: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  clone(x: Tensor): Tensor;
}

export function backward(
  root: Tensor,
  gradient: Tensor | undefined,
  ops: BackwardOps,
  options: BackwardOptions = {},
): void {
  const { add } = ops;
  if (!root.requiresGrad) {
    throw new TensorError(
      'backward',
      `tensor of shape ${formatShape(root.shape)} does not require grad (no input had requiresGrad)`,
    );
  }
  if (root.graphReleased) {
    throw new TensorError(
      'backward',
      'the graph of this tensor was freed by an earlier backward(); pass { retainGraph: true } to keep it',
    );
  }
  if (gradient === undefined && root.size !== 1) {
    throw new TensorError(
      'backward',
      `called on a non-scalar tensor of shape ${formatShape(root.shape)} without a gradient; pass a gradient of the same shape`,
    );
  }
  if (gradient !== undefined && !shapesEqual(gradient.shape, root.shape)) {
    throw new TensorError(
      'backward',
      `gradient of shape ${formatShape(gradient.shape)} does not match the tensor's ${formatShape(root.shape)}`,
    );
  }
  const order = topologicalOrder(root);

  noGrad(() =>
    tidy(() => {
      const grads = new Map<Tensor, Tensor>();
      const uses = new Map<Tensor, number>();
      const hold = (g: Tensor) => uses.set(g, (uses.get(g) ?? 0) + 1);
      const drop = (g: Tensor) => {
        const n = (uses.get(g) ?? 0) - 1;
        uses.set(g, n);
        if (n <= 0 && !g.isKept && g !== gradient) g.dispose();
      };
      const addGrad = (target: Tensor, g: Tensor) => {
        const previous = grads.get(target);
        if (previous) {
          const sum = add(previous, g);
          hold(sum);
          grads.set(target, sum);
          drop(previous);
          hold(g);
          drop(g);
        } else {
          hold(g);
          grads.set(target, g);
        }
      };
      const seed = gradient ?? ops.onesLike(root);
      addGrad(root, seed);

      for (const t of order) {
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        const node = t.gradNode;
        if (!node) {
          // A leaf: accumulate into .grad, which outlives this pass.
          if (t.grad) {
            const sum = add(t.grad, g).keep();
            t.grad.dispose();
            t.grad = sum;
          } else {
            // Hand the gradient itself to .grad unless something else still refers to it.
            const shared = (uses.get(g) ?? 0) > 1 || g.isKept || g === gradient;
            t.grad = (shared ? ops.clone(g) : g).keep();
          }
          drop(g);
          continue;
        }
        let inputGrads: ReadonlyArray<Tensor | null>;
        try {
          inputGrads = node.backward(g);
        } catch (error) {
          if (error instanceof TensorError) {
            throw new TensorError('backward', `in the gradient of '${node.op}': ${error.message}`);
          }
          throw error;
        }
        node.inputs.forEach((input, i) => {
          const gi = inputGrads[i];
          if (!gi || !input.requiresGrad) return;
          if (!shapesEqual(gi.shape, input.shape)) {
            throw new TensorError(
              'backward',
              `the gradient of '${node.op}' for input ${i} has shape ${formatShape(gi.shape)}, expected ${formatShape(input.shape)}`,
            );
          }
          addGrad(input, gi);
        });
        drop(g);
      }
    }),
  );

  if (!options.retainGraph) {
    for (const t of order) {
      const node = t.gradNode;
      if (!node) continue;
      for (const s of node.saved ?? []) s.dispose();
      t.gradNode = null;
      t.graphReleased = true;
    }
  }
}

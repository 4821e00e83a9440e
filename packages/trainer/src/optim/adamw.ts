// AdamW (decoupled weight decay, Loshchilov & Hutter) and Adam (L2 penalty folded into
// the gradient), as torch.optim.AdamW / torch.optim.Adam. Every update is tensor-core's
// in-place `adamwUpdate` (the backend's fused kernel, one dispatch per parameter, or the
// default composed from its primitives), on the parameter and both moments, with
// PyTorch's bias corrections:
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
//   p ← p·(1 − lr·λ) − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
import { adamwUpdate, add, mul, noGrad, tidy } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { TrainerError } from '../errors.js';
import { Optimizer, type ParamsInput } from './optimizer.js';

export interface AdamHyper {
  lr: number;
  /** (β1, β2): decay rates of the first and second moment estimates. */
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

const beta = z.number().min(0).lt(1);
const adamSchema: z.ZodType<AdamHyper> = z.object({
  lr: z.number().finite().nonnegative(),
  betas: z.tuple([beta, beta]),
  eps: z.number().finite().positive(),
  weightDecay: z.number().finite().nonnegative(),
});

export type AdamOptions = Partial<AdamHyper>;

abstract class AdamBase extends Optimizer<AdamHyper> {
  protected readonly slots = ['exp_avg', 'exp_avg_sq'] as const;
  /** True: weight decay shrinks the weights directly (AdamW); false: it is added to the gradient (Adam). */
  protected abstract readonly decoupled: boolean;

  step(): void {
    noGrad(() => this.#update());
  }

  #update(): void {
    for (const group of this.paramGroups) {
      const { lr, betas, eps, weightDecay } = group.hyper;
      for (const p of group.params) {
        const grad = p.grad;
        if (!grad) continue;
        if (grad.backend !== p.backend) {
          throw new TrainerError(`${this.kind}.step: a gradient lives on another backend than its parameter`);
        }
        const s = this.stateOf(p);
        s.step += 1;
        const m = s.tensors.get('exp_avg')!;
        const v = s.tensors.get('exp_avg_sq')!;
        const params = {
          lr,
          beta1: betas[0],
          beta2: betas[1],
          eps,
          weightDecay: this.decoupled ? weightDecay : 0,
          step: s.step,
        };
        if (!this.decoupled && weightDecay !== 0) {
          // Adam's L2 penalty: g + λ·p (torch.optim.Adam), then the same update without decay.
          tidy(() => {
            adamwUpdate(p, add(grad, mul(p, weightDecay)), m, v, params);
          });
        } else {
          adamwUpdate(p, grad, m, v, params);
        }
      }
    }
  }
}

/**
 * AdamW. Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0.01.
 * Pass groups (see `weightDecayGroups`) to exempt biases, LayerNorm and embeddings.
 */
export class AdamW extends AdamBase {
  readonly kind = 'adamw';
  protected readonly decoupled = true;

  constructor(params: ParamsInput<AdamHyper>, options: AdamOptions = {}) {
    super(
      params,
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, ...options },
      adamSchema,
      'AdamW',
    );
  }
}

/**
 * Adam. Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0.
 * Weight decay here is an L2 penalty added to the gradient (one extra element-wise op
 * per parameter when non-zero); prefer AdamW for decoupled decay.
 */
export class Adam extends AdamBase {
  readonly kind = 'adam';
  protected readonly decoupled = false;

  constructor(params: ParamsInput<AdamHyper>, options: AdamOptions = {}) {
    super(
      params,
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...options },
      adamSchema,
      'Adam',
    );
  }
}

// SGD with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD:
//   g ← g + λ·p;  b ← g (first step) or μ·b + (1−τ)·g;  g ← g + μ·b (Nesterov) or b;
//   p ← p − lr·g
// Built from element-wise ops (there is no fused SGD kernel); the momentum buffer is
// updated in place so its tensor identity (and checkpoint name) stays fixed. Without
// momentum SGD keeps no state at all, as PyTorch.
import { add, assign, mul, noGrad, sub, type Tensor, tidy } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { TrainerError } from '../errors.js';
import { Optimizer, type ParamsInput } from './optimizer.js';

export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

const sgdSchema: z.ZodType<SgdHyper> = z
  .object({
    lr: z.number().finite().nonnegative(),
    momentum: z.number().finite().nonnegative(),
    dampening: z.number().finite(),
    weightDecay: z.number().finite().nonnegative(),
    nesterov: z.boolean(),
  })
  .superRefine((h, ctx) => {
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['nesterov'],
        message: 'Nesterov momentum needs momentum > 0 and dampening 0 (as torch.optim.SGD)',
      });
    }
  });

export type SgdOptions = Partial<SgdHyper>;

export class SGD extends Optimizer<SgdHyper> {
  readonly kind = 'sgd';
  protected readonly slots = ['momentum_buffer'] as const;

  /** Defaults as PyTorch: lr 1e-3, momentum 0, dampening 0, weightDecay 0, nesterov false. */
  constructor(params: ParamsInput<SgdHyper>, options: SgdOptions = {}) {
    super(
      params,
      { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options },
      sgdSchema,
      'SGD',
    );
  }

  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        const { lr, momentum, dampening, weightDecay, nesterov } = group.hyper;
        for (const p of group.params) {
          const grad = p.grad;
          if (!grad) continue;
          if (grad.backend !== p.backend) {
            throw new TrainerError('sgd.step: a gradient lives on another backend than its parameter');
          }
          tidy(() => {
            let d: Tensor = weightDecay !== 0 ? add(grad, mul(p, weightDecay)) : grad;
            if (momentum !== 0) {
              const first = !this.state.has(p);
              const s = this.stateOf(p);
              const buf = s.tensors.get('momentum_buffer')!;
              assign(buf, first ? d : add(mul(buf, momentum), mul(d, 1 - dampening)));
              d = nesterov ? add(d, mul(buf, momentum)) : buf;
              s.step += 1;
            }
            assign(p, sub(p, mul(d, lr)));
          });
        }
      }
    });
  }
}

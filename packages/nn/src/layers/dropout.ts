// Dropout as torch.nn.Dropout: zeroes elements with probability p and scales the rest by
// 1/(1−p) in training mode; the identity in eval mode. Masks come from the seeded stream.
import { dropout, type Tensor } from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { pyFloat } from '../module/format.js';
import { Module } from '../module/module.js';

export class Dropout extends Module {
  static override readonly typeName: string = 'Dropout';
  readonly p: number;

  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new NnError(`Dropout: p must be in [0, 1], got ${p}`);
    this.p = p;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training });
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

// Activation modules: GELU (exact erf "gelu" as BERT, or the tanh approximation GPT-2
// calls "gelu_new"), ReLU and Tanh, so they show up in the printed module tree.
import { gelu, relu, type Tensor, tanh } from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { Module } from '../module/module.js';

export type GeluApproximation = 'none' | 'tanh';

export class GELU extends Module {
  static override readonly typeName: string = 'GELU';
  readonly approximate: GeluApproximation;

  constructor(options: { approximate?: GeluApproximation } = {}) {
    super();
    const approximate = options.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh')
      throw new NnError(`GELU: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
    this.approximate = approximate;
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class ReLU extends Module {
  static override readonly typeName: string = 'ReLU';

  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Tanh extends Module {
  static override readonly typeName: string = 'Tanh';

  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Hugging Face activation names (`hidden_act`, `activation_function`) → a module. */
export type ActivationName = 'gelu' | 'gelu_new' | 'relu' | 'tanh';

export function activationModule(name: ActivationName): GELU | ReLU | Tanh {
  switch (name) {
    case 'gelu':
      return new GELU({ approximate: 'none' });
    case 'gelu_new':
      return new GELU({ approximate: 'tanh' });
    case 'relu':
      return new ReLU();
    case 'tanh':
      return new Tanh();
  }
}

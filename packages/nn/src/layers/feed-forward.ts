// Position-wise feed-forward network of a transformer block: Linear → activation →
// Linear → dropout, expanding to `hiddenDim` (4·C by convention) and back.
import type { Tensor } from '@tensorlm/tensor-core';
import { Module } from '../module/module.js';
import { type ActivationName, activationModule, type GELU, type ReLU, type Tanh } from './activations.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';

export interface FeedForwardOptions {
  dim: number;
  /** Default 4·dim. */
  hiddenDim?: number;
  /** Default 'gelu' (exact). */
  activation?: ActivationName;
  dropout?: number;
  bias?: boolean;
  initStd?: number;
}

export class FeedForward extends Module {
  static override readonly typeName: string = 'FeedForward';
  readonly fc1: Linear;
  readonly act: GELU | ReLU | Tanh;
  readonly fc2: Linear;
  readonly dropout: Dropout;

  constructor(options: FeedForwardOptions) {
    super();
    const hidden = options.hiddenDim ?? 4 * options.dim;
    const linearOptions = {
      bias: options.bias ?? true,
      ...(options.initStd === undefined ? {} : { initStd: options.initStd }),
    };
    this.fc1 = this.addModule('fc1', new Linear(options.dim, hidden, linearOptions));
    this.act = this.addModule('act', activationModule(options.activation ?? 'gelu'));
    this.fc2 = this.addModule('fc2', new Linear(hidden, options.dim, linearOptions));
    this.dropout = this.addModule('dropout', new Dropout(options.dropout ?? 0));
  }

  /** (B, T, C) → (B, T, C) */
  forward(x: Tensor): Tensor {
    const h = this.act.forward(this.fc1.forward(x)); // (B, T, hidden)
    return this.dropout.forward(this.fc2.forward(h)); // (B, T, C)
  }
}

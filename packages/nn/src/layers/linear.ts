// Linear layer y = x·Wᵀ + b with W stored (out, in), as torch.nn.Linear, run through
// tensor-core's `linear` (a transposed matmul, no copy of W).
import { linear, type Tensor } from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { Module } from '../module/module.js';
import { normalInit, uniformInit, zerosInit } from './init.js';

export interface LinearOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Init W ~ N(0, initStd²) and b = 0 (GPT-2 / BERT); default is PyTorch's U(±1/√in). */
  initStd?: number;
}

export class Linear extends Module {
  static override readonly typeName: string = 'Linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly hasBias: boolean;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [field, value] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(value) || value <= 0)
        throw new NnError(`Linear: ${field} must be a positive integer, got ${value}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.hasBias = options.bias ?? true;
    const bound = 1 / Math.sqrt(inFeatures);
    const std = options.initStd;
    const weightShape = [outFeatures, inFeatures];
    this.addParameter(
      'weight',
      weightShape,
      std === undefined ? uniformInit(weightShape, bound) : normalInit(weightShape, std),
    );
    if (this.hasBias) {
      this.addParameter(
        'bias',
        [outFeatures],
        std === undefined ? uniformInit([outFeatures], bound) : zerosInit([outFeatures]),
      );
    }
  }

  /** (out, in) */
  get weight(): Tensor {
    return this.param('weight');
  }

  /** (out), or null without bias. */
  get bias(): Tensor | null {
    return this.hasBias ? this.param('bias') : null;
  }

  /** (…, in) → (…, out) */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.hasBias ? 'True' : 'False'}`;
  }
}

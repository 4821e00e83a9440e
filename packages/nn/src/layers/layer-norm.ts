// Layer normalisation over the trailing dimensions, as torch.nn.LayerNorm, through
// tensor-core's fused `layerNorm`. eps is 1e-5 by default (GPT-2); BERT uses 1e-12.
import { layerNorm, type Tensor } from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { pyFloat, pyTuple } from '../module/format.js';
import { Module } from '../module/module.js';
import { onesInit, zerosInit } from './init.js';

export interface LayerNormOptions {
  eps?: number;
  /** Learned per-feature scale and shift (default true). */
  elementwiseAffine?: boolean;
}

export class LayerNorm extends Module {
  static override readonly typeName: string = 'LayerNorm';
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new NnError(`LayerNorm: normalizedShape must be positive integers, got [${shape.join(', ')}]`);
    }
    const eps = options.eps ?? 1e-5;
    if (!(eps > 0)) throw new NnError(`LayerNorm: eps must be positive, got ${eps}`);
    this.normalizedShape = shape;
    this.eps = eps;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    if (this.elementwiseAffine) {
      this.addParameter('weight', shape, onesInit(shape));
      this.addParameter('bias', shape, zerosInit(shape));
    }
  }

  get weight(): Tensor | null {
    return this.elementwiseAffine ? this.param('weight') : null;
  }

  get bias(): Tensor | null {
    return this.elementwiseAffine ? this.param('bias') : null;
  }

  /** (…, *normalizedShape) → same shape */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine ? 'True' : 'False'}`;
  }
}

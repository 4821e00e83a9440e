// Hugging Face's GPT-2 `Conv1D`: a linear layer whose weight is stored (in, out), so
// y = x·W + b. Kept in that layout (not transposed to nn.Linear's) so GPT-2 checkpoints
// load as they are.
import { add, matmul, reshape, type Tensor } from '@tensorlm/tensor-core';
import { Module } from '../module/module.js';
import { normalInit, zerosInit } from './init.js';

export class Conv1D extends Module {
  static override readonly typeName: string = 'Conv1D';
  /** Output features (HF's `nf`). */
  readonly nf: number;
  /** Input features (HF's `nx`). */
  readonly nx: number;

  readonly hasBias: boolean;

  constructor(nf: number, nx: number, options: { initStd?: number; bias?: boolean } = {}) {
    super();
    this.nf = nf;
    this.nx = nx;
    this.hasBias = options.bias ?? true;
    this.addParameter('weight', [nx, nf], normalInit([nx, nf], options.initStd ?? 0.02));
    if (this.hasBias) this.addParameter('bias', [nf], zerosInit([nf]));
  }

  /** (nx, nf) */
  get weight(): Tensor {
    return this.param('weight');
  }

  /** (nf), or null without bias. */
  get bias(): Tensor | null {
    return this.hasBias ? this.param('bias') : null;
  }

  /** (…, nx) → (…, nf): rows folded into one matmul rather than a batch of small ones. */
  forward(x: Tensor): Tensor {
    const lead = x.shape.slice(0, -1);
    const xw = matmul(reshape(x, [-1, this.nx]), this.weight);
    const y = this.bias ? add(xw, this.bias) : xw;
    return reshape(y, [...lead, this.nf]);
  }

  override extraRepr(): string {
    return `nf=${this.nf}, nx=${this.nx}${this.hasBias ? '' : ', bias=False'}`;
  }
}

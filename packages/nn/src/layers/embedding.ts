// Embedding table lookup, as torch.nn.Embedding: integer ids of any shape → rows of a
// (num, dim) weight. `paddingIdx` keeps that row at zero init and out of the gradient.
import {
  embedding,
  equal,
  isGradEnabled,
  type Tensor,
  tensor,
  unsqueeze,
  where,
} from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { Module } from '../module/module.js';
import { normalInit } from './init.js';

export interface EmbeddingOptions {
  /** This id's row starts at zero and receives no gradient (BERT's [PAD] = 0). */
  paddingIdx?: number;
  /** Init N(0, initStd²); PyTorch's default is 1, GPT-2 and BERT use 0.02. */
  initStd?: number;
}

export class Embedding extends Module {
  static override readonly typeName: string = 'Embedding';
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    if (
      !Number.isInteger(numEmbeddings) ||
      numEmbeddings <= 0 ||
      !Number.isInteger(embeddingDim) ||
      embeddingDim <= 0
    ) {
      throw new NnError(
        `Embedding: numEmbeddings and embeddingDim must be positive integers, got ${numEmbeddings} and ${embeddingDim}`,
      );
    }
    const pad = options.paddingIdx;
    if (pad !== undefined && (!Number.isInteger(pad) || pad < 0 || pad >= numEmbeddings)) {
      throw new NnError(`Embedding: paddingIdx must be an id in [0, ${numEmbeddings}), got ${pad}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad ?? null;
    const shape = [numEmbeddings, embeddingDim];
    const init = normalInit(shape, options.initStd ?? 1);
    this.addParameter(
      'weight',
      shape,
      pad === undefined
        ? init
        : () => {
            const isPad = new Uint8Array(numEmbeddings);
            isPad[pad] = 1;
            return where(tensor(isPad, [numEmbeddings, 1], { dtype: 'bool' }), 0, init());
          },
    );
  }

  /** (num, dim) */
  get weight(): Tensor {
    return this.param('weight');
  }

  /** ids (…) i32 → (…, dim) */
  forward(ids: Tensor): Tensor {
    const out = embedding(ids, this.weight);
    if (this.paddingIdx === null || !this.weight.requiresGrad || !isGradEnabled()) return out;
    // Padding positions take the same values through a detached path, so the pad row gets no gradient.
    const isPad = unsqueeze(equal(ids, this.paddingIdx), -1);
    return where(isPad, out.detach(), out);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}

// A transformer block from the generic parts: attention and feed-forward, each with a
// residual connection, normalised before the sublayer (pre-LN, GPT-2) or after the
// residual sum (post-LN, BERT and the original transformer).
import { add, type Tensor } from '@tensorlm/tensor-core';
import { Module } from '../module/module.js';
import type { ActivationName } from './activations.js';
import { MultiHeadAttention, type MultiHeadAttentionCallOptions } from './attention.js';
import { FeedForward } from './feed-forward.js';
import { LayerNorm } from './layer-norm.js';

export interface TransformerBlockOptions {
  dim: number;
  numHeads: number;
  /** Feed-forward width, default 4·dim. */
  hiddenDim?: number;
  /** 'pre' (GPT-2: x + f(LN(x))) or 'post' (BERT: LN(x + f(x))). Default 'pre'. */
  norm?: 'pre' | 'post';
  causal?: boolean;
  fusedQkv?: boolean;
  activation?: ActivationName;
  dropout?: number;
  eps?: number;
  initStd?: number;
}

export class TransformerBlock extends Module {
  static override readonly typeName: string = 'TransformerBlock';
  readonly norm: 'pre' | 'post';
  readonly attn: MultiHeadAttention;
  readonly ln_1: LayerNorm;
  readonly mlp: FeedForward;
  readonly ln_2: LayerNorm;

  constructor(options: TransformerBlockOptions) {
    super();
    this.norm = options.norm ?? 'pre';
    const eps = options.eps ?? 1e-5;
    const init = options.initStd === undefined ? {} : { initStd: options.initStd };
    this.ln_1 = this.addModule('ln_1', new LayerNorm(options.dim, { eps }));
    this.attn = this.addModule(
      'attn',
      new MultiHeadAttention({
        embedDim: options.dim,
        numHeads: options.numHeads,
        causal: options.causal ?? false,
        fusedQkv: options.fusedQkv ?? false,
        dropout: options.dropout ?? 0,
        ...init,
      }),
    );
    this.ln_2 = this.addModule('ln_2', new LayerNorm(options.dim, { eps }));
    this.mlp = this.addModule(
      'mlp',
      new FeedForward({
        dim: options.dim,
        ...(options.hiddenDim === undefined ? {} : { hiddenDim: options.hiddenDim }),
        activation: options.activation ?? 'gelu',
        dropout: options.dropout ?? 0,
        ...init,
      }),
    );
  }

  /** (B, T, C) → (B, T, C) */
  forward(x: Tensor, options: MultiHeadAttentionCallOptions = {}): Tensor {
    if (this.norm === 'pre') {
      x = add(x, this.attn.forward(this.ln_1.forward(x), options));
      return add(x, this.mlp.forward(this.ln_2.forward(x)));
    }
    x = this.ln_1.forward(add(x, this.attn.forward(x, options)));
    return this.ln_2.forward(add(x, this.mlp.forward(x)));
  }

  override extraRepr(): string {
    return `norm='${this.norm}'`;
  }
}

// Sinusoidal positional encoding from "Attention is all you need":
// PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)),
// added to (B, T, d) embeddings, then dropout.
import { add, narrow, type Tensor, tensor } from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { Module } from '../module/module.js';
import { Dropout } from './dropout.js';

/** The (maxLen, dim) table, computed in f64 on the host. */
export function sinusoidalTable(maxLen: number, dim: number): Float32Array {
  const table = new Float32Array(maxLen * dim);
  for (let pos = 0; pos < maxLen; pos++) {
    for (let i = 0; i < dim; i += 2) {
      const angle = pos / 10000 ** (i / dim);
      table[pos * dim + i] = Math.sin(angle);
      if (i + 1 < dim) table[pos * dim + i + 1] = Math.cos(angle);
    }
  }
  return table;
}

export class PositionalEncoding extends Module {
  static override readonly typeName: string = 'PositionalEncoding';
  readonly dim: number;
  readonly maxLen: number;
  readonly dropout: Dropout;

  constructor(dim: number, options: { maxLen?: number; dropout?: number } = {}) {
    super();
    const maxLen = options.maxLen ?? 5000;
    if (!Number.isInteger(dim) || dim <= 0 || !Number.isInteger(maxLen) || maxLen <= 0) {
      throw new NnError(
        `PositionalEncoding: dim and maxLen must be positive integers, got ${dim} and ${maxLen}`,
      );
    }
    this.dim = dim;
    this.maxLen = maxLen;
    this.dropout = this.addModule('dropout', new Dropout(options.dropout ?? 0.1));
    // Not persistent: the table is a function of (maxLen, dim), so checkpoints need not carry it.
    this.addBuffer('pe', () => tensor(sinusoidalTable(maxLen, dim), [maxLen, dim]), { persistent: false });
  }

  /** (maxLen, dim) */
  get pe(): Tensor {
    return this.buffer('pe');
  }

  /** (B, T, dim) → (B, T, dim) */
  forward(x: Tensor): Tensor {
    const t = x.shape.at(-2) ?? 0;
    if (x.rank < 2 || x.shape.at(-1) !== this.dim || t > this.maxLen) {
      throw new NnError(
        `PositionalEncoding: input must be (…, T ≤ ${this.maxLen}, ${this.dim}), got [${x.shape.join(', ')}]`,
      );
    }
    return this.dropout.forward(add(x, narrow(this.pe, 0, 0, t)));
  }

  override extraRepr(): string {
    return `dim=${this.dim}, max_len=${this.maxLen}`;
  }
}

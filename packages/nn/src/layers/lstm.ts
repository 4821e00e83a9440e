// A single-layer LSTM over batch-first sequences, as torch.nn.LSTM(batch_first=True):
// gates i, f, g, o in PyTorch's order and parameter names (weight_ih_l0, …), so
// PyTorch weights load unchanged.
import {
  add,
  linear,
  mul,
  narrow,
  sigmoid,
  split,
  stack,
  type Tensor,
  tanh,
  zeros,
} from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { Module } from '../module/module.js';
import { uniformInit } from './init.js';

export interface LSTMState {
  /** (1, B, H) */
  h: Tensor;
  /** (1, B, H) */
  c: Tensor;
}

export interface LSTMOutput extends LSTMState {
  /** (B, T, H): the hidden state at every step. */
  output: Tensor;
}

export class LSTM extends Module {
  static override readonly typeName: string = 'LSTM';
  readonly inputSize: number;
  readonly hiddenSize: number;

  constructor(inputSize: number, hiddenSize: number) {
    super();
    if (!Number.isInteger(inputSize) || inputSize <= 0 || !Number.isInteger(hiddenSize) || hiddenSize <= 0) {
      throw new NnError(
        `LSTM: inputSize and hiddenSize must be positive integers, got ${inputSize} and ${hiddenSize}`,
      );
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    // PyTorch's init: every weight and bias ~ U(±1/√H).
    const bound = 1 / Math.sqrt(hiddenSize);
    const h4 = 4 * hiddenSize;
    this.addParameter('weight_ih_l0', [h4, inputSize], uniformInit([h4, inputSize], bound));
    this.addParameter('weight_hh_l0', [h4, hiddenSize], uniformInit([h4, hiddenSize], bound));
    this.addParameter('bias_ih_l0', [h4], uniformInit([h4], bound));
    this.addParameter('bias_hh_l0', [h4], uniformInit([h4], bound));
  }

  /** x (B, T, I), optional initial state → every hidden state and the final (h, c). */
  forward(x: Tensor, state?: LSTMState): LSTMOutput {
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new NnError(`LSTM: input must be (B, T, ${this.inputSize}), got [${x.shape.join(', ')}]`);
    }
    const [b, t] = x.shape as [number, number, number];
    const hs = this.hiddenSize;
    // The input projection for all steps at once: one matmul instead of T small ones.
    const xGates = linear(x, this.param('weight_ih_l0'), this.param('bias_ih_l0')); // (B, T, 4H)
    let h = state ? state.h.reshape([b, hs]) : zeros([b, hs], { backend: x.backend });
    let c = state ? state.c.reshape([b, hs]) : zeros([b, hs], { backend: x.backend });
    const outputs: Tensor[] = [];
    for (let step = 0; step < t; step++) {
      const gates = add(
        narrow(xGates, 1, step, 1).reshape([b, 4 * hs]),
        linear(h, this.param('weight_hh_l0'), this.param('bias_hh_l0')),
      ); // (B, 4H)
      const [i, f, g, o] = split(gates, hs, 1) as [Tensor, Tensor, Tensor, Tensor];
      c = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
      h = mul(sigmoid(o), tanh(c));
      outputs.push(h);
    }
    const output = t > 0 ? stack(outputs, 1) : zeros([b, 0, hs], { backend: x.backend }); // (B, T, H)
    return { output, h: h.reshape([1, b, hs]), c: c.reshape([1, b, hs]) };
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}, batch_first=True`;
  }
}

// A stacked LSTM over batch-first sequences, as torch.nn.LSTM(batch_first=True,
// num_layers=L): gates i, f, g, o in PyTorch's order, both bias vectors, and PyTorch's
// parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, …_l1, …), so
// PyTorch weights load unchanged. An optional mask keeps a row's state through padding
// (a left-padded prompt starts from the zero state at its first real token).
import {
  add,
  dropout,
  linear,
  mul,
  narrow,
  sigmoid,
  split,
  stack,
  sub,
  type Tensor,
  tanh,
  zeros,
} from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { pyFloat } from '../module/format.js';
import { Module } from '../module/module.js';
import { uniformInit } from './init.js';

export interface LSTMState {
  /** (numLayers, B, H) */
  h: Tensor;
  /** (numLayers, B, H) */
  c: Tensor;
}

export interface LSTMOutput extends LSTMState {
  /** (B, T, H): the last layer's hidden state at every step. */
  output: Tensor;
}

export interface LSTMOptions {
  /** Stacked layers (torch's num_layers, default 1). */
  numLayers?: number;
  /** Dropout on the outputs of every layer but the last, in training mode (torch's dropout). */
  dropout?: number;
}

export interface LSTMForwardOptions {
  /**
   * (B, T) 0/1 (any dtype): where 0, the step is padding and the row's (h, c) pass through
   * unchanged. Absent: every step is real.
   */
  mask?: Tensor | null;
}

export class LSTM extends Module {
  static override readonly typeName: string = 'LSTM';
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly dropoutP: number;

  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super();
    const numLayers = options.numLayers ?? 1;
    const p = options.dropout ?? 0;
    if (!Number.isInteger(inputSize) || inputSize <= 0 || !Number.isInteger(hiddenSize) || hiddenSize <= 0) {
      throw new NnError(
        `LSTM: inputSize and hiddenSize must be positive integers, got ${inputSize} and ${hiddenSize}`,
      );
    }
    if (!Number.isInteger(numLayers) || numLayers <= 0)
      throw new NnError(`LSTM: numLayers must be a positive integer, got ${numLayers}`);
    if (!(p >= 0 && p < 1)) throw new NnError(`LSTM: dropout must be in [0, 1), got ${p}`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.dropoutP = p;
    // PyTorch's init: every weight and bias ~ U(±1/√H).
    const bound = 1 / Math.sqrt(hiddenSize);
    const h4 = 4 * hiddenSize;
    for (let l = 0; l < numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize;
      this.addParameter(`weight_ih_l${l}`, [h4, inSize], uniformInit([h4, inSize], bound));
      this.addParameter(`weight_hh_l${l}`, [h4, hiddenSize], uniformInit([h4, hiddenSize], bound));
      this.addParameter(`bias_ih_l${l}`, [h4], uniformInit([h4], bound));
      this.addParameter(`bias_hh_l${l}`, [h4], uniformInit([h4], bound));
    }
  }

  /** x (B, T, I), optional initial state → the last layer's hidden states and the final (h, c). */
  forward(x: Tensor, state?: LSTMState | null, options: LSTMForwardOptions = {}): LSTMOutput {
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new NnError(`LSTM: input must be (B, T, ${this.inputSize}), got [${x.shape.join(', ')}]`);
    }
    const [b, t] = x.shape as [number, number, number];
    const hs = this.hiddenSize;
    const layers = this.numLayers;
    if (
      state &&
      (state.h.shape.join() !== `${layers},${b},${hs}` || state.c.shape.join() !== `${layers},${b},${hs}`)
    ) {
      throw new NnError(
        `LSTM: state h and c must be (${layers}, ${b}, ${hs}), got [${state.h.shape.join(', ')}] and [${state.c.shape.join(', ')}]`,
      );
    }
    const mask = options.mask ?? null;
    if (mask && (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== t))
      throw new NnError(`LSTM: mask must be (${b}, ${t}), got [${mask.shape.join(', ')}]`);
    // (T of (B, 1)) f32 keep-weights, one per step, shared by every layer.
    const steps = mask ? Array.from({ length: t }, (_, s) => narrow(mask, 1, s, 1).cast('f32')) : null;
    const hFinal: Tensor[] = [];
    const cFinal: Tensor[] = [];
    let input = x;
    for (let l = 0; l < layers; l++) {
      // The input projection for all steps at once: one matmul instead of T small ones.
      const xGates = linear(input, this.param(`weight_ih_l${l}`), this.param(`bias_ih_l${l}`)); // (B, T, 4H)
      const whh = this.param(`weight_hh_l${l}`);
      const bhh = this.param(`bias_hh_l${l}`);
      let h = state ? narrow(state.h, 0, l, 1).reshape([b, hs]) : zeros([b, hs], { backend: x.backend });
      let c = state ? narrow(state.c, 0, l, 1).reshape([b, hs]) : zeros([b, hs], { backend: x.backend });
      const outputs: Tensor[] = [];
      for (let step = 0; step < t; step++) {
        const gates = add(narrow(xGates, 1, step, 1).reshape([b, 4 * hs]), linear(h, whh, bhh)); // (B, 4H)
        const [i, f, g, o] = split(gates, hs, 1) as [Tensor, Tensor, Tensor, Tensor];
        let nc = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
        let nh = mul(sigmoid(o), tanh(nc));
        if (steps) {
          // state = keep·new + (1 − keep)·old: padding leaves the row's state as it was.
          const keep = steps[step]!;
          nc = add(c, mul(keep, sub(nc, c)));
          nh = add(h, mul(keep, sub(nh, h)));
        }
        c = nc;
        h = nh;
        outputs.push(h);
      }
      hFinal.push(h);
      cFinal.push(c);
      input = t > 0 ? stack(outputs, 1) : zeros([b, 0, hs], { backend: x.backend }); // (B, T, H)
      if (l < layers - 1 && this.dropoutP > 0)
        input = dropout(input, this.dropoutP, { training: this.training });
    }
    return { output: input, h: stack(hFinal, 0), c: stack(cFinal, 0) };
  }

  override extraRepr(): string {
    const layers = this.numLayers > 1 ? `, num_layers=${this.numLayers}` : '';
    const drop = this.dropoutP > 0 ? `, dropout=${pyFloat(this.dropoutP)}` : '';
    return `${this.inputSize}, ${this.hiddenSize}${layers}, batch_first=True${drop}`;
  }
}

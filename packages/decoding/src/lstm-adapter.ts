// nn's LSTMLanguageModel as a CausalLM, so `generate` / `generateStream` drive it exactly
// as they drive GPT-2: the "past" is the LSTM's (h, c) after the tokens seen so far
// instead of a KV cache, and the attention mask marks left padding, through which the
// state passes unchanged. Position ids mean nothing to an LSTM and are ignored.
import type { LSTMLanguageModel, LSTMState } from '@tensorlm/nn';
import type { Backend, Tensor } from '@tensorlm/tensor-core';
import type { CausalLM, CausalLMForwardOptions, CausalLMOutput } from './causal-lm.js';

export class LSTMCausalLM implements CausalLM<LSTMState> {
  readonly model: LSTMLanguageModel;

  constructor(model: LSTMLanguageModel) {
    this.model = model;
  }

  get vocabSize(): number {
    return this.model.config.vocabSize;
  }

  /** No positional limit: the configured longest context (only used when no state is carried). */
  get blockSize(): number {
    return this.model.config.maxLength;
  }

  get backend(): Backend {
    return this.model.encoder.weight.backend;
  }

  forward(ids: Tensor, options: CausalLMForwardOptions<LSTMState> = {}): CausalLMOutput<LSTMState> {
    // Dropout must be off while generating, whatever mode the model was left in.
    const training = this.model.training;
    if (training) this.model.eval();
    try {
      const out = this.model.forward(ids, {
        state: options.past ?? null,
        attentionMask: options.attentionMask ?? null,
        logitsToKeep: options.lastOnly ? 1 : 0,
      });
      if (!options.useCache) {
        out.state.h.dispose();
        out.state.c.dispose();
        return { logits: out.logits, past: null };
      }
      return { logits: out.logits, past: out.state };
    } finally {
      if (training) this.model.train();
    }
  }
}

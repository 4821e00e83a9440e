// The toy-grammar seed's setup for `tensorlm train grammar`: the mini GPT's shape, the
// grammar's pad id, the seed's loss convention, and the two validation figures the
// command prints. Seed material lives here, with the command that reproduces the seed,
// not in the libraries (whose causal-LM loss leaves padding out by default).
import type { GPTConfigInput } from '@tensorlm/nn';
import type { CausalLmLossOptions, LmLosses } from '@tensorlm/trainer';

/**
 * The "mini GPT" of the toy-grammar seed and of WORKLOADS W2: vocab 39, 128 positions,
 * n_embd 64, 3 layers, 8 heads (GELU tanh, pre-LN, tied head, dropout 0.1 — HF's GPT2Config defaults).
 */
export const GRAMMAR_GPT_CONFIG = {
  vocabSize: 39,
  blockSize: 128,
  nEmbd: 64,
  nLayer: 3,
  nHead: 8,
} as const satisfies GPTConfigInput;

/** The grammar tokenizer's [Pad] id. */
export const GRAMMAR_PAD_ID = 0;

/**
 * The seed's loss: it trained with labels = the padded batch, so pad positions count
 * in the mean — which is what its "0.88 after 150 steps" measures.
 */
export const GRAMMAR_LOSS = {
  padId: GRAMMAR_PAD_ID,
  padPositions: 'included',
} as const satisfies CausalLmLossOptions;

/** Both validation figures from an evaluation's metrics (causalLmTrainer reports them); NaN where missing. */
export function grammarLosses(metrics: Readonly<Record<string, number>>): LmLosses<number> {
  return {
    padIncluded: metrics.lossPadIncluded ?? Number.NaN,
    padIgnored: metrics.lossPadIgnored ?? Number.NaN,
  };
}

/** The line `train grammar` ends its training with: both figures, beside the seed's and chance. */
export function describeGrammarLosses(losses: LmLosses<number>): string {
  return (
    `validation loss: ${losses.padIncluded.toFixed(3)} with pad positions (as the seed reports it; ` +
    `it reached 0.88 after 150 steps), ${losses.padIgnored.toFixed(3)} on real tokens only ` +
    `(uniform guessing: ln ${GRAMMAR_GPT_CONFIG.vocabSize} = ${Math.log(GRAMMAR_GPT_CONFIG.vocabSize).toFixed(3)})`
  );
}

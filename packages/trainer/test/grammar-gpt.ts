// The toy-grammar seed's model shape, for the grammar end-to-end test and the benches
// (the CLI's `train grammar` has its own copy in apps/cli/src/grammar-setup.ts: seed
// material lives with its users, not in the library).
import type { GPTConfigInput } from '@tensorlm/nn';

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

/** The grammar's [Pad] id. */
export const GRAMMAR_PAD_ID = 0;

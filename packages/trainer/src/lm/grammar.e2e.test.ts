// End to end on the seeds' toy grammar (CPU): the mini GPT (vocab 39, 128 positions,
// embd 64, 3 layers, 8 heads), AdamW at lr 5e-4, batches of grammar sentences padded to
// 20 tokens with [Pad] = 0. A small batch keeps it to a few seconds; the full-size run
// (batch 512, 150+ steps) is bench/grammar-full.ts. Starting from about ln 39 ≈ 3.66 on
// the real tokens, both losses must fall within 30 steps of training on the seed's loss
// (pad positions counted, which the trainer offers as an option).
import '@tensorlm/backend-cpu';
import { GrammarSampler } from '@tensorlm/datasets';
import { GPT2LMHeadModel } from '@tensorlm/nn';
import { manualSeed, setBackend } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { GRAMMAR_GPT_CONFIG, GRAMMAR_PAD_ID } from '../../test/grammar-gpt.js';
import { padBatch, tokenBatchSource } from '../data/batch-source.js';
import { measureLmLosses } from './causal-lm.js';
import { causalLmTrainer } from './lm-trainer.js';

async function trainGrammarAsTheSeed() {
  await setBackend('cpu');
  manualSeed(0);
  const model = new GPT2LMHeadModel(GRAMMAR_GPT_CONFIG);
  const heldOut = padBatch(new GrammarSampler({ seed: 'held-out' }).batch(128), 20, GRAMMAR_PAD_ID);
  const before = await measureLmLosses(model, heldOut, { padId: GRAMMAR_PAD_ID });
  const trainer = causalLmTrainer(
    {
      model,
      train: tokenBatchSource({
        sample: (n, seed) => new GrammarSampler({ seed }).batch(n),
        batchSize: 24,
        length: 20,
        seed: 1,
      }),
      padId: GRAMMAR_PAD_ID,
      padPositions: 'included',
      progress: false,
    },
    // The seed's optimizer: torch.optim.AdamW defaults on every parameter.
    { maxSteps: 30, lr: 5e-4, optimizer: { betas: [0.9, 0.999], weightDecay: 0.01, decay: 'all' } },
  );
  const result = await trainer.run();
  const after = await measureLmLosses(model, heldOut, { padId: GRAMMAR_PAD_ID });
  heldOut.dispose();
  return { before, after, result };
}

describe('toy grammar end to end', () => {
  it("the seed's loss (pad positions counted) falls below ln(39) quickly, both figures", async () => {
    const { before, after, result } = await trainGrammarAsTheSeed();
    const ln39 = Math.log(39);
    // Untrained: the real tokens cost about ln 39 each; [Pad] → [Pad] is already cheaper
    // because the tied head makes a token's own embedding score high.
    expect(Math.abs(before.padIgnored - ln39)).toBeLessThan(0.3);
    expect(result.history.train[0]!.loss).toBeGreaterThan(result.trainLoss + 0.5);
    expect(after.padIgnored).toBeLessThan(ln39 - 0.3);
    expect(after.padIncluded).toBeLessThan(2.4);
    // Padding is the easy part (after [End] comes [Pad], always), so including it lowers the mean.
    expect(after.padIncluded).toBeLessThan(after.padIgnored);
    expect(result.tokensSeen).toBe(30 * 24 * 20);
  });
});

// The masked LM trained in the page: `tensorlm train mlm`'s small grammar BERT (2 post-LN
// layers, hidden 64, 4 heads, feed-forward 256, 32 positions; apps/cli/src/grammar-mlm.ts,
// copied, not imported: the CLI package reaches node: modules), its tokenizer (the five
// BERT specials, then the grammar's words, one WordPiece piece each), BERT's masking
// (datasets' MlmMasking: 15 % chosen; 80 % [MASK], 10 % random, 10 % kept) over batches
// that are a pure function of (seed, index), and the CLI's optimisation: AdamW with
// weight decay on linear weights only, a 10 % warmup then a cosine to lr / 10, gradients
// clipped to norm 1. One difference: rows are padded to a fixed width (see trainStep).
import { Grammar, GrammarSampler, MlmMasking, Rng, SEED_GRAMMAR } from '@tensorlm/datasets';
import { BertForMaskedLM } from '@tensorlm/nn';
import { disposeTensors, manualSeed, tidy } from '@tensorlm/tensor-core';
import { WordPieceTokenizer } from '@tensorlm/tokenizers';
import {
  AdamW,
  clipGradNorm,
  type LrSchedule,
  maskedLmLoss,
  warmupCosineLr,
  weightDecayGroups,
} from '@tensorlm/trainer';
import type { MlmSettings } from '../state/settings.js';

const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
/** Ids per training row: every grammar sentence fits, [CLS] and [SEP] included. */
const FIXED_LENGTH = 24;

export function grammarBertTokenizer(grammar: Grammar): WordPieceTokenizer {
  const specials = Object.values(grammar.spec.specials);
  const words = grammar.vocab.filter((token) => !specials.includes(token));
  return new WordPieceTokenizer({ tokens: [...BERT_SPECIAL_TOKENS, ...words] });
}

export class MlmSession {
  readonly grammar = new Grammar(SEED_GRAMMAR);
  readonly tokenizer = grammarBertTokenizer(this.grammar);
  readonly model: BertForMaskedLM;
  private readonly optimizer: AdamW;
  private readonly schedule: LrSchedule;
  private readonly masking: MlmMasking;
  private readonly loss = maskedLmLoss();
  step = 0;

  constructor(readonly settings: MlmSettings) {
    manualSeed(settings.seed);
    this.model = new BertForMaskedLM({
      vocabSize: this.tokenizer.vocabSize,
      hiddenSize: 64,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      intermediateSize: 256,
      maxPositionEmbeddings: 32,
      padTokenId: 0,
      hiddenDropoutProb: 0,
      attentionProbsDropoutProb: 0,
    });
    const { groups } = weightDecayGroups(this.model, { weightDecay: 0.01 });
    this.optimizer = new AdamW(groups, { lr: settings.lr, betas: [0.9, 0.999] });
    this.schedule = warmupCosineLr({
      lr: settings.lr,
      warmupSteps: Math.max(1, Math.round(settings.steps / 10)),
      decaySteps: settings.steps,
      minLr: settings.lr / 10,
    });
    const specialIds: number[] = [];
    for (let id = 0; id < this.tokenizer.vocabSize; id++)
      if (this.tokenizer.isSpecialId(id)) specialIds.push(id);
    this.masking = new MlmMasking({
      maskTokenId: this.tokenizer.maskTokenId!,
      padId: this.tokenizer.padTokenId!,
      vocabSize: this.tokenizer.vocabSize,
      specialIds,
    });
  }

  /** One optimizer step on batch `step` (its sentences and masks seeded by (seed, step)). */
  async trainStep(): Promise<{ step: number; loss: number; tokens: number }> {
    const { seed, batch: size } = this.settings;
    const sampler = new GrammarSampler({ seed: [seed, 'sentences', this.step] });
    const rows = Array.from({ length: size }, () => this.tokenizer.encode(sampler.sentence().join(' ')));
    // One fixed width (the longest grammar sentence is 21 words + [CLS] and [SEP]) rather
    // than the batch's longest, as the CLI pads: every step then has the same shapes, so
    // WebGPU compiles its pipelines once instead of once per new length.
    const length = Math.max(FIXED_LENGTH, ...rows.map((r) => r.length));
    const batch = this.masking.collate(rows, new Rng([seed, 'mask', this.step]), { length });
    try {
      this.model.train();
      this.optimizer.setLr(this.schedule(this.step));
      const loss = tidy(() => {
        const l = this.loss(this.model, batch);
        l.backward();
        return l.detach();
      });
      const value = await loss.item();
      loss.dispose();
      if (!Number.isFinite(value)) {
        this.optimizer.zeroGrad();
        throw new Error(
          `the masked LM's loss became ${value} at step ${this.step + 1}; lower the learning rate`,
        );
      }
      clipGradNorm(this.model.parameters(), 1).dispose();
      this.optimizer.step();
      this.optimizer.zeroGrad();
      this.step += 1;
      return { step: this.step, loss: value, tokens: rows.reduce((n, r) => n + r.length, 0) };
    } finally {
      disposeTensors(batch);
    }
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

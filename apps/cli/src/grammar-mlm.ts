// The toy grammar as a masked-LM task, for `tensorlm train mlm`: the small BERT's shape,
// a BERT tokenizer whose vocabulary is the grammar's words (a WordPiece vocabulary in
// which every word is one piece, so it saves and loads as Hugging Face's BertTokenizer
// with [PAD] [UNK] [CLS] [SEP] [MASK] and the [CLS] A [SEP] template), seeded masked
// batches that are a pure function of their index (so a resumed run sees the same data),
// and the fill-mask check: mask one word of held-out sentences, put the model's top
// answers back and ask the grammar's own parser whether the sentence is a sentence again.
import { Grammar, GrammarSampler, type MlmBatch, MlmMasking, Rng, SEED_GRAMMAR } from '@tensorlm/datasets';
import type { BertConfigInput } from '@tensorlm/nn';
import { noGrad, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { type Tokenizer, WordPieceTokenizer } from '@tensorlm/tokenizers';
import { type IndexedBatchSource, indexedSource } from '@tensorlm/trainer';
import { CommandFailure } from './errors.js';

/** BERT's special tokens, in bert-base-uncased's order of roles. */
export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * The small BERT of `train mlm` on the grammar: 2 post-LN layers, hidden 64, 4 heads,
 * feed-forward 256, 32 positions (the longest sentence is 21 words + [CLS] and [SEP]);
 * vocabSize is the tokenizer's (5 specials + the grammar's 37 words).
 */
export function grammarBertConfig(vocabSize: number): BertConfigInput {
  return {
    vocabSize,
    hiddenSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    intermediateSize: 256,
    maxPositionEmbeddings: 32,
    padTokenId: 0,
  };
}

/** The grammar's BERT tokenizer: the five specials, then the grammar's words in its order. */
export function grammarBertTokenizer(grammar: Grammar = new Grammar(SEED_GRAMMAR)): WordPieceTokenizer {
  const words = grammar.vocab.filter((token) => !Object.values(grammar.spec.specials).includes(token));
  return new WordPieceTokenizer({ tokens: [...BERT_SPECIAL_TOKENS, ...words] });
}

/** BERT's masking of a tokenizer's ids (its special tokens never masked); it needs [MASK] and [PAD]. */
export function bertMasking(tokenizer: Tokenizer, name: string): MlmMasking {
  const { maskTokenId, padTokenId } = tokenizer;
  if (maskTokenId === undefined || padTokenId === undefined)
    throw new CommandFailure(
      'CLI_TOKENIZER_NOT_MLM',
      `the tokenizer ${name} has no ${maskTokenId === undefined ? 'mask' : 'pad'} token, which a masked LM needs (a BERT vocabulary has [MASK] and [PAD])`,
    );
  const specialIds: number[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) if (tokenizer.isSpecialId(id)) specialIds.push(id);
  return new MlmMasking({ maskTokenId, padId: padTokenId, vocabSize: tokenizer.vocabSize, specialIds });
}

/**
 * Masked batches of grammar sentences: batch `i` draws `batchSize` sentences and their
 * masking from seeds derived from (seed, i), so it is the same batch after a resume.
 */
export function grammarMlmBatches(
  tokenizer: Tokenizer,
  options: { batchSize: number; seed: number },
): IndexedBatchSource<MlmBatch> {
  const masking = bertMasking(tokenizer, 'grammar');
  return indexedSource((index) => {
    const sampler = new GrammarSampler({ seed: [options.seed, 'sentences', index] });
    const rows = Array.from({ length: options.batchSize }, () =>
      tokenizer.encode(sampler.sentence().join(' ')),
    );
    return masking.collate(rows, new Rng([options.seed, 'mask', index]));
  });
}

/** One masked sentence of the check and what the model put back. */
export interface FillMaskCase {
  /** The sentence with `[MASK]` in place of the hidden word. */
  masked: string;
  hidden: string;
  /** The model's top answers, best first. */
  answers: string[];
  /** Which answers make the sentence grammatical again. */
  grammatical: boolean[];
  /** How many of the grammar's words would (e.g. 2 for an article: 'the', 'a'). */
  fitting: number;
}

/** What the check runs: BertForMaskedLM, or anything with its forward and train / eval modes. */
export interface MaskedLmForward {
  forward(ids: Tensor, options: { attentionMask: Tensor }): { logits: Tensor };
  eval(): unknown;
  train(mode?: boolean): unknown;
  readonly training: boolean;
}

export interface FillMaskCheck {
  cases: FillMaskCase[];
  /** Cases whose top answer is grammatical. */
  top1: number;
  /** Cases whose every one of the top k answers is grammatical. */
  allTopK: number;
  /**
   * Cases whose top min(k, fitting) answers are all grammatical: where the grammar allows
   * fewer than k words (an article: 'the' or 'a'; 'that'), no model can do better.
   */
  allTopFitting: number;
  k: number;
}

/**
 * The fill-mask check of the trained model: `count` sentences from a sampler seeded with
 * `seed` (not the training seed), one word each masked at a seeded random position; the
 * top `k` answers (logits at the mask) are substituted back and parsed by the grammar.
 */
export async function grammarFillMaskCheck(
  model: MaskedLmForward,
  tokenizer: Tokenizer,
  options: { count?: number; k?: number; seed: number; grammar?: Grammar },
): Promise<FillMaskCheck> {
  const grammar = options.grammar ?? new Grammar(SEED_GRAMMAR);
  const count = options.count ?? 200;
  const k = options.k ?? 5;
  const sampler = new GrammarSampler({ grammar, seed: [options.seed, 'fill-mask sentences'] });
  const rng = new Rng([options.seed, 'fill-mask positions']);
  const maskId = tokenizer.maskTokenId!;
  const sentences = Array.from({ length: count }, () => sampler.sentence());
  const positions = sentences.map((words) => rng.int(words.length));
  const rows = sentences.map((words, i) => {
    const ids = tokenizer.encode(words.join(' '));
    ids[positions[i]! + 1] = maskId; // +1: after [CLS]
    return ids;
  });
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new Int32Array(count * width).fill(tokenizer.padTokenId ?? 0);
  const attention = new Int32Array(count * width);
  rows.forEach((row, b) => {
    ids.set(row, b * width);
    attention.fill(1, b * width, b * width + row.length);
  });
  const vocab = tokenizer.vocabSize;
  const wasTraining = model.training;
  model.eval();
  const input = tensor(ids, [count, width], { dtype: 'i32' });
  const mask = tensor(attention, [count, width], { dtype: 'i32' });
  let logits: Float32Array;
  try {
    const out = noGrad(() => tidy(() => model.forward(input, { attentionMask: mask }).logits));
    try {
      logits = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  } finally {
    input.dispose();
    mask.dispose();
    model.train(wasTraining);
  }
  const wordList = grammar.vocab.filter((t) => !Object.values(grammar.spec.specials).includes(t));
  const cases = sentences.map((words, b): FillMaskCase => {
    const at = positions[b]!;
    const offset = (b * width + at + 1) * vocab;
    const scores = logits.subarray(offset, offset + vocab);
    const order = Array.from({ length: vocab }, (_, i) => i).sort((x, y) => scores[y]! - scores[x]!);
    const answers = order.slice(0, k).map((id) => tokenizer.idToToken(id) ?? '');
    const fits = (word: string) => grammar.accepts(words.map((w, i) => (i === at ? word : w)));
    const grammatical = answers.map((word) => wordList.includes(word) && fits(word));
    return {
      masked: words.map((w, i) => (i === at ? '[MASK]' : w)).join(' '),
      hidden: words[at]!,
      answers,
      grammatical,
      fitting: wordList.filter(fits).length,
    };
  });
  return {
    cases,
    top1: cases.filter((c) => c.grammatical[0]).length,
    allTopK: cases.filter((c) => c.grammatical.every(Boolean)).length,
    allTopFitting: cases.filter((c) => c.grammatical.slice(0, Math.min(k, c.fitting)).every(Boolean)).length,
    k,
  };
}

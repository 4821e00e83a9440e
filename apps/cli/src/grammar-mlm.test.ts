// The grammar masked-LM pieces without training: the tokenizer's layout and template, the
// masked batches (pure functions of their index, specials never masked), and the
// fill-mask check's plumbing, driven by a fake model whose answers are fixed, against
// facts of the grammar a reader can verify by hand (any noun can stand for a noun; only
// 'the' and 'a' for an article; only 'that' for 'that').
import '@tensorlm/backend-cpu';
import { SEED_GRAMMAR } from '@tensorlm/datasets';
import { setBackend, type Tensor, tensor } from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  grammarBertTokenizer,
  grammarFillMaskCheck,
  grammarMlmBatches,
  type MaskedLmForward,
} from './grammar-mlm.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const tokenizer = grammarBertTokenizer();

/** A model whose logits rank `answers` first, in order, at every position. */
function fixedAnswers(answers: string[]): MaskedLmForward {
  const vocab = tokenizer.vocabSize;
  let training = false;
  return {
    forward(ids: Tensor): { logits: Tensor } {
      const [b, t] = ids.shape as [number, number];
      const row = new Float32Array(vocab);
      answers.forEach((word, rank) => {
        row[tokenizer.tokenToId(word)!] = answers.length - rank;
      });
      const data = new Float32Array(b * t * vocab);
      for (let i = 0; i < b * t; i++) data.set(row, i * vocab);
      return { logits: tensor(data, [b, t, vocab]) };
    },
    eval: () => {
      training = false;
    },
    train: (mode = true) => {
      training = mode;
    },
    get training() {
      return training;
    },
  };
}

describe('the grammar masked LM', () => {
  it('has a BERT tokenizer: five specials, then the 37 words, one id each, [CLS] … [SEP]', () => {
    expect(tokenizer.vocabSize).toBe(42);
    expect([0, 1, 2, 3, 4].map((id) => tokenizer.idToToken(id))).toEqual([
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
    ]);
    const ids = tokenizer.encode('the [MASK] saw a cat');
    expect(ids.map((id) => tokenizer.idToToken(id))).toEqual([
      '[CLS]',
      'the',
      '[MASK]',
      'saw',
      'a',
      'cat',
      '[SEP]',
    ]);
  });

  it('makes masked batches that depend only on (seed, index) and never mask a special token', async () => {
    const a = grammarMlmBatches(tokenizer, { batchSize: 32, seed: 5 });
    const b = grammarMlmBatches(tokenizer, { batchSize: 32, seed: 5 });
    await a.next();
    const second = await a.next();
    b.restore({ index: 1 });
    const again = await b.next();
    expect([...(await second.labels.data())]).toEqual([...(await again.labels.data())]);
    const ids = [...(await second.inputIds.data())];
    const labels = [...(await second.labels.data())];
    const attention = [...(await second.attentionMask.data())];
    let labelled = 0;
    labels.forEach((label, i) => {
      if (label === -100) return;
      labelled++;
      expect(label).toBeGreaterThanOrEqual(5); // a word, never [PAD] [UNK] [CLS] [SEP] [MASK]
      expect(attention[i]).toBe(1);
    });
    expect(labelled).toBeGreaterThan(0);
    // Every row starts with [CLS] (never masked).
    const width = second.inputIds.shape[1]!;
    for (let r = 0; r < 32; r++) expect(ids[r * width]).toBe(2);
  });

  it('checks fill-mask answers with the grammar: nouns fit noun slots, only the/a articles, only that', async () => {
    const nouns = SEED_GRAMMAR.words.N.slice(0, 5);
    const check = await grammarFillMaskCheck(fixedAnswers(nouns), tokenizer, { count: 120, seed: 3 });
    expect(check.cases).toHaveLength(120);
    expect(check.k).toBe(5);
    const kind = (word: string) =>
      Object.entries(SEED_GRAMMAR.words).find(([, words]) => (words as string[]).includes(word))![0];
    const seen = new Set<string>();
    for (const c of check.cases) {
      expect(c.masked.split(' ').filter((w) => w === '[MASK]')).toHaveLength(1);
      expect(c.answers).toEqual(nouns);
      const slot = kind(c.hidden);
      seen.add(slot);
      if (slot === 'N') {
        expect(c.grammatical).toEqual([true, true, true, true, true]);
        expect(c.fitting).toBe(10);
      }
      if (slot === 'Art') {
        expect(c.grammatical).toEqual([false, false, false, false, false]);
        expect(c.fitting).toBe(2);
      }
      if (slot === 'Conj') expect(c.fitting).toBe(1);
      if (slot === 'IV' || slot === 'TV') expect(c.grammatical[0]).toBe(false);
    }
    expect([...seen].sort()).toEqual(['Adj', 'Art', 'Conj', 'IV', 'N', 'TV']);
    const nounSlots = check.cases.filter((c) => kind(c.hidden) === 'N').length;
    // Only a noun slot takes a noun ("a big cat ran" → "a cat cat ran" is no sentence).
    expect(check.top1).toBe(nounSlots);
    expect(check.allTopK).toBe(nounSlots);
    expect(check.allTopFitting).toBe(nounSlots);
  });

  it('counts all of the top fitting answers where fewer than k words fit', async () => {
    const check = await grammarFillMaskCheck(fixedAnswers(['the', 'a', 'cat', 'dog', 'fox']), tokenizer, {
      count: 120,
      seed: 3,
    });
    const articles = check.cases.filter((c) => c.hidden === 'the' || c.hidden === 'a');
    expect(articles.length).toBeGreaterThan(10);
    for (const c of articles) expect(c.grammatical.slice(0, 2)).toEqual([true, true]);
    // Article slots: the top 2 (all that fit) are right; the top 5 can never all be.
    expect(check.allTopFitting).toBe(articles.length);
    expect(check.allTopK).toBe(0);
  });
});

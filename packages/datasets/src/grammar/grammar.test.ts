import '@tensorlm/backend-cpu';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../loader/data-loader.js';
import { causalLmCollate } from '../loader/pad.js';
import { Rng } from '../random/rng.js';
import { Grammar } from './grammar.js';
import { GrammarSampler } from './sampler.js';
import { SEED_GRAMMAR } from './seed-grammar.js';

// An independent recognizer for the seed grammar, written by hand as recursive descent,
// to check the Earley parser against.
const is = (category: keyof typeof SEED_GRAMMAR.words) => {
  const set = new Set<string>(SEED_GRAMMAR.words[category]);
  return (w: string | undefined) => w !== undefined && set.has(w);
};
const [N, IV, TV, Adj, Art, Conj] = (['N', 'IV', 'TV', 'Adj', 'Art', 'Conj'] as const).map(is) as [
  ReturnType<typeof is>,
  ReturnType<typeof is>,
  ReturnType<typeof is>,
  ReturnType<typeof is>,
  ReturnType<typeof is>,
  ReturnType<typeof is>,
];
function nounPhrase(w: string[], i: number): number[] {
  if (!Art(w[i])) return [];
  const ends: number[] = [];
  if (N(w[i + 1])) ends.push(i + 2);
  if (Adj(w[i + 1]) && N(w[i + 2])) ends.push(i + 3);
  if (Adj(w[i + 1]) && Adj(w[i + 2]) && N(w[i + 3])) ends.push(i + 4);
  if (N(w[i + 1]) && Conj(w[i + 2]) && IV(w[i + 3])) ends.push(i + 4);
  return ends;
}
function verbPhrase(w: string[], i: number): number[] {
  const ends: number[] = [];
  if (IV(w[i])) ends.push(i + 1);
  if (TV(w[i])) ends.push(...nounPhrase(w, i + 1));
  if (TV(w[i]) && Conj(w[i + 1])) {
    for (const e of nounPhrase(w, i + 2)) ends.push(...verbPhrase(w, e));
  }
  return ends;
}
const oracle = (w: string[]) =>
  w.length > 0 && nounPhrase(w, 0).some((e) => verbPhrase(w, e).includes(w.length));

describe('the seed grammar', () => {
  const grammar = Grammar.seed();

  it('has 37 words + [End] + pad: 39 ids', () => {
    expect(grammar.vocabSize).toBe(39);
    expect(grammar.vocab.slice(0, 2)).toEqual(['[Pad]', '[End]']);
    expect([grammar.padId, grammar.endId]).toEqual([0, 1]);
    expect(new Set(grammar.vocab.slice(2)).size).toBe(37);
    expect(grammar.encode('the cat ran')).toEqual([
      grammar.vocab.indexOf('the'),
      grammar.vocab.indexOf('cat'),
      grammar.vocab.indexOf('ran'),
      1,
    ]);
    expect(grammar.decode(grammar.encode(['a', 'dog', 'slept']))).toEqual(['a', 'dog', 'slept', '[End]']);
  });

  it('accepts all of 10,000 sampled sentences, each ending in [End]', () => {
    const sampler = new GrammarSampler({ seed: 2024 });
    let longest = 0;
    for (let i = 0; i < 10_000; i++) {
      const ids = sampler.next();
      expect(ids.at(-1)).toBe(grammar.endId);
      const words = grammar.decode(ids.slice(0, -1));
      longest = Math.max(longest, words.length);
      if (!grammar.accepts(words) || !grammar.acceptsIds(ids))
        throw new Error(`rejected: ${words.join(' ')}`);
    }
    // NP (≤ 4) + two recursive VPs (TV that NP: ≤ 6 each) + TV NP (≤ 5) = 21 words.
    expect(longest).toBeLessThanOrEqual(21);
  });

  it('rejects hand-written non-sentences and accepts hand-written sentences', () => {
    for (const bad of [
      'the cat saw',
      'cat the ran',
      'the cat',
      '',
      'ran',
      'the big big big cat ran',
      'the cat ran ran',
      'the cat that ran',
      'the cat that saw ran',
      'the cat saw that the dog',
      'a dog saw that',
      'the unicorn ran',
    ]) {
      expect(grammar.accepts(bad), bad).toBe(false);
    }
    for (const good of [
      'the cat ran',
      'a big dog saw the small fox',
      'the cat that ran saw that a dog jumped',
      'the cat saw that the dog saw that a tall thin bird flew',
      'a zebra heard a giraffe that danced',
    ]) {
      expect(grammar.accepts(good), good).toBe(true);
    }
    expect(grammar.acceptsIds([...grammar.encode('the cat ran'), 1, 0, 0])).toBe(true);
    expect(grammar.acceptsIds([...grammar.encode('the cat ran'), 5])).toBe(false);
    expect(grammar.acceptsIds([...grammar.encode('the cat ran', false), 99])).toBe(false);
  });

  it('agrees with an independent recursive-descent recognizer on 3,000 perturbed sequences', () => {
    const rng = new Rng(11);
    const sampler = new GrammarSampler({ seed: 5 });
    const words = grammar.vocab.slice(2);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const w = sampler.sentence();
      const edit = rng.int(4);
      const at = rng.int(w.length);
      if (edit === 1) w.splice(at, 1);
      else if (edit === 2) w.splice(at, 0, rng.choice(words));
      else if (edit === 3) w[at] = rng.choice(words);
      const expected = oracle(w);
      if (expected) accepted++;
      expect(grammar.accepts(w), w.join(' ')).toBe(expected);
    }
    // Both outcomes were exercised.
    expect(accepted).toBeGreaterThan(500);
    expect(accepted).toBeLessThan(2900);
  });

  it('chooses alternatives uniformly and never recurses at maxDepth', () => {
    const sampler = new GrammarSampler({ seed: 9 });
    const n = 10_000;
    const subject = [0, 0, 0, 0];
    const verb = [0, 0, 0];
    let twoDeep = 0;
    for (let i = 0; i < n; i++) {
      const w = sampler.sentence();
      const k = N(w[1]) ? (Conj(w[2]) ? 3 : 0) : Adj(w[2]) ? 2 : 1;
      subject[k]!++;
      const v = k === 0 ? 2 : k === 1 ? 3 : 4;
      verb[IV(w[v]) ? 0 : Conj(w[v + 1]) ? 2 : 1]!++;
      // Recursion through VP → TV Conj NP VP happens at levels 1 and 2 only.
      const recursions = w.filter((word, j) => Conj(word) && TV(w[j - 1])).length;
      expect(recursions).toBeLessThanOrEqual(2);
      if (recursions === 2) twoDeep++;
    }
    for (const c of subject) expect(c / n).toBeCloseTo(0.25, 1);
    for (const c of verb) expect(Math.abs(c / n - 1 / 3)).toBeLessThan(0.02);
    expect(Math.abs(twoDeep / n - 1 / 9)).toBeLessThan(0.015);
    // maxDepth 0: no phrase ever takes its last alternative, so 'that' never appears.
    const flat = new GrammarSampler({ seed: 1, maxDepth: 0 });
    for (let i = 0; i < 500; i++) expect(flat.sentence()).not.toContain('that');
  });

  it('is deterministic for a seed', () => {
    const a = new GrammarSampler({ seed: 3 }).batch(20);
    expect(new GrammarSampler({ seed: 3 }).batch(20)).toEqual(a);
    expect(new GrammarSampler({ seed: 4 }).batch(20)).not.toEqual(a);
  });

  it('streams padded next-token batches through a DataLoader, forever', async () => {
    const sampler = new GrammarSampler({ seed: 0 });
    const loader = new DataLoader(sampler, { batchSize: 16, collate: causalLmCollate({ padId: 0 }) });
    let steps = 0;
    for await (const batch of loader) {
      expect(batch.input.shape[0]).toBe(16);
      expect(batch.input.shape).toEqual(batch.target.shape);
      const target = await batch.target.data();
      expect(target.includes(1)).toBe(true); // every row predicts its [End]
      for (const t of [batch.input, batch.target, batch.mask]) t.dispose();
      if (++steps === 3) break;
    }
    const batches = sampler.batches(4);
    expect(batches.next().value).toHaveLength(4);
  });
});

describe('grammar validation', () => {
  it('names a symbol that does not resolve', () => {
    expect(
      () =>
        new Grammar({
          rules: { S: [['NP', 'VP']], NP: [['Art', 'Noun']], VP: [['IV']] },
          words: { Art: ['the'], N: ['cat'], IV: ['ran'] },
        }),
    ).toThrow(/rule NP → Art Noun: symbol 'Noun' is not defined/);
  });

  it('names other problems: start, empty lists, clashes, endless recursion, bad shape', () => {
    expect(() => new Grammar({ start: 'X', rules: { S: [['N']] }, words: { N: ['cat'] } })).toThrow(
      /start symbol 'X' has no rule/,
    );
    expect(() => new Grammar({ rules: { S: [['N']] }, words: { N: [] } })).toThrow(
      /words.N: a word list needs a word/,
    );
    expect(() => new Grammar({ rules: { S: [['N']], N: [['N']] }, words: { N: ['cat'] } })).toThrow(
      /'N' is both a phrase rule and a word list/,
    );
    expect(() => new Grammar({ rules: { S: [['S', 'N']] }, words: { N: ['cat'] } })).toThrow(
      /S can never end in words/,
    );
    expect(() => new Grammar({ rules: { S: [['N']] }, words: { N: ['[End]'] } })).toThrow(
      /special token '\[End\]'/,
    );
    expect(() => new Grammar({ rules: 'S -> NP VP' })).toThrow(/grammar: rules/);
    expect(() => Grammar.seed().encode('the cat purred')).toThrow(/'purred' is not in the vocabulary/);
  });

  it('reports a grammar that still recurses at maxDepth', () => {
    const g = new Grammar({ rules: { S: [['N', 'S'], ['N']] }, words: { N: ['cat'] } });
    // The last alternative is the terminating one here, so past maxDepth sampling cannot end.
    expect(() => g.sample(new Rng(0), 0)).toThrow(/still unfinished/);
  });
});

// A probabilistic context-free grammar as data: phrase rules, word lists (the
// pre-terminal categories) and the special tokens, validated with zod and checked so
// that every symbol resolves and every phrase can end in words.
import { z } from 'zod';
import { DatasetError, parseWith } from '../errors.js';

const symbol = z.string().regex(/^\S+$/, 'must be a non-empty name without whitespace');

export const grammarSpecSchema = z.object({
  /** The start symbol (default 'S'). */
  start: symbol.default('S'),
  /** Phrase rules: symbol → alternatives, each a non-empty list of symbols (chosen uniformly). */
  rules: z.record(symbol, z.array(z.array(symbol).min(1, 'an alternative needs a symbol')).min(1)),
  /** Word lists: category → words (chosen uniformly). Their order fixes the vocabulary ids. */
  words: z.record(symbol, z.array(symbol).min(1, 'a word list needs a word')),
  /** Special tokens, given ids 0 (pad) and 1 (end) before the words. */
  specials: z
    .object({ pad: symbol.default('[Pad]'), end: symbol.default('[End]') })
    .default({ pad: '[Pad]', end: '[End]' }),
});

export type GrammarSpecInput = z.input<typeof grammarSpecSchema>;
export type GrammarSpec = z.output<typeof grammarSpecSchema>;

function describe(lhs: string, alternative: readonly string[]): string {
  return `rule ${lhs} → ${alternative.join(' ')}`;
}

/** Validates a grammar: shape (zod), then symbols resolving, no clashes, and every phrase productive. */
export function parseGrammarSpec(input: unknown): GrammarSpec {
  const spec = parseWith(grammarSpecSchema, input, 'grammar');
  const phrases = Object.keys(spec.rules);
  const categories = Object.keys(spec.words);
  for (const name of phrases) {
    if (name in spec.words) {
      throw new DatasetError(`grammar: '${name}' is both a phrase rule and a word list`);
    }
  }
  if (!(spec.start in spec.rules)) {
    throw new DatasetError(
      `grammar: the start symbol '${spec.start}' has no rule (rules: ${phrases.join(', ') || 'none'})`,
    );
  }
  for (const [lhs, alternatives] of Object.entries(spec.rules)) {
    for (const alternative of alternatives) {
      for (const sym of alternative) {
        if (!(sym in spec.rules) && !(sym in spec.words)) {
          throw new DatasetError(
            `grammar: ${describe(lhs, alternative)}: symbol '${sym}' is not defined ` +
              `(rules: ${phrases.join(', ')}; word lists: ${categories.join(', ') || 'none'})`,
          );
        }
      }
    }
  }
  const { pad, end } = spec.specials;
  if (pad === end) throw new DatasetError(`grammar: specials.pad and specials.end are both '${pad}'`);
  for (const [category, words] of Object.entries(spec.words)) {
    for (const word of words) {
      if (word === pad || word === end) {
        throw new DatasetError(`grammar: word list ${category} contains the special token '${word}'`);
      }
    }
  }
  // A phrase is productive when some alternative has only word lists and productive phrases;
  // an unproductive one would make the sampler expand forever.
  const productive = new Set<string>(categories);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [lhs, alternatives] of Object.entries(spec.rules)) {
      if (!productive.has(lhs) && alternatives.some((alt) => alt.every((s) => productive.has(s)))) {
        productive.add(lhs);
        changed = true;
      }
    }
  }
  const stuck = phrases.filter((p) => !productive.has(p));
  if (stuck.length > 0) {
    throw new DatasetError(
      `grammar: ${stuck.join(', ')} can never end in words (every alternative recurses)`,
    );
  }
  return spec;
}

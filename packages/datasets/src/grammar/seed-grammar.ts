// The seeds' toy grammar, as data: 10 nouns, 9 intransitive and 3 transitive verbs,
// 12 adjectives, 2 articles and 'that' — 37 words, 39 ids with [Pad] and [End].
import type { GrammarSpecInput } from './spec.js';

export const SEED_GRAMMAR = {
  start: 'S',
  rules: {
    S: [['NP', 'VP']],
    NP: [
      ['Art', 'N'],
      ['Art', 'Adj', 'N'],
      ['Art', 'Adj', 'Adj', 'N'],
      ['Art', 'N', 'Conj', 'IV'],
    ],
    VP: [['IV'], ['TV', 'NP'], ['TV', 'Conj', 'NP', 'VP']],
  },
  words: {
    N: ['cat', 'dog', 'fox', 'bird', 'horse', 'sheep', 'cow', 'bear', 'zebra', 'giraffe'],
    IV: ['ran', 'jumped', 'swam', 'flew', 'walked', 'slept', 'sat', 'stood', 'danced'],
    TV: ['saw', 'heard', 'smelled'],
    Adj: [
      'big',
      'small',
      'tall',
      'short',
      'long',
      'wide',
      'fat',
      'thin',
      'round',
      'square',
      'smart',
      'pretty',
    ],
    Art: ['the', 'a'],
    Conj: ['that'],
  },
  specials: { pad: '[Pad]', end: '[End]' },
} satisfies GrammarSpecInput;

// Word-level tokenizer: a fixed dictionary (the toy grammar's words with [End] and a
// pad), or one trained from a corpus with a minimum frequency (<pad> = 0, <unk> = 1),
// with optional text standardisation before splitting.
import { z } from 'zod';
import { BaseTokenizer } from '../core/base.js';
import { suffixTemplate } from '../core/template.js';
import type { ExplainPart, SpecialTokens, TokenizerJSON } from '../core/types.js';
import { parseWith } from '../core/validate.js';
import { TokenizerError } from '../errors.js';
import { type StandardizeOptions, standardize, standardizeSchema } from './standardize.js';

const roleSchema = z.enum(['pad', 'unk', 'bos', 'eos', 'cls', 'sep', 'mask']);

const commonShape = {
  /** Special tokens by role. Those missing from a fixed vocabulary are appended to it. */
  specialTokens: z.partialRecord(roleSchema, z.string()).optional(),
  standardize: standardizeSchema.optional(),
  /**
   * `whitespace`: words are what lies between spaces. `punctuation`: punctuation marks are
   * words too (the seeds' SimpleTokenizer: `([,.:;?_!"()']|--|\s)`).
   */
  split: z.enum(['whitespace', 'punctuation']).optional(),
  /** Append the eos token after each sequence when adding special tokens (e.g. `[End]`). */
  appendEos: z.boolean().optional(),
};

const fixedSchema = z.strictObject(commonShape);
const trainSchema = z.strictObject({
  ...commonShape,
  /** Words seen fewer times are left out (they encode as <unk>). Default 1. */
  minFreq: z.number().int().positive().optional(),
  /** Keep at most this many ids, special tokens included. */
  maxVocabSize: z.number().int().positive().optional(),
});

export type WordTokenizerOptions = z.input<typeof fixedSchema>;
export type WordTrainOptions = z.input<typeof trainSchema>;

const jsonSchema = z.looseObject({
  kind: z.literal('word'),
  version: z.literal(1),
  vocab: z.array(z.string()),
  specialTokens: z.partialRecord(roleSchema, z.string()),
  standardize: standardizeSchema.optional(),
  split: z.enum(['whitespace', 'punctuation']),
  appendEos: z.boolean(),
});

interface WordConfig {
  specialTokens: SpecialTokens;
  standardize: StandardizeOptions | undefined;
  split: 'whitespace' | 'punctuation';
  appendEos: boolean;
}

const PUNCTUATION_SPLIT = /([,.:;?_!"()']|--|\s)/;

export class WordTokenizer extends BaseTokenizer {
  readonly kind = 'word';
  readonly split: 'whitespace' | 'punctuation';
  readonly standardizeOptions: Readonly<StandardizeOptions> | undefined;
  readonly appendEos: boolean;
  private readonly unkId: number | undefined;

  private constructor(vocab: readonly string[], config: WordConfig) {
    const eos = config.specialTokens.eos;
    if (config.appendEos && eos === undefined)
      throw new TokenizerError('appendEos needs an eos special token');
    super({
      tokens: vocab,
      specialTokens: config.specialTokens,
      ...(config.appendEos && eos !== undefined ? { template: suffixTemplate(eos) } : {}),
    });
    this.split = config.split;
    this.standardizeOptions = config.standardize;
    this.appendEos = config.appendEos;
    this.unkId = this.unkTokenId;
  }

  /** A fixed dictionary: id = index in `words`. */
  static fromVocab(words: readonly string[], options: WordTokenizerOptions = {}): WordTokenizer {
    const opts = parseWith(fixedSchema, options, 'word tokenizer options');
    if (!Array.isArray(words))
      throw new TokenizerError('WordTokenizer.fromVocab: words must be an array of strings');
    const vocab = [...words];
    vocab.forEach((word, i) => {
      if (typeof word !== 'string' || word === '') {
        throw new TokenizerError(`vocab[${i}] must be a non-empty string, got ${JSON.stringify(word)}`);
      }
    });
    for (const token of Object.values(opts.specialTokens ?? {}))
      if (!vocab.includes(token)) vocab.push(token);
    return new WordTokenizer(vocab, configOf(opts));
  }

  /**
   * Learns the vocabulary of `corpus`: special tokens first (default `<pad>` = 0,
   * `<unk>` = 1), then words by descending frequency (ties in order of first appearance).
   */
  static train(corpus: string | Iterable<string>, options: WordTrainOptions = {}): WordTokenizer {
    const opts = parseWith(trainSchema, options, 'word tokenizer training options');
    const specialTokens: SpecialTokens = opts.specialTokens ?? { pad: '<pad>', unk: '<unk>' };
    const endToken = opts.standardize?.sentenceEndToken;
    if (endToken !== undefined && specialTokens.eos === undefined) specialTokens.eos = endToken;
    const config = configOf({ ...opts, specialTokens });
    const specials = [...new Set(Object.values(specialTokens))];
    const counts = new Map<string, number>();
    for (const text of typeof corpus === 'string' ? [corpus] : corpus) {
      if (typeof text !== 'string') throw new TokenizerError('WordTokenizer.train: corpus must hold strings');
      for (const word of splitWords(text, config.standardize, config.split))
        counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    const minFreq = opts.minFreq ?? 1;
    // Map iteration is insertion order, and sort is stable: ties keep first appearance.
    const words = [...counts]
      .filter(([word, count]) => count >= minFreq && !specials.includes(word))
      .sort((a, b) => b[1] - a[1])
      .map(([word]) => word);
    const vocab = [...specials, ...words];
    if (opts.maxVocabSize !== undefined) vocab.length = Math.min(vocab.length, opts.maxVocabSize);
    if (vocab.length < specials.length)
      throw new TokenizerError('maxVocabSize is smaller than the special tokens');
    return new WordTokenizer(vocab, config);
  }

  static fromJSON(json: unknown, source = 'tokenizer JSON'): WordTokenizer {
    const data = parseWith(jsonSchema, json, 'word tokenizer', source);
    return new WordTokenizer(data.vocab, {
      specialTokens: data.specialTokens,
      standardize: data.standardize,
      split: data.split,
      appendEos: data.appendEos,
    });
  }

  toJSON(): TokenizerJSON {
    return {
      kind: 'word',
      version: 1,
      vocab: this.tokens.map((t) => t!),
      specialTokens: { ...this.specialTokens },
      ...(this.standardizeOptions !== undefined ? { standardize: this.standardizeOptions } : {}),
      split: this.split,
      appendEos: this.appendEos,
    };
  }

  /** The text after standardisation (what the words are split from). */
  standardize(text: string): string {
    return this.standardizeOptions === undefined ? text : standardize(text, this.standardizeOptions);
  }

  protected encodeOrdinary(text: string, out: number[]): void {
    for (const word of splitWords(text, this.standardizeOptions, this.split)) out.push(this.idOfWord(word));
  }

  private idOfWord(word: string): number {
    const id = this.vocab.get(word) ?? this.unkId;
    if (id === undefined) {
      throw new TokenizerError(
        `word ${JSON.stringify(word)} is not in the vocabulary (this tokenizer has no unk token)`,
      );
    }
    return id;
  }

  protected decodeValid(ids: ArrayLike<number>): string {
    const words: string[] = [];
    for (let i = 0; i < ids.length; i++) words.push(this.tokens[ids[i]!]!);
    const text = words.join(' ');
    // The seeds' SimpleTokenizer.decode: no space before punctuation.
    return this.split === 'punctuation' ? text.replace(/\s+([,.?!"()'])/g, '$1') : text;
  }

  protected explainOrdinary(text: string): { normalized: string; parts: ExplainPart[] } {
    const normalized = this.standardize(text);
    const parts = splitWords(text, this.standardizeOptions, this.split).map((word): ExplainPart => {
      const id = this.idOfWord(word);
      return {
        text: word,
        special: false,
        initial: [word],
        steps: [],
        tokens: [this.tokens[id]!],
        ids: [id],
      };
    });
    return { normalized, parts };
  }
}

function configOf(opts: z.output<typeof fixedSchema>): WordConfig {
  return {
    specialTokens: opts.specialTokens ?? {},
    standardize: opts.standardize,
    split: opts.split ?? 'whitespace',
    appendEos: opts.appendEos ?? false,
  };
}

function splitWords(
  text: string,
  options: StandardizeOptions | undefined,
  mode: WordConfig['split'],
): string[] {
  const clean = options === undefined ? text : standardize(text, options);
  if (mode === 'punctuation') {
    return clean
      .split(PUNCTUATION_SPLIT)
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }
  return clean.split(/\s+/).filter((part) => part !== '');
}

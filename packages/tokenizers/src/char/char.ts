// Character-level tokenizer (the seeds' stoi / itos): one id per distinct character of a
// corpus, sorted by code point; unknown characters are an error or an unknown token.
import { z } from 'zod';
import { BaseTokenizer } from '../core/base.js';
import type { ExplainPart, SpecialTokens, TokenizerJSON } from '../core/types.js';
import { parseWith } from '../core/validate.js';
import { TokenizerError } from '../errors.js';

const roleSchema = z.enum(['pad', 'unk', 'bos', 'eos', 'cls', 'sep', 'mask']);

const optionsSchema = z.strictObject({
  /** Token for characters outside the vocabulary; without one they are an error. */
  unkToken: z.string().optional(),
  /** Special tokens by role, given ids after the characters (so character ids match the seeds'). */
  specialTokens: z.partialRecord(roleSchema, z.string()).optional(),
});

export type CharTokenizerOptions = z.input<typeof optionsSchema>;

const jsonSchema = z.looseObject({
  kind: z.literal('char'),
  version: z.literal(1),
  vocab: z.array(z.string()),
  unkToken: z.string().optional(),
  specialTokens: z.partialRecord(roleSchema, z.string()).optional(),
});

export class CharTokenizer extends BaseTokenizer {
  readonly kind = 'char';
  readonly unkToken: string | undefined;
  private readonly unkId: number | undefined;

  private constructor(vocab: readonly string[], unkToken: string | undefined, specialTokens: SpecialTokens) {
    super({
      tokens: vocab,
      specialTokens: { ...specialTokens, ...(unkToken !== undefined ? { unk: unkToken } : {}) },
    });
    this.unkToken = unkToken;
    this.unkId = unkToken === undefined ? undefined : this.vocab.get(unkToken);
  }

  /** The sorted distinct characters (code points) of `corpus`, then any special tokens. */
  static fromCorpus(corpus: string | Iterable<string>, options: CharTokenizerOptions = {}): CharTokenizer {
    const opts = parseWith(optionsSchema, options, 'char tokenizer options');
    const chars = new Set<string>();
    for (const text of typeof corpus === 'string' ? [corpus] : corpus) {
      if (typeof text !== 'string')
        throw new TokenizerError('CharTokenizer.fromCorpus: corpus must hold strings');
      for (const char of text) chars.add(char);
    }
    if (chars.size === 0) throw new TokenizerError('CharTokenizer.fromCorpus: the corpus is empty');
    const sorted = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return CharTokenizer.fromVocab(sorted, opts);
  }

  /** A fixed character list: id = index. Specials not in it are appended. */
  static fromVocab(chars: readonly string[], options: CharTokenizerOptions = {}): CharTokenizer {
    const opts = parseWith(optionsSchema, options, 'char tokenizer options');
    const vocab = [...chars];
    vocab.forEach((char, i) => {
      if (typeof char !== 'string' || [...char].length !== 1) {
        throw new TokenizerError(`vocab[${i}] must be one character, got ${JSON.stringify(char)}`);
      }
    });
    const extra = [
      ...Object.values(opts.specialTokens ?? {}),
      ...(opts.unkToken !== undefined ? [opts.unkToken] : []),
    ];
    for (const token of extra) if (!vocab.includes(token)) vocab.push(token);
    return new CharTokenizer(vocab, opts.unkToken, opts.specialTokens ?? {});
  }

  static fromJSON(json: unknown, source = 'tokenizer JSON'): CharTokenizer {
    const data = parseWith(jsonSchema, json, 'char tokenizer', source);
    return new CharTokenizer(data.vocab, data.unkToken, data.specialTokens ?? {});
  }

  toJSON(): TokenizerJSON {
    return {
      kind: 'char',
      version: 1,
      vocab: this.tokens.map((t) => t!),
      ...(this.unkToken !== undefined ? { unkToken: this.unkToken } : {}),
      specialTokens: { ...this.specialTokens },
    };
  }

  protected encodeOrdinary(text: string, out: number[]): void {
    let index = 0;
    for (const char of text) {
      const id = this.vocab.get(char) ?? this.unkId;
      if (id === undefined) {
        const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new TokenizerError(
          `character ${JSON.stringify(char)} (U+${code}) at index ${index} is not in the vocabulary; pass unkToken to map it to an unknown token`,
        );
      }
      out.push(id);
      index += char.length;
    }
  }

  protected decodeValid(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) text += this.tokens[ids[i]!]!;
    return text;
  }

  protected explainOrdinary(text: string): { normalized: string; parts: ExplainPart[] } {
    const ids: number[] = [];
    this.encodeOrdinary(text, ids);
    const tokens = ids.map((id) => this.tokens[id]!);
    return {
      normalized: text,
      parts: [{ text, special: false, initial: [...text], steps: [], tokens, ids }],
    };
  }
}

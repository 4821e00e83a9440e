// BERT's WordPiece: the basic tokenizer, then greedy longest-match-first sub-words with
// the `##` continuation prefix; [CLS] A [SEP] (B [SEP]) with token type ids.
import { z } from 'zod';
import { BaseTokenizer } from '../core/base.js';
import { bertTemplate, PLAIN_TEMPLATE, type Template, templateSchema } from '../core/template.js';
import type { ExplainPart, ExplainStep, SpecialTokens, TokenizerJSON } from '../core/types.js';
import { parseWith } from '../core/validate.js';
import { TokenizerError } from '../errors.js';
import { type BertNormalizerOptions, bertNormalize, bertPreTokenize } from './basic.js';

export interface WordPieceInit {
  /** Token of each id, in vocab.txt order. */
  tokens: ReadonlyArray<string | undefined>;
  /** Default `[UNK]`. */
  unkToken?: string;
  /** Default `##`. */
  continuingSubwordPrefix?: string;
  /** Longer words become one unknown token. Default 100. */
  maxInputCharsPerWord?: number;
  /** Default true (uncased BERT). */
  lowercase?: boolean;
  /** Default: same as `lowercase`, as Hugging Face. */
  stripAccents?: boolean;
  /** Default true. */
  handleChineseChars?: boolean;
  /** Default true. */
  cleanText?: boolean;
  /** Default: [PAD] [UNK] [CLS] [SEP] [MASK], those the vocabulary has. */
  specialTokens?: SpecialTokens;
  additionalSpecialTokens?: readonly string[];
  addedTokens?: readonly string[];
  /** Default `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]` when the vocabulary has both. */
  template?: Template;
  modelMaxLength?: number;
}

const BERT_SPECIALS: SpecialTokens = {
  pad: '[PAD]',
  unk: '[UNK]',
  cls: '[CLS]',
  sep: '[SEP]',
  mask: '[MASK]',
};

const roleSchema = z.enum(['pad', 'unk', 'bos', 'eos', 'cls', 'sep', 'mask']);
const jsonSchema = z.looseObject({
  kind: z.literal('wordpiece'),
  version: z.literal(1),
  vocab: z.array(z.string().nullable()),
  unkToken: z.string(),
  continuingSubwordPrefix: z.string(),
  maxInputCharsPerWord: z.number().int().positive(),
  lowercase: z.boolean(),
  stripAccents: z.boolean(),
  handleChineseChars: z.boolean(),
  cleanText: z.boolean(),
  specialTokens: z.partialRecord(roleSchema, z.string()),
  additionalSpecialTokens: z.array(z.string()).optional(),
  addedTokens: z.array(z.string()).optional(),
  template: templateSchema,
  modelMaxLength: z.number().int().positive().optional(),
});

export class WordPieceTokenizer extends BaseTokenizer {
  readonly kind = 'wordpiece';
  readonly unkToken: string;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  readonly normalizer: Readonly<BertNormalizerOptions>;
  private readonly unkId: number;
  /** Longest vocabulary entry (in UTF-16 units, prefix excluded): no match can be longer. */
  private readonly longestPiece: number;

  constructor(init: WordPieceInit) {
    const present = (token: string) => init.tokens.includes(token);
    const specialTokens =
      init.specialTokens ??
      Object.fromEntries(Object.entries(BERT_SPECIALS).filter(([, token]) => present(token as string)));
    const template =
      init.template ??
      (specialTokens.cls !== undefined && specialTokens.sep !== undefined
        ? bertTemplate(specialTokens.cls, specialTokens.sep)
        : PLAIN_TEMPLATE);
    super({
      tokens: init.tokens,
      specialTokens,
      additionalSpecialTokens: init.additionalSpecialTokens ?? [],
      addedTokens: init.addedTokens ?? [],
      template,
      ...(init.modelMaxLength !== undefined ? { modelMaxLength: init.modelMaxLength } : {}),
    });
    this.defaultCleanup = true;
    this.unkToken = init.unkToken ?? specialTokens.unk ?? '[UNK]';
    this.unkId = this.requireId(this.unkToken, 'unknown token');
    this.continuingSubwordPrefix = init.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = init.maxInputCharsPerWord ?? 100;
    const lowercase = init.lowercase ?? true;
    this.normalizer = Object.freeze({
      lowercase,
      stripAccents: init.stripAccents ?? lowercase,
      handleChineseChars: init.handleChineseChars ?? true,
      cleanText: init.cleanText ?? true,
    });
    let longest = 0;
    const prefix = this.continuingSubwordPrefix;
    for (const token of this.vocab.keys()) {
      const length = token.startsWith(prefix) ? token.length - prefix.length : token.length;
      if (length > longest) longest = length;
    }
    this.longestPiece = longest;
  }

  static fromJSON(json: unknown, source = 'tokenizer JSON'): WordPieceTokenizer {
    const data = parseWith(jsonSchema, json, 'wordpiece tokenizer', source);
    return new WordPieceTokenizer({
      tokens: data.vocab.map((token) => token ?? undefined),
      unkToken: data.unkToken,
      continuingSubwordPrefix: data.continuingSubwordPrefix,
      maxInputCharsPerWord: data.maxInputCharsPerWord,
      lowercase: data.lowercase,
      stripAccents: data.stripAccents,
      handleChineseChars: data.handleChineseChars,
      cleanText: data.cleanText,
      specialTokens: data.specialTokens,
      additionalSpecialTokens: data.additionalSpecialTokens ?? [],
      addedTokens: data.addedTokens ?? [],
      template: data.template,
      ...(data.modelMaxLength !== undefined ? { modelMaxLength: data.modelMaxLength } : {}),
    });
  }

  toJSON(): TokenizerJSON {
    return {
      kind: 'wordpiece',
      version: 1,
      vocab: this.tokens.map((token) => token ?? null),
      unkToken: this.unkToken,
      continuingSubwordPrefix: this.continuingSubwordPrefix,
      maxInputCharsPerWord: this.maxInputCharsPerWord,
      ...this.normalizer,
      specialTokens: { ...this.specialTokens },
      additionalSpecialTokens: [...this.additionalSpecialTokens],
      addedTokens: [...this.addedTokens],
      template: this.template,
      ...(this.modelMaxLength !== undefined ? { modelMaxLength: this.modelMaxLength } : {}),
    };
  }

  /** The vocab.txt file: one token per line, in id order. */
  toVocabTxt(): string {
    return `${this.tokens.map((token) => token ?? '').join('\n')}\n`;
  }

  /** Normalised words and punctuation, before WordPiece (Hugging Face's `basic_tokenizer`). */
  basicTokenize(text: string): string[] {
    return bertPreTokenize(bertNormalize(text, this.normalizer));
  }

  protected encodeOrdinary(text: string, out: number[]): void {
    for (const word of bertPreTokenize(bertNormalize(text, this.normalizer))) this.encodeWord(word, out);
  }

  private encodeWord(word: string, out: number[]): void {
    if (codePointLength(word) > this.maxInputCharsPerWord) {
      out.push(this.unkId);
      return;
    }
    const mark = out.length;
    const prefix = this.continuingSubwordPrefix;
    for (let start = 0; start < word.length; ) {
      let end = Math.min(word.length, start + this.longestPiece);
      if (isLowSurrogate(word, end)) end--;
      let id: number | undefined;
      while (end > start) {
        const piece = start > 0 ? prefix + word.slice(start, end) : word.slice(start, end);
        id = this.vocab.get(piece);
        if (id !== undefined) break;
        end -= isLowSurrogate(word, end - 1) && end - 2 >= start ? 2 : 1;
      }
      if (id === undefined) {
        // One unmatchable piece makes the whole word unknown, as BERT.
        out.length = mark;
        out.push(this.unkId);
        return;
      }
      out.push(id);
      start = end;
    }
  }

  protected decodeValid(ids: ArrayLike<number>): string {
    const prefix = this.continuingSubwordPrefix;
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const token = this.tokens[ids[i]!]!;
      if (i === 0) text = token;
      else if (token.startsWith(prefix)) text += token.slice(prefix.length);
      else text += ` ${token}`;
    }
    return text;
  }

  protected explainOrdinary(text: string): { normalized: string; parts: ExplainPart[] } {
    const normalized = bertNormalize(text, this.normalizer);
    const parts = bertPreTokenize(normalized).map((word): ExplainPart => {
      const ids: number[] = [];
      this.encodeWord(word, ids);
      const tokens = ids.map((id) => this.tokens[id]!);
      const steps: ExplainStep[] = tokens.map((token, i) => ({
        merged: [token],
        symbols: tokens.slice(0, i + 1),
      }));
      return { text: word, special: false, initial: [...word], steps, tokens, ids };
    });
    return { normalized, parts };
  }
}

function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHigh(text.charCodeAt(i - 1)))) n++;
  }
  return n;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Whether `index` is the low half of a surrogate pair (so cutting there would split it). */
function isLowSurrogate(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return false;
  const c = text.charCodeAt(index);
  return c >= 0xdc00 && c <= 0xdfff && isHigh(text.charCodeAt(index - 1));
}

/** A vocab without its unknown token cannot encode every word. */
export function assertHasToken(
  tokens: ReadonlyArray<string | undefined>,
  token: string,
  source: string,
): void {
  if (!tokens.includes(token))
    throw new TokenizerError(`the unknown token "${token}" is not in the vocabulary`, { source });
}

// Shared machinery behind every built-in tokenizer: vocabulary look-ups, special tokens
// in text, templates, batching (truncation, padding, masks), validated decode. A kind
// only supplies how ordinary text becomes ids and ids become text.
import { TokenizerError } from '../errors.js';
import { cleanUpTokenizationSpaces } from './cleanup.js';
import {
  type ResolvedBatchOptions,
  resolveBatchOptions,
  resolveDecodeOptions,
  resolveEncodeDetailedOptions,
  resolveEncodeOptions,
} from './options.js';
import { type Segment, SpecialSplitter } from './special.js';
import { countSpecial, PLAIN_TEMPLATE, type Template, type TemplatePiece } from './template.js';
import type {
  AllowedSpecial,
  BatchEncoding,
  BatchInput,
  DecodeOptions,
  EncodeBatchOptions,
  EncodeDetailedOptions,
  EncodeOptions,
  Encoding,
  ExplainPart,
  Explanation,
  SpecialTokenRole,
  SpecialTokens,
  Tokenizer,
  TokenizerJSON,
} from './types.js';
import { SPECIAL_TOKEN_ROLES } from './types.js';

export interface BaseTokenizerInit {
  /** Token string of each id; holes (undefined) are ids that decode cannot take. */
  tokens: ReadonlyArray<string | undefined>;
  specialTokens: SpecialTokens;
  /** More special tokens beyond the roles (matched in text, skipped by skipSpecialTokens). */
  additionalSpecialTokens?: readonly string[];
  /** Tokens matched whole in the text that are not special (Hugging Face's non-special added tokens). */
  addedTokens?: readonly string[];
  template?: Template;
  /** Longest input the model takes: the default `maxLength` for truncation and padding. */
  modelMaxLength?: number;
}

export abstract class BaseTokenizer implements Tokenizer {
  abstract readonly kind: string;
  readonly vocabSize: number;
  readonly specialTokens: Readonly<SpecialTokens>;
  readonly modelMaxLength: number | undefined;
  protected readonly tokens: ReadonlyArray<string | undefined>;
  protected readonly vocab: Map<string, number>;
  protected readonly template: Template;
  protected readonly additionalSpecialTokens: readonly string[];
  protected readonly addedTokens: readonly string[];
  protected readonly specialIdSet: ReadonlySet<number>;
  protected readonly splitter: SpecialSplitter;
  /** Whether decode applies clean_up_tokenization_spaces by default. */
  protected defaultCleanup = false;
  private readonly roleIds: Partial<Record<SpecialTokenRole, number>>;
  private readonly singleSpecialCount: number;
  private readonly pairSpecialCount: number;

  protected constructor(init: BaseTokenizerInit) {
    this.tokens = init.tokens;
    this.vocabSize = init.tokens.length;
    this.vocab = new Map();
    init.tokens.forEach((token, id) => {
      if (token === undefined) return;
      if (this.vocab.has(token)) {
        throw new TokenizerError(`token "${token}" has two ids, ${this.vocab.get(token)} and ${id}`);
      }
      this.vocab.set(token, id);
    });
    this.specialTokens = Object.freeze({ ...init.specialTokens });
    this.additionalSpecialTokens = [...(init.additionalSpecialTokens ?? [])];
    this.addedTokens = [...(init.addedTokens ?? [])];
    this.template = init.template ?? PLAIN_TEMPLATE;
    this.modelMaxLength = init.modelMaxLength;

    this.roleIds = {};
    const specials = new Map<string, number>();
    for (const role of SPECIAL_TOKEN_ROLES) {
      const token = this.specialTokens[role];
      if (token === undefined) continue;
      const id = this.requireId(token, `special token ${role}`);
      this.roleIds[role] = id;
      specials.set(token, id);
    }
    for (const token of this.additionalSpecialTokens)
      specials.set(token, this.requireId(token, 'special token'));
    for (const piece of [...this.template.single, ...this.template.pair]) {
      if ('special' in piece) specials.set(piece.special, this.requireId(piece.special, 'template token'));
    }
    this.specialIdSet = new Set(specials.values());
    const matched = new Map(specials);
    for (const token of this.addedTokens) matched.set(token, this.requireId(token, 'added token'));
    this.splitter = new SpecialSplitter(matched);
    this.singleSpecialCount = countSpecial(this.template.single);
    this.pairSpecialCount = countSpecial(this.template.pair);
  }

  /** Appends the ids of `text`, which holds no special token, to `out`. */
  protected abstract encodeOrdinary(text: string, out: number[]): void;
  /** Text of validated ids (special ones already filtered when asked). */
  protected abstract decodeValid(ids: ArrayLike<number>): string;
  /** The parts and steps of `text`, which holds no special token. */
  protected abstract explainOrdinary(text: string): { normalized: string; parts: ExplainPart[] };
  abstract toJSON(): TokenizerJSON;

  get padTokenId(): number | undefined {
    return this.roleIds.pad;
  }
  get unkTokenId(): number | undefined {
    return this.roleIds.unk;
  }
  get bosTokenId(): number | undefined {
    return this.roleIds.bos;
  }
  get eosTokenId(): number | undefined {
    return this.roleIds.eos;
  }
  get clsTokenId(): number | undefined {
    return this.roleIds.cls;
  }
  get sepTokenId(): number | undefined {
    return this.roleIds.sep;
  }
  get maskTokenId(): number | undefined {
    return this.roleIds.mask;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 ? this.tokens[id] : undefined;
  }

  isSpecialId(id: number): boolean {
    return this.specialIdSet.has(id);
  }

  encode(text: string, options?: EncodeOptions): number[] {
    assertText(text, 'encode');
    const { addSpecialTokens, allowedSpecial } = resolveEncodeOptions(options);
    const ids = this.encodeSequence(text, allowedSpecial);
    if (!addSpecialTokens || this.singleSpecialCount === 0) return ids;
    return this.applyTemplate(ids, undefined).ids;
  }

  encodeDetailed(text: string, options?: EncodeDetailedOptions): Encoding {
    assertText(text, 'encodeDetailed');
    const { addSpecialTokens, allowedSpecial, pair } = resolveEncodeDetailedOptions(options);
    const a = this.encodeSequence(text, allowedSpecial);
    const b = pair === undefined ? undefined : this.encodeSequence(pair, allowedSpecial);
    return this.finish(a, b, addSpecialTokens);
  }

  tokenize(text: string, options?: Omit<EncodeOptions, 'addSpecialTokens'>): string[] {
    return this.encode(text, { ...options, addSpecialTokens: false }).map((id) => this.tokens[id]!);
  }

  encodeBatch(inputs: readonly BatchInput[], options?: EncodeBatchOptions): BatchEncoding {
    if (!Array.isArray(inputs))
      throw new TokenizerError('encodeBatch: inputs must be an array of texts or pairs');
    const opts = resolveBatchOptions(options);
    const maxLength = opts.maxLength ?? this.modelMaxLength;
    if ((opts.truncation !== 'none' || opts.padding === 'max_length') && maxLength === undefined) {
      throw new TokenizerError('encodeBatch: truncation and padding to max_length need maxLength');
    }
    const encodings = inputs.map((input, index) => {
      let a: number[];
      let b: number[] | undefined;
      if (typeof input === 'string') {
        a = this.encodeSequence(input, opts.allowedSpecial);
      } else if (isPair(input)) {
        a = this.encodeSequence(input[0], opts.allowedSpecial);
        b = this.encodeSequence(input[1], opts.allowedSpecial);
      } else {
        throw new TokenizerError(`encodeBatch: inputs[${index}] must be a string or a [string, string] pair`);
      }
      if (opts.truncation !== 'none') [a, b] = this.truncate(a, b, maxLength!, opts, index);
      return this.finish(a, b, opts.addSpecialTokens);
    });
    return this.pad(encodings, opts, maxLength);
  }

  decode(ids: ArrayLike<number>, options?: DecodeOptions): string {
    const { skipSpecialTokens, cleanUpTokenizationSpaces: cleanup } = resolveDecodeOptions(options);
    this.assertIds(ids);
    let kept: ArrayLike<number> = ids;
    if (skipSpecialTokens && this.specialIdSet.size > 0) {
      const filtered: number[] = [];
      for (let i = 0; i < ids.length; i++) if (!this.specialIdSet.has(ids[i]!)) filtered.push(ids[i]!);
      kept = filtered;
    }
    const text = this.decodeValid(kept);
    return (cleanup ?? this.defaultCleanup) ? cleanUpTokenizationSpaces(text) : text;
  }

  decodeBatch(batch: ReadonlyArray<ArrayLike<number>>, options?: DecodeOptions): string[] {
    return batch.map((ids) => this.decode(ids, options));
  }

  explain(text: string): Explanation {
    assertText(text, 'explain');
    const parts: ExplainPart[] = [];
    let normalized = '';
    for (const segment of this.splitter.split(text, 'all')) {
      if (segment.id !== undefined) {
        normalized += segment.text;
        parts.push({
          text: segment.text,
          special: true,
          initial: [segment.text],
          steps: [],
          tokens: [segment.text],
          ids: [segment.id],
        });
      } else {
        const explained = this.explainOrdinary(segment.text);
        normalized += explained.normalized;
        parts.push(...explained.parts);
      }
    }
    const ids = parts.flatMap((part) => part.ids);
    return { text, normalized, parts, ids, tokens: ids.map((id) => this.tokens[id]!) };
  }

  /** Ids of one sequence, special tokens in the text included, no template tokens. */
  protected encodeSequence(text: string, allowed: AllowedSpecial): number[] {
    const out: number[] = [];
    const segments: Segment[] = this.splitter.split(text, allowed);
    for (const segment of segments) {
      if (segment.id !== undefined) out.push(segment.id);
      else if (segment.text.length > 0) this.encodeOrdinary(segment.text, out);
    }
    return out;
  }

  protected requireId(token: string, what: string): number {
    const id = this.vocab.get(token);
    if (id === undefined) throw new TokenizerError(`${what} "${token}" is not in the vocabulary`);
    return id;
  }

  private assertIds(ids: ArrayLike<number>): void {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TokenizerError('decode: ids must be an array of integers');
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.tokens[id] === undefined) {
        const why = Number.isInteger(id)
          ? `is out of range (vocabulary of ${this.vocabSize} ids)`
          : 'is not an integer';
        throw new TokenizerError(`decode: id ${String(id)} at index ${i} ${why}`);
      }
    }
  }

  private applyTemplate(a: number[], b: number[] | undefined): Omit<Encoding, 'tokens' | 'attentionMask'> {
    const pieces: readonly TemplatePiece[] = b === undefined ? this.template.single : this.template.pair;
    const ids: number[] = [];
    const tokenTypeIds: number[] = [];
    const specialTokensMask: number[] = [];
    for (const piece of pieces) {
      if ('special' in piece) {
        ids.push(this.vocab.get(piece.special)!);
        tokenTypeIds.push(piece.typeId);
        specialTokensMask.push(1);
      } else {
        const seq = piece.sequence === 'A' ? a : (b ?? []);
        for (const id of seq) {
          ids.push(id);
          tokenTypeIds.push(piece.typeId);
          specialTokensMask.push(0);
        }
      }
    }
    return { ids, tokenTypeIds, specialTokensMask };
  }

  private finish(a: number[], b: number[] | undefined, addSpecialTokens: boolean): Encoding {
    let core: Omit<Encoding, 'tokens' | 'attentionMask'>;
    if (addSpecialTokens) core = this.applyTemplate(a, b);
    else {
      const ids = b === undefined ? a : [...a, ...b];
      const tokenTypeIds = b === undefined ? a.map(() => 0) : [...a.map(() => 0), ...b.map(() => 1)];
      core = { ids, tokenTypeIds, specialTokensMask: ids.map(() => 0) };
    }
    return {
      ...core,
      tokens: core.ids.map((id) => this.tokens[id]!),
      attentionMask: core.ids.map(() => 1),
    };
  }

  private truncate(
    a: number[],
    b: number[] | undefined,
    maxLength: number,
    opts: ResolvedBatchOptions,
    index: number,
  ): [number[], number[] | undefined] {
    const added = opts.addSpecialTokens
      ? b === undefined
        ? this.singleSpecialCount
        : this.pairSpecialCount
      : 0;
    const budget = maxLength - added;
    if (budget < 0) {
      throw new TokenizerError(
        `encodeBatch: maxLength ${maxLength} leaves no room for ${added} template tokens`,
      );
    }
    if (b === undefined) return [a.length > budget ? a.slice(0, budget) : a, undefined];
    let excess = a.length + b.length - budget;
    if (excess <= 0) return [a, b];
    let lenA = a.length;
    let lenB = b.length;
    if (opts.truncation === 'only_first' || opts.truncation === 'only_second') {
      const first = opts.truncation === 'only_first';
      const len = first ? lenA : lenB;
      if (len < excess) {
        throw new TokenizerError(
          `encodeBatch: inputs[${index}] cannot be cut to maxLength ${maxLength} with truncation "${opts.truncation}"`,
        );
      }
      if (first) lenA -= excess;
      else lenB -= excess;
    } else {
      // longest_first: one token at a time from the longer sequence, as Hugging Face.
      while (excess-- > 0) {
        if (lenA > lenB) lenA--;
        else lenB--;
      }
    }
    return [a.slice(0, lenA), b.slice(0, lenB)];
  }

  private pad(
    encodings: Encoding[],
    opts: ResolvedBatchOptions,
    maxLength: number | undefined,
  ): BatchEncoding {
    const batch: BatchEncoding = { inputIds: [], attentionMask: [], tokenTypeIds: [], specialTokensMask: [] };
    let target = 0;
    if (opts.padding === 'longest') for (const e of encodings) target = Math.max(target, e.ids.length);
    if (opts.padding === 'max_length') target = maxLength!;
    const padId = opts.padId ?? this.padTokenId;
    if (opts.padding !== 'none' && padId === undefined && encodings.some((e) => e.ids.length < target)) {
      throw new TokenizerError(
        'encodeBatch: padding needs a pad token; this tokenizer has none, so pass padId (e.g. the eos id)',
      );
    }
    for (const e of encodings) {
      const n = Math.max(0, target - e.ids.length);
      if (opts.padding === 'none' || n === 0) {
        batch.inputIds.push(e.ids);
        batch.attentionMask.push(e.attentionMask);
        batch.tokenTypeIds.push(e.tokenTypeIds);
        batch.specialTokensMask.push(e.specialTokensMask);
        continue;
      }
      const fill = (value: number) => new Array<number>(n).fill(value);
      const join = (row: number[], value: number) =>
        opts.paddingSide === 'left' ? [...fill(value), ...row] : [...row, ...fill(value)];
      batch.inputIds.push(join(e.ids, padId!));
      batch.attentionMask.push(join(e.attentionMask, 0));
      batch.tokenTypeIds.push(join(e.tokenTypeIds, 0));
      batch.specialTokensMask.push(join(e.specialTokensMask, 1));
    }
    return batch;
  }
}

function isPair(input: unknown): input is readonly [string, string] {
  return (
    Array.isArray(input) && input.length === 2 && typeof input[0] === 'string' && typeof input[1] === 'string'
  );
}

function assertText(text: unknown, method: string): asserts text is string {
  if (typeof text !== 'string')
    throw new TokenizerError(`${method}: text must be a string, got ${typeof text}`);
}

// Byte-level BPE (GPT-2, and what trainBpe produces): UTF-8 bytes in the Ġ alphabet,
// GPT-2 pre-tokenisation, merges by rank, and a cache of each pre-token's ids.
import { z } from 'zod';
import { BaseTokenizer } from '../core/base.js';
import { type Template, templateSchema } from '../core/template.js';
import type { ExplainPart, ExplainStep, SpecialTokens, TokenizerJSON } from '../core/types.js';
import { parseWith } from '../core/validate.js';
import { tokensFromVocab } from '../core/vocab.js';
import { TokenizerError } from '../errors.js';
import { BYTE_TO_CHAR, fromByteLevel, utf8Encode } from './byte-unicode.js';
import { mergeSymbols } from './merge.js';
import { MergeTable } from './merge-table.js';
import { PieceCache } from './piece-cache.js';
import { preTokenEnd, preTokenize } from './pretokenize.js';

export interface ByteLevelBpeInit {
  /** Token string of each id (holes allowed). Must hold the 256 byte characters. */
  tokens: ReadonlyArray<string | undefined>;
  /** Merges in rank order, as token strings. */
  merges: ReadonlyArray<readonly [string, string]>;
  specialTokens?: SpecialTokens;
  additionalSpecialTokens?: readonly string[];
  /** Tokens matched whole in the text that are not special (Hugging Face added tokens). */
  addedTokens?: readonly string[];
  template?: Template;
  modelMaxLength?: number;
  /** Put a space before the text, as Hugging Face's `add_prefix_space` (RoBERTa). Default false. */
  addPrefixSpace?: boolean;
  /** Names used in error messages (e.g. the merges file). */
  sources?: { vocab?: string; merges?: string; mergeLineNumbers?: readonly number[] };
}

/** How many pre-tokens the cache keeps before it starts over (bounds memory on huge, varied inputs). */
const CACHE_LIMIT = 200_000;
/** Longer pre-tokens are rare and seldom repeat: not worth a cache slot. */
const MAX_CACHED_LENGTH = 256;

const jsonSchema = z.looseObject({
  kind: z.literal('bpe'),
  version: z.literal(1),
  vocab: z.record(z.string(), z.number().int().nonnegative()),
  merges: z.array(z.string()),
  specialTokens: z
    .partialRecord(z.enum(['pad', 'unk', 'bos', 'eos', 'cls', 'sep', 'mask']), z.string())
    .optional(),
  additionalSpecialTokens: z.array(z.string()).optional(),
  addedTokens: z.array(z.string()).optional(),
  template: templateSchema.optional(),
  modelMaxLength: z.number().int().positive().optional(),
  addPrefixSpace: z.boolean().optional(),
});

export class ByteLevelBpeTokenizer extends BaseTokenizer {
  readonly kind = 'bpe';
  readonly addPrefixSpace: boolean;
  private readonly mergeList: ReadonlyArray<readonly [string, string]>;
  private readonly table: MergeTable;
  /** Id of each byte's single-character token. */
  private readonly byteIds: Int32Array;
  private readonly addedIds: ReadonlySet<number>;
  private readonly cache = new PieceCache(CACHE_LIMIT);
  private readonly bytesOf: Array<Uint8Array | undefined> = [];
  private scratch = new Int32Array(256);

  constructor(init: ByteLevelBpeInit) {
    super({
      tokens: init.tokens,
      specialTokens: init.specialTokens ?? {},
      additionalSpecialTokens: init.additionalSpecialTokens ?? [],
      addedTokens: init.addedTokens ?? [],
      ...(init.template !== undefined ? { template: init.template } : {}),
      ...(init.modelMaxLength !== undefined ? { modelMaxLength: init.modelMaxLength } : {}),
    });
    this.addPrefixSpace = init.addPrefixSpace ?? false;
    this.mergeList = init.merges;
    const source = init.sources?.vocab !== undefined ? { source: init.sources.vocab } : {};

    this.byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) {
      const id = this.vocab.get(BYTE_TO_CHAR[b]!);
      if (id === undefined) {
        throw new TokenizerError(
          `byte-level vocabulary lacks the token "${BYTE_TO_CHAR[b]}" for byte 0x${b.toString(16).padStart(2, '0')}`,
          source,
        );
      }
      this.byteIds[b] = id;
    }

    const mergeSource = init.sources?.merges;
    const lineNumbers = init.sources?.mergeLineNumbers;
    const numeric = init.merges.map(([left, right], rank): [number, number, number] => {
      const l = this.vocab.get(left);
      const r = this.vocab.get(right);
      const m = this.vocab.get(left + right);
      if (l !== undefined && r !== undefined && m !== undefined) return [l, r, m];
      const missing =
        l === undefined ? `"${left}"` : r === undefined ? `"${right}"` : `the merged token "${left + right}"`;
      const line = lineNumbers?.[rank];
      throw new TokenizerError(`merge ${rank} "${left} ${right}": ${missing} is not in the vocabulary`, {
        ...(mergeSource !== undefined ? { source: mergeSource } : {}),
        ...(line !== undefined ? { line } : {}),
      });
    });
    this.table = new MergeTable(numeric);
    this.addedIds = new Set(
      [...this.splitter.tokens].map((token) => this.vocab.get(token)!).filter((id) => id !== undefined),
    );
  }

  /** Empties the cache of pre-token ids (for cold-start measurements, or to free memory). */
  clearCache(): void {
    this.cache.clear();
  }

  /** Merges in rank order. */
  get merges(): ReadonlyArray<readonly [string, string]> {
    return this.mergeList;
  }

  /** Reads our own JSON form (`toJSON()`). */
  static fromJSON(json: unknown, source = 'tokenizer JSON'): ByteLevelBpeTokenizer {
    const data = parseWith(jsonSchema, json, 'bpe tokenizer', source);
    return new ByteLevelBpeTokenizer({
      tokens: tokensFromVocab(data.vocab, source),
      merges: data.merges.map((line, i) => splitMergeLine(line, { source, key: `merges[${i}]` })),
      ...(data.specialTokens !== undefined ? { specialTokens: data.specialTokens } : {}),
      ...(data.additionalSpecialTokens !== undefined
        ? { additionalSpecialTokens: data.additionalSpecialTokens }
        : {}),
      ...(data.addedTokens !== undefined ? { addedTokens: data.addedTokens } : {}),
      ...(data.template !== undefined ? { template: data.template } : {}),
      ...(data.modelMaxLength !== undefined ? { modelMaxLength: data.modelMaxLength } : {}),
      ...(data.addPrefixSpace !== undefined ? { addPrefixSpace: data.addPrefixSpace } : {}),
    });
  }

  toJSON(): TokenizerJSON {
    const vocab: Record<string, number> = {};
    this.tokens.forEach((token, id) => {
      if (token !== undefined) vocab[token] = id;
    });
    return {
      kind: 'bpe',
      version: 1,
      vocab,
      merges: this.mergeList.map(([l, r]) => `${l} ${r}`),
      specialTokens: { ...this.specialTokens },
      additionalSpecialTokens: [...this.additionalSpecialTokens],
      addedTokens: [...this.addedTokens],
      template: this.template,
      ...(this.modelMaxLength !== undefined ? { modelMaxLength: this.modelMaxLength } : {}),
      addPrefixSpace: this.addPrefixSpace,
    };
  }

  /** The GPT-2 file pair: `vocab.json` (a.k.a. encoder.json) and `merges.txt` (a.k.a. vocab.bpe). */
  toFiles(): { vocabJson: string; mergesTxt: string } {
    const vocab: Record<string, number> = {};
    this.tokens.forEach((token, id) => {
      if (token !== undefined) vocab[token] = id;
    });
    const lines = ['#version: 0.2', ...this.mergeList.map(([l, r]) => `${l} ${r}`)];
    return { vocabJson: JSON.stringify(vocab), mergesTxt: `${lines.join('\n')}\n` };
  }

  protected encodeOrdinary(text: string, out: number[]): void {
    if (this.addPrefixSpace && text.charCodeAt(0) !== 32) text = ` ${text}`;
    const cache = this.cache;
    const n = text.length;
    for (let i = 0; i < n; ) {
      const j = preTokenEnd(text, i, n);
      const hash = PieceCache.hash(text, i, j);
      if (!cache.emit(text, i, j, hash, out)) {
        const count = this.encodeWord(text, i, j);
        for (let k = 0; k < count; k++) out.push(this.scratch[k]!);
        if (j - i <= MAX_CACHED_LENGTH) cache.set(flatCopy(text, i, j), hash, this.scratch, count);
      }
      i = j;
    }
  }

  /** Ids of the pre-token text[i, j) (UTF-8 bytes → byte tokens → merges) into `this.scratch`; returns the count. */
  private encodeWord(text: string, i: number, j: number): number {
    // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair is 4 for 2 units).
    if (this.scratch.length < (j - i) * 3) this.scratch = new Int32Array((j - i) * 3);
    const symbols = this.scratch;
    const byteIds = this.byteIds;
    let n = 0;
    for (let k = i; k < j; k++) {
      let c = text.charCodeAt(k);
      if (c < 0x80) {
        symbols[n++] = byteIds[c]!;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdbff && k + 1 < j) {
        const d = text.charCodeAt(k + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          k++;
        }
      }
      // Lone surrogates become U+FFFD, as TextEncoder does.
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x800) {
        symbols[n++] = byteIds[0xc0 | (c >> 6)]!;
      } else if (c < 0x10000) {
        symbols[n++] = byteIds[0xe0 | (c >> 12)]!;
        symbols[n++] = byteIds[0x80 | ((c >> 6) & 0x3f)]!;
      } else {
        symbols[n++] = byteIds[0xf0 | (c >> 18)]!;
        symbols[n++] = byteIds[0x80 | ((c >> 12) & 0x3f)]!;
        symbols[n++] = byteIds[0x80 | ((c >> 6) & 0x3f)]!;
      }
      symbols[n++] = byteIds[0x80 | (c & 0x3f)]!;
    }
    return mergeSymbols(symbols, n, this.table);
  }

  protected decodeValid(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = new Array(ids.length);
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.tokenBytes(ids[i]!);
      parts[i] = bytes;
      total += bytes.length;
    }
    const buffer = new Uint8Array(total);
    let offset = 0;
    for (const bytes of parts) {
      buffer.set(bytes, offset);
      offset += bytes.length;
    }
    // Invalid UTF-8 (a cut multi-byte character) becomes U+FFFD, as Hugging Face's decoder.
    const text = decoder.decode(buffer);
    return this.addPrefixSpace && text.charCodeAt(0) === 32 ? text.slice(1) : text;
  }

  private tokenBytes(id: number): Uint8Array {
    let bytes = this.bytesOf[id];
    if (bytes === undefined) {
      const token = this.tokens[id]!;
      // Added tokens are stored as written; the rest are in the byte alphabet.
      bytes = (this.addedIds.has(id) ? undefined : fromByteLevel(token)) ?? utf8Encode(token);
      this.bytesOf[id] = bytes;
    }
    return bytes;
  }

  protected explainOrdinary(text: string): { normalized: string; parts: ExplainPart[] } {
    const normalized = this.addPrefixSpace && text.charCodeAt(0) !== 32 ? ` ${text}` : text;
    const parts = preTokenize(normalized).map((piece) => this.explainWord(piece));
    return { normalized, parts };
  }

  /** The seeds' `encode_and_show_work`: every merge of one pre-token, in order. */
  private explainWord(piece: string): ExplainPart {
    let symbols = [...utf8Encode(piece)].map((b) => BYTE_TO_CHAR[b]!);
    const initial = [...symbols];
    const steps: ExplainStep[] = [];
    for (;;) {
      let best = -1;
      let at = -1;
      for (let k = 0; k + 1 < symbols.length; k++) {
        const rank = this.table.rank(this.vocab.get(symbols[k]!)!, this.vocab.get(symbols[k + 1]!)!);
        if (rank >= 0 && (best < 0 || rank < best)) {
          best = rank;
          at = k;
        }
      }
      if (at < 0) break;
      const merged = [symbols[at]!, symbols[at + 1]!];
      symbols = [...symbols.slice(0, at), merged.join(''), ...symbols.slice(at + 2)];
      steps.push({ merged, rank: best, symbols: [...symbols] });
    }
    return {
      text: piece,
      special: false,
      initial,
      steps,
      tokens: symbols,
      ids: symbols.map((s) => this.vocab.get(s)!),
    };
  }
}

const decoder = new TextDecoder('utf-8');

/**
 * text[i, j) as a string of its own: `slice` of 13+ units may share the whole input,
 * which the cache would then keep alive after the call.
 */
function flatCopy(text: string, i: number, j: number): string {
  if (j - i < 13) return text.slice(i, j);
  const codes: number[] = [];
  for (let k = i; k < j; k++) codes.push(text.charCodeAt(k));
  return String.fromCharCode(...codes);
}

/** "Ġt he" → ["Ġt", "he"], with the line named on error. */
export function splitMergeLine(
  line: string,
  where: { source: string; line?: number; key?: string },
): [string, string] {
  const parts = line.split(' ');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new TokenizerError(
      `a merge must be two tokens separated by one space, got ${JSON.stringify(line)}`,
      where,
    );
  }
  return [parts[0]!, parts[1]!];
}

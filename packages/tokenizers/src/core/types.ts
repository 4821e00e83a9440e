// The Tokenizer plugin interface every tokenizer kind implements, and the shapes of
// what it returns. Third-party tokenizers implement this and register a factory.

/** Roles a special token can play; a tokenizer fills the roles it uses. */
export type SpecialTokenRole = 'pad' | 'unk' | 'bos' | 'eos' | 'cls' | 'sep' | 'mask';

export const SPECIAL_TOKEN_ROLES: readonly SpecialTokenRole[] = [
  'pad',
  'unk',
  'bos',
  'eos',
  'cls',
  'sep',
  'mask',
];

/** Special tokens by role, as token strings (e.g. `{ eos: '<|endoftext|>' }`). */
export type SpecialTokens = Partial<Record<SpecialTokenRole, string>>;

/** Which special tokens written in the input text are recognised as such. */
export type AllowedSpecial = 'all' | 'none' | readonly string[];

export interface EncodeOptions {
  /** Add the tokenizer's template tokens ([CLS] … [SEP] for BERT; nothing for GPT-2). Default true. */
  addSpecialTokens?: boolean;
  /**
   * Special tokens in the text that map to their ids: `'all'` (default, as Hugging Face),
   * `'none'` (encode them as ordinary text, as tiktoken's `encode_ordinary`), or a list.
   */
  allowedSpecial?: AllowedSpecial;
}

export interface EncodeDetailedOptions extends EncodeOptions {
  /** Second sequence of a pair (BERT sentence B, token type id 1). */
  pair?: string;
}

/** One encoded sequence with everything a model needs beside the ids. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[];
  /** 0 for the first sequence, 1 for the second of a pair. */
  tokenTypeIds: number[];
  /** 1 where a template token ([CLS], [SEP], …) was added, 0 elsewhere. */
  specialTokensMask: number[];
}

export type PaddingStrategy = boolean | 'longest' | 'max_length' | 'do_not_pad';
export type TruncationStrategy = boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';

export interface EncodeBatchOptions extends EncodeOptions {
  /** `true`/`'longest'`: pad to the longest in the batch; `'max_length'`: pad to `maxLength`. Default false. */
  padding?: PaddingStrategy;
  /** `true`/`'longest_first'`: cut sequences (template tokens included) to `maxLength`. Default false. */
  truncation?: TruncationStrategy;
  maxLength?: number;
  /** Pad on the right (default) or on the left (for batched generation). */
  paddingSide?: 'right' | 'left';
  /** Id to pad with; defaults to the tokenizer's pad token. */
  padId?: number;
}

/** A batch input is a text or a pair of texts. */
export type BatchInput = string | readonly [string, string];

export interface BatchEncoding {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
  specialTokensMask: number[][];
}

export interface DecodeOptions {
  /** Leave out special tokens (pad, [CLS], <|endoftext|>, …). Default false. */
  skipSpecialTokens?: boolean;
  /**
   * Hugging Face's `clean_up_tokenization_spaces` (" ." → ".", " n't" → "n't", …). Default is the
   * tokenizer's: true for WordPiece (as bert-base-uncased), false elsewhere so decode is exact.
   */
  cleanUpTokenizationSpaces?: boolean;
}

/** One merge step of BPE (or one match of WordPiece): the symbols after the step. */
export interface ExplainStep {
  /** The pair merged in this step (BPE) or the piece matched (WordPiece). */
  merged: readonly string[];
  /** BPE merge rank (lower merges first); absent for WordPiece. */
  rank?: number;
  symbols: string[];
}

/** How one pre-tokenised part of the input became tokens. */
export interface ExplainPart {
  /** The part of the (normalised) input text. */
  text: string;
  /** Whether this part is a special (or added) token matched whole in the text. */
  special: boolean;
  /** The symbols before any merge (bytes in the Ġ alphabet for byte-level BPE, characters otherwise). */
  initial: string[];
  steps: ExplainStep[];
  tokens: string[];
  ids: number[];
}

export interface Explanation {
  text: string;
  /** The text after normalisation (lower-casing, accent stripping, standardisation), if any. */
  normalized: string;
  parts: ExplainPart[];
  /** All ids, without template tokens. */
  ids: number[];
  tokens: string[];
}

/** The serialised form of a tokenizer: `kind` picks the factory in the registry. */
export interface TokenizerJSON {
  kind: string;
  [key: string]: unknown;
}

export interface Tokenizer {
  /** Registry kind (`'char'`, `'word'`, `'bpe'`, `'wordpiece'`, or a third party's). */
  readonly kind: string;
  /** One past the largest id. */
  readonly vocabSize: number;
  /** Special tokens by role. */
  readonly specialTokens: Readonly<SpecialTokens>;
  readonly padTokenId: number | undefined;
  readonly unkTokenId: number | undefined;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly clsTokenId: number | undefined;
  readonly sepTokenId: number | undefined;
  readonly maskTokenId: number | undefined;

  encode(text: string, options?: EncodeOptions): number[];
  /** Ids with tokens, masks and token type ids; `pair` gives a sentence pair. */
  encodeDetailed(text: string, options?: EncodeDetailedOptions): Encoding;
  /** Encodes many texts (or pairs), with optional truncation and padding. */
  encodeBatch(inputs: readonly BatchInput[], options?: EncodeBatchOptions): BatchEncoding;
  /** The token strings of `text` (no template tokens). */
  tokenize(text: string, options?: Omit<EncodeOptions, 'addSpecialTokens'>): string[];
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  decodeBatch(batch: ReadonlyArray<ArrayLike<number>>, options?: DecodeOptions): string[];
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** Whether `id` is a special token (skipped by `skipSpecialTokens`). */
  isSpecialId(id: number): boolean;
  /** The pre-tokenised parts of `text` and the steps that turned each into tokens. */
  explain(text: string): Explanation;
  /** A JSON-serialisable form that `loadTokenizer` reads back. */
  toJSON(): TokenizerJSON;
}

// Hugging Face `tokenizer.json` in and out: byte-level BPE (GPT-2 style), BERT WordPiece,
// and WordLevel for the word and char tokenizers (./word-level.ts). Parts this package does
// not implement are refused by key, never ignored.
import { z } from 'zod';
import { ByteLevelBpeTokenizer, splitMergeLine } from '../bpe/tokenizer.js';
import { CharTokenizer } from '../char/char.js';
import { bertTemplate, PLAIN_TEMPLATE, type Template, type TemplatePiece } from '../core/template.js';
import type { SpecialTokenRole, SpecialTokens, Tokenizer } from '../core/types.js';
import { parseWith } from '../core/validate.js';
import { tokensFromVocab } from '../core/vocab.js';
import { TokenizerError } from '../errors.js';
import { WordTokenizer } from '../word/word.js';
import { WordPieceTokenizer } from '../wordpiece/tokenizer.js';
import { wordLevelFromHuggingFaceJSON, wordLevelToHuggingFaceJSON } from './word-level.js';

const typed = z.looseObject({ type: z.string() });

const hfSchema = z.looseObject({
  added_tokens: z
    .array(
      z.looseObject({
        id: z.number().int().nonnegative(),
        content: z.string(),
        special: z.boolean().optional(),
      }),
    )
    .nullish(),
  normalizer: typed.nullish(),
  pre_tokenizer: typed.nullish(),
  post_processor: typed.nullish(),
  model: z.looseObject({ type: z.string().optional() }),
});

const vocabRecord = z.record(z.string(), z.number().int().nonnegative());

const bpeModel = z.looseObject({
  vocab: vocabRecord,
  merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
  continuing_subword_prefix: z.string().nullish(),
  end_of_word_suffix: z.string().nullish(),
  byte_fallback: z.boolean().nullish(),
  ignore_merges: z.boolean().nullish(),
  dropout: z.number().nullish(),
});

const wordPieceModel = z.looseObject({
  vocab: vocabRecord,
  unk_token: z.string(),
  continuing_subword_prefix: z.string().optional(),
  max_input_chars_per_word: z.number().int().positive().optional(),
});

const byteLevelPreTokenizer = z.looseObject({
  type: z.literal('ByteLevel'),
  add_prefix_space: z.boolean().optional(),
  use_regex: z.boolean().optional(),
});

const bertNormalizer = z.looseObject({
  type: z.literal('BertNormalizer'),
  clean_text: z.boolean().optional(),
  handle_chinese_chars: z.boolean().optional(),
  strip_accents: z.boolean().nullish(),
  lowercase: z.boolean().optional(),
});

const templatePiece = z.union([
  z.strictObject({
    SpecialToken: z.looseObject({ id: z.string(), type_id: z.number().int().nonnegative() }),
  }),
  z.strictObject({
    Sequence: z.looseObject({ id: z.enum(['A', 'B']), type_id: z.number().int().nonnegative() }),
  }),
]);
const templateProcessing = z.looseObject({
  type: z.literal('TemplateProcessing'),
  single: z.array(templatePiece),
  pair: z.array(templatePiece),
});
const clsSepProcessing = z.looseObject({
  type: z.enum(['BertProcessing', 'RobertaProcessing']),
  sep: z.tuple([z.string(), z.number()]),
  cls: z.tuple([z.string(), z.number()]),
});

/** Roles as tokenizer_config.json gives them (`"eos_token": "</s>"` or `{ "content": "</s>" }`). */
const configSchema = z.looseObject(
  Object.fromEntries(
    (['pad', 'unk', 'bos', 'eos', 'cls', 'sep', 'mask'] as const).map((role) => [
      `${role}_token`,
      z.union([z.string(), z.looseObject({ content: z.string() })]).nullish(),
    ]),
  ),
);

export interface HuggingFaceLoadOptions {
  /** tokenizer_config.json (parsed): gives the special token roles. */
  config?: unknown;
  /** Name for error messages. Default `tokenizer.json`. */
  source?: string;
}

/**
 * A tokenizer from a parsed Hugging Face tokenizer.json: BPE with ByteLevel, WordPiece, or
 * WordLevel in the forms toHuggingFaceJSON writes for word and char tokenizers.
 */
export function fromHuggingFaceJSON(
  json: unknown,
  options: HuggingFaceLoadOptions = {},
): ByteLevelBpeTokenizer | WordPieceTokenizer | WordTokenizer | CharTokenizer {
  const source = options.source ?? 'tokenizer.json';
  const data = parseWith(hfSchema, json, 'tokenizer.json', source);
  const raw = json as { model: Record<string, unknown> };
  const type = data.model.type ?? (Array.isArray(raw.model.merges) ? 'BPE' : 'WordPiece');
  const added = data.added_tokens ?? [];
  const roles = rolesFromConfig(options.config, source);
  if (type === 'BPE') return loadBpe(json, data, added, roles, source);
  if (type === 'WordPiece') return loadWordPiece(json, data, added, roles, source);
  if (type === 'WordLevel') return wordLevelFromHuggingFaceJSON(json as { model: unknown }, roles, source);
  throw new TokenizerError(`model type "${type}" is not supported (only BPE, WordPiece and WordLevel)`, {
    source,
    key: 'model.type',
  });
}

type Parsed = z.output<typeof hfSchema>;
type Added = NonNullable<Parsed['added_tokens']>;

function loadBpe(
  json: unknown,
  data: Parsed,
  added: Added,
  roles: SpecialTokens | undefined,
  source: string,
) {
  const model = parseWith(bpeModel, (json as { model: unknown }).model, 'BPE model', source, 'model');
  if (model.ignore_merges || (model.dropout !== null && model.dropout !== undefined && model.dropout > 0)) {
    throw new TokenizerError('BPE with ignore_merges or dropout is not supported', { source, key: 'model' });
  }
  if (model.continuing_subword_prefix || model.end_of_word_suffix || model.byte_fallback) {
    throw new TokenizerError(
      'only byte-level BPE is supported (no subword prefix, suffix or byte fallback)',
      {
        source,
        key: 'model',
      },
    );
  }
  if (data.normalizer) {
    throw new TokenizerError(`normalizer "${data.normalizer.type}" is not supported for BPE`, {
      source,
      key: 'normalizer.type',
    });
  }
  const pre = byteLevelPreTokenizer.safeParse(data.pre_tokenizer);
  if (!pre.success || pre.data.use_regex === false) {
    throw new TokenizerError('only the ByteLevel pre-tokenizer with its GPT-2 regex is supported for BPE', {
      source,
      key: 'pre_tokenizer',
    });
  }
  const tokens = withAddedTokens(tokensFromVocab(model.vocab, source, 'model.vocab'), added, source);
  const merges = model.merges.map((merge, i): [string, string] =>
    typeof merge === 'string'
      ? splitMergeLine(merge, { source, key: `model.merges[${i}]` })
      : [merge[0], merge[1]],
  );
  const eot = '<|endoftext|>';
  const specialTokens = roles ?? (tokens.includes(eot) ? { bos: eot, eos: eot, unk: eot } : {});
  const template = templateOf(data, source);
  return new ByteLevelBpeTokenizer({
    tokens,
    merges,
    specialTokens,
    ...splitAdded(added, specialTokens),
    ...(template !== undefined ? { template } : {}),
    addPrefixSpace: pre.data.add_prefix_space ?? false,
    sources: { vocab: `${source} model.vocab`, merges: `${source} model.merges` },
  });
}

function loadWordPiece(
  json: unknown,
  data: Parsed,
  added: Added,
  roles: SpecialTokens | undefined,
  source: string,
) {
  const model = parseWith(
    wordPieceModel,
    (json as { model: unknown }).model,
    'WordPiece model',
    source,
    'model',
  );
  let normalizer = { lowercase: false, stripAccents: false, handleChineseChars: false, cleanText: false };
  if (data.normalizer) {
    const parsed = bertNormalizer.safeParse(data.normalizer);
    if (!parsed.success) {
      throw new TokenizerError(
        `normalizer "${data.normalizer.type}" is not supported (only BertNormalizer)`,
        {
          source,
          key: 'normalizer.type',
        },
      );
    }
    const lowercase = parsed.data.lowercase ?? true;
    normalizer = {
      lowercase,
      stripAccents: parsed.data.strip_accents ?? lowercase,
      handleChineseChars: parsed.data.handle_chinese_chars ?? true,
      cleanText: parsed.data.clean_text ?? true,
    };
  }
  if (data.pre_tokenizer && data.pre_tokenizer.type !== 'BertPreTokenizer') {
    throw new TokenizerError(
      `pre-tokenizer "${data.pre_tokenizer.type}" is not supported for WordPiece (only BertPreTokenizer)`,
      { source, key: 'pre_tokenizer.type' },
    );
  }
  const tokens = withAddedTokens(tokensFromVocab(model.vocab, source, 'model.vocab'), added, source);
  if (!tokens.includes(model.unk_token)) {
    throw new TokenizerError(`the unknown token "${model.unk_token}" is not in the vocabulary`, {
      source,
      key: 'model.unk_token',
    });
  }
  const defaults: SpecialTokens = { pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' };
  const specialTokens =
    roles ??
    (Object.fromEntries(
      Object.entries(defaults).filter(([, token]) => tokens.includes(token as string)),
    ) as SpecialTokens);
  const template = templateOf(data, source) ?? PLAIN_TEMPLATE;
  return new WordPieceTokenizer({
    tokens,
    unkToken: model.unk_token,
    ...(model.continuing_subword_prefix !== undefined
      ? { continuingSubwordPrefix: model.continuing_subword_prefix }
      : {}),
    ...(model.max_input_chars_per_word !== undefined
      ? { maxInputCharsPerWord: model.max_input_chars_per_word }
      : {}),
    ...normalizer,
    specialTokens,
    ...splitAdded(added, specialTokens),
    template,
  });
}

function withAddedTokens(tokens: Array<string | undefined>, added: Added, source: string) {
  added.forEach(({ id, content }, i) => {
    const existing = tokens[id];
    if (existing !== undefined && existing !== content) {
      throw new TokenizerError(`id ${id} is "${existing}" in the vocabulary but "${content}" here`, {
        source,
        key: `added_tokens[${i}]`,
      });
    }
    tokens[id] = content;
  });
  for (let id = 0; id < tokens.length; id++) if (!(id in tokens)) tokens[id] = undefined;
  return tokens;
}

function splitAdded(added: Added, roles: SpecialTokens) {
  const roleTokens = new Set(Object.values(roles));
  return {
    additionalSpecialTokens: added
      .filter((t) => t.special && !roleTokens.has(t.content))
      .map((t) => t.content),
    addedTokens: added.filter((t) => !t.special && !roleTokens.has(t.content)).map((t) => t.content),
  };
}

function templateOf(data: Parsed, source: string): Template | undefined {
  const post = data.post_processor;
  if (!post || post.type === 'ByteLevel') return undefined;
  if (post.type === 'TemplateProcessing') {
    const parsed = parseWith(templateProcessing, post, 'TemplateProcessing', source, 'post_processor');
    const convert = (pieces: z.output<typeof templatePiece>[]): TemplatePiece[] =>
      pieces.map((piece) =>
        'SpecialToken' in piece
          ? { special: piece.SpecialToken.id, typeId: piece.SpecialToken.type_id }
          : { sequence: piece.Sequence.id, typeId: piece.Sequence.type_id },
      );
    return { single: convert(parsed.single), pair: convert(parsed.pair) };
  }
  if (post.type === 'BertProcessing' || post.type === 'RobertaProcessing') {
    const parsed = parseWith(clsSepProcessing, post, post.type, source, 'post_processor');
    const [cls] = parsed.cls;
    const [sep] = parsed.sep;
    if (post.type === 'BertProcessing') return bertTemplate(cls, sep);
    return {
      single: [
        { special: cls, typeId: 0 },
        { sequence: 'A', typeId: 0 },
        { special: sep, typeId: 0 },
      ],
      pair: [
        { special: cls, typeId: 0 },
        { sequence: 'A', typeId: 0 },
        { special: sep, typeId: 0 },
        { special: sep, typeId: 0 },
        { sequence: 'B', typeId: 0 },
        { special: sep, typeId: 0 },
      ],
    };
  }
  throw new TokenizerError(`post-processor "${post.type}" is not supported`, {
    source,
    key: 'post_processor.type',
  });
}

function rolesFromConfig(config: unknown, source: string): SpecialTokens | undefined {
  if (config === undefined) return undefined;
  const parsed = parseWith(
    configSchema,
    config,
    'tokenizer_config.json',
    source.replace(/[^/]*$/, 'tokenizer_config.json'),
  );
  const roles: SpecialTokens = {};
  for (const role of ['pad', 'unk', 'bos', 'eos', 'cls', 'sep', 'mask'] as SpecialTokenRole[]) {
    const value = parsed[`${role}_token`];
    if (typeof value === 'string') roles[role] = value;
    else if (value && typeof value === 'object' && 'content' in value) roles[role] = value.content;
  }
  return roles;
}

/** Whether `json` looks like a Hugging Face tokenizer.json (it has a `model`). */
export function isHuggingFaceJSON(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'model' in json && typeof json.model === 'object';
}

/** A Hugging Face tokenizer.json for a byte-level BPE, WordPiece, word or char tokenizer of this package. */
export function toHuggingFaceJSON(tokenizer: Tokenizer): Record<string, unknown> {
  if (tokenizer instanceof WordTokenizer || tokenizer instanceof CharTokenizer)
    return wordLevelToHuggingFaceJSON(tokenizer);
  if (!(tokenizer instanceof ByteLevelBpeTokenizer) && !(tokenizer instanceof WordPieceTokenizer)) {
    throw new TokenizerError(`toHuggingFaceJSON: kind "${tokenizer.kind}" has no tokenizer.json form`);
  }
  const json = tokenizer.toJSON();
  const template = json.template as Template;
  const specialSet = new Set([
    ...Object.values(json.specialTokens as SpecialTokens),
    ...(json.additionalSpecialTokens as string[]),
  ]);
  for (const piece of [...template.single, ...template.pair])
    if ('special' in piece) specialSet.add(piece.special);
  const addedContents = [...specialSet, ...(json.addedTokens as string[])];
  const added_tokens = addedContents
    .map((content) => ({
      id: tokenizer.tokenToId(content)!,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: specialSet.has(content),
    }))
    .sort((a, b) => a.id - b.id);
  const hasTemplateTokens =
    template.single.some((p) => 'special' in p) || template.pair.some((p) => 'special' in p);
  const post_processor = hasTemplateTokens ? templateToHF(template, tokenizer) : null;
  const common = { version: '1.0', truncation: null, padding: null, added_tokens };
  if (tokenizer instanceof ByteLevelBpeTokenizer) {
    const byteLevel = { add_prefix_space: tokenizer.addPrefixSpace, trim_offsets: true, use_regex: true };
    return {
      ...common,
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
      post_processor: post_processor ?? { type: 'ByteLevel', ...byteLevel },
      decoder: { type: 'ByteLevel', ...byteLevel },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab: json.vocab,
        merges: json.merges,
      },
    };
  }
  const vocab: Record<string, number> = {};
  (json.vocab as Array<string | null>).forEach((token, id) => {
    if (token !== null) vocab[token] = id;
  });
  return {
    ...common,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: json.cleanText,
      handle_chinese_chars: json.handleChineseChars,
      strip_accents: json.stripAccents,
      lowercase: json.lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor,
    decoder: { type: 'WordPiece', prefix: json.continuingSubwordPrefix, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: json.unkToken,
      continuing_subword_prefix: json.continuingSubwordPrefix,
      max_input_chars_per_word: json.maxInputCharsPerWord,
      vocab,
    },
  };
}

function templateToHF(template: Template, tokenizer: Tokenizer) {
  const convert = (pieces: readonly TemplatePiece[]) =>
    pieces.map((piece) =>
      'special' in piece
        ? { SpecialToken: { id: piece.special, type_id: piece.typeId } }
        : { Sequence: { id: piece.sequence, type_id: piece.typeId } },
    );
  const special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }> = {};
  for (const piece of [...template.single, ...template.pair]) {
    if ('special' in piece) {
      special_tokens[piece.special] = {
        id: piece.special,
        ids: [tokenizer.tokenToId(piece.special)!],
        tokens: [piece.special],
      };
    }
  }
  return {
    type: 'TemplateProcessing',
    single: convert(template.single),
    pair: convert(template.pair),
    special_tokens,
  };
}

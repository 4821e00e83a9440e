// WordTokenizer and CharTokenizer as Hugging Face `tokenizer.json` files (model `WordLevel`),
// both ways, so a folder saved with one loads in `transformers`' AutoTokenizer and in
// @huggingface/tokenizers, and reads back here. The mapping is exact for encoding:
//
// - Word, `split: 'whitespace'`: a `Split` pre-tokenizer on runs of exactly the characters
//   JavaScript's `\s` matches, removed (HF's own WhitespaceSplit uses Rust's White_Space,
//   which adds U+0085 and lacks U+FEFF, so it is not used).
// - Word, `split: 'punctuation'`: `Split` isolating `[,.:;?_!"()']|--`, then the whitespace
//   split — the two steps give the same pieces as our single `([,.:;?_!"()']|--|\s)` scan.
// - Standardisation: a `Sequence` of normalizers in our order — `Lowercase`, `Replace`s
//   (regex `<[^>]*>` → space, each literal replacement, `[!?]` → `.`, `\.+` → a private-use
//   mark, `[\p{P}\p{S}]` → nothing, the mark → the sentence-end token).
// - Char: a `Split` isolating every code point (`[\s\S]`) and a `Fuse` decoder.
// - Special tokens are `added_tokens` (special, not normalised), matched in raw text before
//   normalisation, as ours are; `appendEos` is a TemplateProcessing post-processor.
// - No unk token: WordLevel still needs an `unk_token`; one that is not in the vocabulary is
//   written, so an unknown word fails there as it does here.
//
// Not exact: Rust's `Lowercase` maps character by character, so a
// final capital sigma lowers to σ there and to ς here (JavaScript's context rule); and
// decoding a punctuation-split word tokenizer: Hugging Face joins tokens with spaces
// ("a , b ."), ours removes the space before `,.?!"()'` ("a, b."), which no HF decoder
// expresses. Whitespace-split words (joined with spaces) and chars (fused) decode the same.
import { z } from 'zod';
import { CharTokenizer } from '../char/char.js';
import { suffixTemplate, type Template } from '../core/template.js';
import type { SpecialTokens } from '../core/types.js';
import { parseWith } from '../core/validate.js';
import { tokensFromVocab } from '../core/vocab.js';
import { TokenizerError } from '../errors.js';
import type { StandardizeOptions } from '../word/standardize.js';
import { WordTokenizer } from '../word/word.js';

/**
 * Exactly the characters of JavaScript's `\s`, written as themselves in a regex class (the
 * JSON escapes the control ones), so Oniguruma (Rust tokenizers) and JS read it alike.
 */
const JS_WHITESPACE = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
] as const;
const WHITESPACE_RUN = `[${JS_WHITESPACE.map(([a, b]) =>
  a === b ? String.fromCharCode(a) : `${String.fromCharCode(a)}-${String.fromCharCode(b)}`,
).join('')}]+`;
const PUNCTUATION = `[,.:;?_!"()']|--`;
const EVERY_CHARACTER = '[\\s\\S]';

const HTML_TAG = '<[^>]*>';
const SENTENCE_END = '[!?]';
const PERIOD_RUN = '\\.+';
const PUNCTUATION_AND_SYMBOLS = '[\\p{P}\\p{S}]';
/** Our standardize()'s stand-in for sentence ends while punctuation is removed. */
const END_MARK = '\uE000';

type Json = Record<string, unknown>;

const split = (pattern: string, behavior: 'Removed' | 'Isolated'): Json => ({
  type: 'Split',
  pattern: { Regex: pattern },
  behavior,
  invert: false,
});
const replace = (pattern: { Regex: string } | { String: string }, content: string): Json => ({
  type: 'Replace',
  pattern,
  content,
});

const WHITESPACE_SPLIT = split(WHITESPACE_RUN, 'Removed');
const PUNCTUATION_SPLIT = split(PUNCTUATION, 'Isolated');
const CHARACTER_SPLIT = split(EVERY_CHARACTER, 'Isolated');

/** Our standardize() steps as HF normalizers, in the same order; null when nothing is done. */
export function standardizeToNormalizer(options: StandardizeOptions | undefined): Json | null {
  if (options === undefined) return null;
  const steps: Json[] = [];
  if (options.lowercase) steps.push({ type: 'Lowercase' });
  if (options.stripHtml) steps.push(replace({ Regex: HTML_TAG }, ' '));
  for (const [from, to] of options.replacements ?? []) steps.push(replace({ String: from }, to));
  if (options.unifySentenceEnds) steps.push(replace({ Regex: SENTENCE_END }, '.'));
  if (options.sentenceEndToken !== undefined) steps.push(replace({ Regex: PERIOD_RUN }, ` ${END_MARK} `));
  if (options.removePunctuation) steps.push(replace({ Regex: PUNCTUATION_AND_SYMBOLS }, ''));
  if (options.sentenceEndToken !== undefined)
    steps.push(replace({ String: END_MARK }, options.sentenceEndToken));
  return steps.length === 0 ? null : { type: 'Sequence', normalizers: steps };
}

const replaceSchema = z.looseObject({
  type: z.literal('Replace'),
  pattern: z.union([z.strictObject({ Regex: z.string() }), z.strictObject({ String: z.string() })]),
  content: z.string(),
});

/** The inverse of standardizeToNormalizer: only its own sequences are understood. */
export function normalizerToStandardize(normalizer: unknown, source: string): StandardizeOptions | undefined {
  if (normalizer === null || normalizer === undefined) return undefined;
  const refuse = (index: number | null, why: string): never => {
    throw new TokenizerError(
      `${why}; a word-level tokenizer reads only the normalizers tensorlm writes (Lowercase, then Replace steps of its standardisation)`,
      { source, key: index === null ? 'normalizer' : `normalizer.normalizers[${index}]` },
    );
  };
  const top = normalizer as { type?: unknown; normalizers?: unknown };
  const steps: unknown[] =
    top.type === 'Sequence' && Array.isArray(top.normalizers) ? top.normalizers : [normalizer];
  const options: StandardizeOptions = {};
  // The stages in order; each step must belong to the current stage or a later one.
  let stage = 0;
  let endMark = false;
  for (const [i, step] of steps.entries()) {
    const type = (step as { type?: unknown } | null)?.type;
    if (type === 'Lowercase' && stage === 0) {
      options.lowercase = true;
      stage = 1;
      continue;
    }
    const parsed = replaceSchema.safeParse(step);
    if (!parsed.success) refuse(i, `normalizer "${String(type)}" is not supported here (or is out of order)`);
    const { pattern, content } = parsed.data!;
    const regex = 'Regex' in pattern ? pattern.Regex : null;
    if (regex === HTML_TAG && content === ' ' && stage <= 1) {
      options.stripHtml = true;
      stage = 2;
    } else if ('String' in pattern && pattern.String !== END_MARK && stage <= 3) {
      options.replacements = [...(options.replacements ?? []), [pattern.String, content]];
      stage = 3;
    } else if (regex === SENTENCE_END && content === '.' && stage <= 3) {
      options.unifySentenceEnds = true;
      stage = 4;
    } else if (regex === PERIOD_RUN && content === ` ${END_MARK} ` && stage <= 4) {
      endMark = true;
      stage = 5;
    } else if (regex === PUNCTUATION_AND_SYMBOLS && content === '' && stage <= 5) {
      options.removePunctuation = true;
      stage = 6;
    } else if ('String' in pattern && pattern.String === END_MARK && endMark && i === steps.length - 1) {
      if (content === '') refuse(i, 'the sentence-end token is empty');
      options.sentenceEndToken = content;
      stage = 7;
    } else {
      refuse(
        i,
        `Replace ${JSON.stringify(pattern)} → ${JSON.stringify(content)} is not a step of tensorlm's standardisation (or is out of order)`,
      );
    }
  }
  if (endMark && options.sentenceEndToken === undefined)
    refuse(null, 'sentence ends are marked but never replaced by a token');
  return options;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A `unk_token` not in the vocabulary, for tokenizers without one (WordLevel requires the field). */
function absentUnkToken(vocab: ReadonlySet<string>): string {
  for (const candidate of ['<unk>', '[UNK]', '<|unk|>']) if (!vocab.has(candidate)) return candidate;
  let n = 0;
  while (vocab.has(`<unk-${n}>`)) n++;
  return `<unk-${n}>`;
}

function templateToHF(template: Template, idOf: (token: string) => number): Json {
  const convert = (pieces: Template['single']) =>
    pieces.map((piece) =>
      'special' in piece
        ? { SpecialToken: { id: piece.special, type_id: piece.typeId } }
        : { Sequence: { id: piece.sequence, type_id: piece.typeId } },
    );
  const special_tokens: Record<string, Json> = {};
  for (const piece of [...template.single, ...template.pair]) {
    if ('special' in piece)
      special_tokens[piece.special] = {
        id: piece.special,
        ids: [idOf(piece.special)],
        tokens: [piece.special],
      };
  }
  return {
    type: 'TemplateProcessing',
    single: convert(template.single),
    pair: convert(template.pair),
    special_tokens,
  };
}

/** tokenizer.json for a WordTokenizer or CharTokenizer (model WordLevel). */
export function wordLevelToHuggingFaceJSON(tokenizer: WordTokenizer | CharTokenizer): Json {
  const json = tokenizer.toJSON() as unknown as { vocab: string[]; specialTokens: SpecialTokens };
  const tokens = json.vocab;
  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => {
    vocab[token] = id;
  });
  const specials = [
    ...new Set(Object.values(json.specialTokens).filter((t): t is string => t !== undefined)),
  ];
  const added_tokens = specials
    .map((content) => ({
      id: tokenizer.tokenToId(content)!,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }))
    .sort((a, b) => a.id - b.id);
  const unk = json.specialTokens.unk;
  const model = {
    type: 'WordLevel',
    vocab,
    unk_token: unk ?? absentUnkToken(new Set(tokens)),
  };
  const common = { version: '1.0', truncation: null, padding: null, added_tokens };
  if (tokenizer instanceof CharTokenizer) {
    return {
      ...common,
      normalizer: null,
      pre_tokenizer: CHARACTER_SPLIT,
      post_processor: null,
      decoder: { type: 'Fuse' },
      model,
    };
  }
  const eos = json.specialTokens.eos;
  return {
    ...common,
    normalizer: standardizeToNormalizer(tokenizer.standardizeOptions),
    pre_tokenizer:
      tokenizer.split === 'whitespace'
        ? WHITESPACE_SPLIT
        : { type: 'Sequence', pretokenizers: [PUNCTUATION_SPLIT, WHITESPACE_SPLIT] },
    post_processor:
      tokenizer.appendEos && eos !== undefined
        ? templateToHF(suffixTemplate(eos), (t) => tokenizer.tokenToId(t)!)
        : null,
    // No decoder: Hugging Face joins the tokens with spaces, as our word decode does.
    decoder: null,
    model,
  };
}

const wordLevelModel = z.looseObject({
  type: z.literal('WordLevel').optional(),
  vocab: z.record(z.string(), z.number().int().nonnegative()),
  unk_token: z.string().nullish(),
});

/** Whether a parsed tokenizer.json holds a WordLevel model (by type, or by shape). */
export function isWordLevelJSON(json: { model: Record<string, unknown> }): boolean {
  return json.model.type === 'WordLevel';
}

/**
 * A WordTokenizer or CharTokenizer from a WordLevel tokenizer.json this module wrote (or one
 * built the same way). `roles` (from tokenizer_config.json) name the special tokens; without
 * it the model's unk_token (when in the vocabulary) and the template's appended token are
 * the only roles known.
 */
export function wordLevelFromHuggingFaceJSON(
  json: {
    model: unknown;
    pre_tokenizer?: unknown;
    post_processor?: unknown;
    normalizer?: unknown;
    decoder?: unknown;
  },
  roles: SpecialTokens | undefined,
  source: string,
): WordTokenizer | CharTokenizer {
  const model = parseWith(wordLevelModel, json.model, 'WordLevel model', source, 'model');
  const sparse = tokensFromVocab(model.vocab, source, 'model.vocab');
  const hole = sparse.indexOf(undefined);
  if (hole !== -1) {
    throw new TokenizerError(`ids must run from 0 without gaps: no token has id ${hole}`, {
      source,
      key: 'model.vocab',
    });
  }
  const vocab = sparse as string[];
  const specialTokens: SpecialTokens = { ...roles };
  const unk = model.unk_token;
  if (specialTokens.unk === undefined && unk && vocab.includes(unk)) specialTokens.unk = unk;

  const isChar = sameJson(json.pre_tokenizer, CHARACTER_SPLIT);
  if (isChar) {
    if (json.normalizer)
      throw new TokenizerError('a character tokenizer has no normalizer', { source, key: 'normalizer' });
    if (json.post_processor)
      throw new TokenizerError('a character tokenizer has no post-processor', {
        source,
        key: 'post_processor',
      });
    if (!sameJson(json.decoder, { type: 'Fuse' }))
      throw new TokenizerError('a character tokenizer decodes with the Fuse decoder', {
        source,
        key: 'decoder',
      });
    const specialSet = new Set(Object.values(specialTokens));
    vocab.forEach((token, id) => {
      if ([...token].length !== 1 && !specialSet.has(token)) {
        throw new TokenizerError(`"${token}" (id ${id}) is neither one character nor a special token`, {
          source,
          key: `model.vocab[${JSON.stringify(token)}]`,
        });
      }
    });
    const { unk: unkToken, ...others } = specialTokens;
    return CharTokenizer.fromJSON(
      {
        kind: 'char',
        version: 1,
        vocab,
        ...(unkToken !== undefined ? { unkToken } : {}),
        specialTokens: others,
      },
      source,
    );
  }

  let splitMode: 'whitespace' | 'punctuation';
  if (sameJson(json.pre_tokenizer, WHITESPACE_SPLIT)) splitMode = 'whitespace';
  else if (
    sameJson(json.pre_tokenizer, { type: 'Sequence', pretokenizers: [PUNCTUATION_SPLIT, WHITESPACE_SPLIT] })
  )
    splitMode = 'punctuation';
  else {
    throw new TokenizerError(
      'pre-tokenizer not supported for WordLevel: only the whitespace / punctuation Split forms tensorlm writes, or the per-character Split',
      { source, key: 'pre_tokenizer' },
    );
  }
  if (json.decoder !== null && json.decoder !== undefined)
    throw new TokenizerError('a word tokenizer has no decoder (tokens are joined with spaces)', {
      source,
      key: 'decoder',
    });
  let appendEos = false;
  if (json.post_processor !== null && json.post_processor !== undefined) {
    const post = json.post_processor as { type?: unknown; single?: unknown; pair?: unknown };
    const last = (post.single as { SpecialToken?: { id?: unknown } }[] | undefined)?.[1]?.SpecialToken?.id;
    const eos = typeof last === 'string' ? last : undefined;
    const expected =
      eos === undefined ? null : templateToHF(suffixTemplate(eos), (t) => model.vocab[t] ?? -1);
    if (
      post.type !== 'TemplateProcessing' ||
      expected === null ||
      !sameJson(post.single, expected.single) ||
      !sameJson(post.pair, expected.pair)
    ) {
      throw new TokenizerError('only a template appending one token after each sequence is supported here', {
        source,
        key: 'post_processor',
      });
    }
    if (specialTokens.eos !== undefined && specialTokens.eos !== eos) {
      throw new TokenizerError(`the template appends "${eos}" but the eos token is "${specialTokens.eos}"`, {
        source,
        key: 'post_processor',
      });
    }
    specialTokens.eos = eos!;
    appendEos = true;
  }
  const standardize = normalizerToStandardize(json.normalizer, source);
  return WordTokenizer.fromJSON(
    {
      kind: 'word',
      version: 1,
      vocab,
      specialTokens,
      ...(standardize !== undefined ? { standardize } : {}),
      split: splitMode,
      appendEos,
    },
    source,
  );
}

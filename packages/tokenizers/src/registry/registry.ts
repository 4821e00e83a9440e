// The tokenizer registry: `kind` → factory. `tokenizerFromJSON` dispatches on the kind
// a tokenizer's JSON names, so a third party adds a kind with registerTokenizer alone.
import { ByteLevelBpeTokenizer } from '../bpe/tokenizer.js';
import { CharTokenizer } from '../char/char.js';
import type { Tokenizer, TokenizerJSON } from '../core/types.js';
import { TokenizerError } from '../errors.js';
import { fromHuggingFaceJSON, isHuggingFaceJSON } from '../hf/tokenizer-json.js';
import { WordTokenizer } from '../word/word.js';
import { WordPieceTokenizer } from '../wordpiece/tokenizer.js';

/** Where the JSON came from, for error messages (a file path, or a description). */
export interface FactoryContext {
  source: string;
}

/** Builds a tokenizer from its JSON form (`toJSON()` output); should validate its input. */
export type TokenizerFactory = (json: TokenizerJSON, context: FactoryContext) => Tokenizer;

const BUILT_IN: ReadonlyArray<readonly [string, TokenizerFactory]> = [
  ['char', (json, { source }) => CharTokenizer.fromJSON(json, source)],
  ['word', (json, { source }) => WordTokenizer.fromJSON(json, source)],
  ['bpe', (json, { source }) => ByteLevelBpeTokenizer.fromJSON(json, source)],
  ['wordpiece', (json, { source }) => WordPieceTokenizer.fromJSON(json, source)],
];

const factories = new Map<string, TokenizerFactory>(BUILT_IN);

export interface RegisterOptions {
  /** Replace an existing kind instead of failing. */
  replace?: boolean;
}

export function registerTokenizer(
  kind: string,
  factory: TokenizerFactory,
  options: RegisterOptions = {},
): void {
  if (typeof kind !== 'string' || !/^[a-z0-9][\w.-]*$/i.test(kind)) {
    throw new TokenizerError(
      `registerTokenizer: kind must be a name like "my-bpe", got ${JSON.stringify(kind)}`,
    );
  }
  if (typeof factory !== 'function')
    throw new TokenizerError('registerTokenizer: factory must be a function');
  if (factories.has(kind) && !options.replace) {
    throw new TokenizerError(
      `registerTokenizer: kind "${kind}" is already registered (pass { replace: true })`,
    );
  }
  factories.set(kind, factory);
}

/** Removes a kind (built-in kinds come back only by registering them again). */
export function unregisterTokenizer(kind: string): boolean {
  return factories.delete(kind);
}

export function listTokenizerKinds(): string[] {
  return [...factories.keys()];
}

/**
 * A tokenizer from parsed JSON: this package's form (`{ kind, … }`, dispatched through the
 * registry) or a Hugging Face tokenizer.json.
 */
export function tokenizerFromJSON(json: unknown, source = 'tokenizer JSON'): Tokenizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TokenizerError('expected a JSON object', { source });
  }
  const kind = (json as { kind?: unknown }).kind;
  if (kind === undefined && isHuggingFaceJSON(json)) return fromHuggingFaceJSON(json, { source });
  if (typeof kind !== 'string') {
    throw new TokenizerError('no "kind" (and not a Hugging Face tokenizer.json with a "model")', {
      source,
      key: 'kind',
    });
  }
  const factory = factories.get(kind);
  if (factory === undefined) {
    throw new TokenizerError(
      `unknown tokenizer kind "${kind}"; registered: ${listTokenizerKinds().join(', ')}`,
      {
        source,
        key: 'kind',
      },
    );
  }
  return factory(json as TokenizerJSON, { source });
}

// The browser twin of ./load.ts: a tokenizer from a JSON string or a parsed JSON object
// (this package's `toJSON()` form or a Hugging Face tokenizer.json). There are no paths in
// a browser: a folder's files (dropped onto the page, fetched) load through
// `loadTokenizerFiles` (./load-files.ts).
import type { Tokenizer } from '../core/types.js';
import { parseJsonText } from '../core/validate.js';
import { TokenizerError } from '../errors.js';
import { tokenizerFromJSON } from './registry.js';

/** Loads a tokenizer from a JSON string or object; a path or URL is an error saying what to use instead. */
export async function loadTokenizer(json: string | object): Promise<Tokenizer> {
  if (typeof json === 'string' && json.trimStart().startsWith('{'))
    return tokenizerFromJSON(parseJsonText(json, 'JSON string'));
  if (typeof json === 'object' && json !== null && !(json instanceof URL)) return tokenizerFromJSON(json);
  throw new TokenizerError(
    `loadTokenizer: ${String(json)} is a path or URL, which a browser cannot read as a folder: fetch the files and use loadTokenizerFiles, tokenizerFromJSON, bpeFromFiles or wordPieceFromVocabTxt`,
  );
}

// Loading and saving tokenizers by path in Node: our JSON, a Hugging Face tokenizer.json,
// vocab.json + merges.txt, or vocab.txt; a directory is searched for them in that order
// (./load-files.ts decides, over files on disk here). Only the Node entry reaches this
// file; the browser entry has ./load.browser.ts.
import type { Tokenizer } from '../core/types.js';
import { parseJsonText } from '../core/validate.js';
import { TokenizerError } from '../errors.js';
import { loadTokenizerFiles, type TokenizerFiles, tokenizerFromFile } from './load-files.js';
import { tokenizerFromJSON } from './registry.js';

async function fs() {
  try {
    return await import('node:fs/promises');
  } catch {
    throw new TokenizerError(
      'loading by path needs Node.js file access; in a browser, fetch the files and use tokenizerFromJSON, bpeFromFiles or wordPieceFromVocabTxt',
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await fs()).access(path);
    return true;
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await (await fs()).readFile(path, 'utf8');
  } catch (error) {
    throw new TokenizerError(`cannot read: ${error instanceof Error ? error.message : String(error)}`, {
      source: path,
    });
  }
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}

/**
 * Loads a tokenizer from a path (file or directory), a JSON string, or a parsed JSON object
 * (this package's `toJSON()` form, dispatched by `kind`, or a Hugging Face tokenizer.json).
 */
export async function loadTokenizer(pathOrJson: string | URL | object): Promise<Tokenizer> {
  if (pathOrJson instanceof URL) {
    const { fileURLToPath } = await import('node:url');
    return loadPath(fileURLToPath(pathOrJson));
  }
  if (typeof pathOrJson === 'object' && pathOrJson !== null) return tokenizerFromJSON(pathOrJson);
  if (typeof pathOrJson !== 'string') {
    throw new TokenizerError('loadTokenizer: expected a path, a JSON string or a JSON object');
  }
  if (pathOrJson.trimStart().startsWith('{'))
    return tokenizerFromJSON(parseJsonText(pathOrJson, 'JSON string'));
  return loadPath(pathOrJson);
}

async function loadPath(path: string): Promise<Tokenizer> {
  const stat = await (await fs()).stat(path).catch(() => undefined);
  if (stat === undefined) throw new TokenizerError('no such file or directory', { source: path });
  if (!stat.isDirectory()) return loadFile(path);
  return loadTokenizerFiles(folderFiles(path, '', path), path);
}

/** A folder on disk as TokenizerFiles; `given` (the file a caller named, as named) keeps its spelling in messages. */
function folderFiles(dir: string, givenName: string, given: string): TokenizerFiles {
  const where = (name: string) => (name === givenName ? given : join(dir || '.', name));
  return { where, has: (name) => exists(where(name)), readText: (name) => readText(where(name)) };
}

async function loadFile(file: string): Promise<Tokenizer> {
  const name = file.replace(/^.*[/\\]/, '');
  const dir = file.slice(0, file.length - name.length);
  return tokenizerFromFile(folderFiles(dir, name, file), name);
}

/** Writes `tokenizer.toJSON()` to `path` (read back with loadTokenizer). */
export async function saveTokenizer(tokenizer: Tokenizer, path: string): Promise<void> {
  await (await fs()).writeFile(path, `${JSON.stringify(tokenizer.toJSON())}\n`, 'utf8');
}

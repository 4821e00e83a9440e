// Loading and saving tokenizers by path in Node: our JSON, a Hugging Face tokenizer.json,
// vocab.json + merges.txt, or vocab.txt; a directory is searched for them in that order.
// node:fs is imported on demand so the rest of the package runs in browsers.
import { bpeFromFiles } from '../bpe/files.js';
import type { Tokenizer } from '../core/types.js';
import { parseJsonText } from '../core/validate.js';
import { TokenizerError } from '../errors.js';
import { fromHuggingFaceJSON, isHuggingFaceJSON } from '../hf/tokenizer-json.js';
import { wordPieceFromVocabTxt } from '../wordpiece/files.js';
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
  for (const name of ['tokenizer.json', 'vocab.json', 'encoder.json', 'vocab.txt']) {
    const file = join(path, name);
    if (await exists(file)) return loadFile(file);
  }
  throw new TokenizerError(
    'found none of tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe, vocab.txt',
    { source: path },
  );
}

async function loadFile(file: string): Promise<Tokenizer> {
  let name = file.replace(/^.*[/\\]/, '');
  const dir = file.slice(0, file.length - name.length);
  // A merges file names its pair: load from the vocabulary beside it.
  if (name === 'merges.txt' || name === 'vocab.bpe') {
    name = name === 'merges.txt' ? 'vocab.json' : 'encoder.json';
    file = join(dir || '.', name);
    if (!(await exists(file))) throw new TokenizerError('not found beside the merges file', { source: file });
  }
  if (name === 'vocab.json' || name === 'encoder.json') {
    const mergesName = name === 'vocab.json' ? 'merges.txt' : 'vocab.bpe';
    const merges = join(dir || '.', mergesName);
    if (await exists(merges)) {
      const config = await readConfig(dir);
      const eot = '<|endoftext|>';
      const vocabText = await readText(file);
      return bpeFromFiles(vocabText, await readText(merges), {
        vocabName: file,
        mergesName: merges,
        specialTokens:
          config ?? (vocabText.includes(JSON.stringify(eot)) ? { bos: eot, eos: eot, unk: eot } : {}),
      });
    }
  }
  if (name.endsWith('.txt')) {
    const config = await readTokenizerConfig(dir);
    const lowercase = typeof config?.do_lower_case === 'boolean' ? config.do_lower_case : true;
    return wordPieceFromVocabTxt(await readText(file), { source: file, lowercase });
  }
  const json = parseJsonText(await readText(file), file);
  const isVocab = name === 'vocab.json' || name === 'encoder.json';
  if (isVocab && typeof json === 'object' && json !== null && !('kind' in json) && !('model' in json)) {
    throw new TokenizerError(
      `a BPE vocabulary needs ${name === 'vocab.json' ? 'merges.txt' : 'vocab.bpe'} beside it`,
      {
        source: file,
      },
    );
  }
  if (isHuggingFaceJSON(json) && (json as { kind?: unknown }).kind === undefined) {
    const config = await readTokenizerConfig(dir);
    return fromHuggingFaceJSON(json, { source: file, ...(config !== undefined ? { config } : {}) });
  }
  return tokenizerFromJSON(json, file);
}

async function readTokenizerConfig(dir: string): Promise<Record<string, unknown> | undefined> {
  const file = join(dir || '.', 'tokenizer_config.json');
  if (!(await exists(file))) return undefined;
  const json = parseJsonText(await readText(file), file);
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
}

/** Roles from tokenizer_config.json, for the vocab.json + merges.txt pair. */
async function readConfig(dir: string) {
  const config = await readTokenizerConfig(dir);
  if (config === undefined) return undefined;
  const roles: Record<string, string> = {};
  for (const role of ['pad', 'unk', 'bos', 'eos', 'cls', 'sep', 'mask']) {
    const value = config[`${role}_token`];
    if (typeof value === 'string') roles[role] = value;
    else if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { content?: unknown }).content === 'string'
    )
      roles[role] = (value as { content: string }).content;
  }
  return roles;
}

/** Writes `tokenizer.toJSON()` to `path` (read back with loadTokenizer). */
export async function saveTokenizer(tokenizer: Tokenizer, path: string): Promise<void> {
  await (await fs()).writeFile(path, `${JSON.stringify(tokenizer.toJSON())}\n`, 'utf8');
}

// Loading a tokenizer from the files of a model folder, wherever they are: a folder on disk
// (./load.ts in Node), files a user dropped onto a web page, a Hub snapshot in Cache
// Storage. The folder is reached through `TokenizerFiles`, so this module needs no `node:`
// import. Files, in order of preference: tokenizer.json (this package's form or Hugging
// Face's), vocab.json + merges.txt, encoder.json + vocab.bpe, vocab.txt; tokenizer_config.json
// beside them supplies special tokens and `do_lower_case`.
import { bpeFromFiles } from '../bpe/files.js';
import type { Tokenizer } from '../core/types.js';
import { parseJsonText } from '../core/validate.js';
import { TokenizerError } from '../errors.js';
import { fromHuggingFaceJSON, isHuggingFaceJSON } from '../hf/tokenizer-json.js';
import { wordPieceFromVocabTxt } from '../wordpiece/files.js';
import { tokenizerFromJSON } from './registry.js';

/** One folder's files, by plain name (`tokenizer.json`). */
export interface TokenizerFiles {
  /** How a file is named in messages: its path or URL. */
  where(name: string): string;
  has(name: string): boolean | Promise<boolean>;
  /** The file's text; errors should name `where(name)`. */
  readText(name: string): Promise<string>;
}

/** The files that make a folder hold a tokenizer, in the order they are preferred. */
export const TOKENIZER_FILE_NAMES = ['tokenizer.json', 'vocab.json', 'encoder.json', 'vocab.txt'] as const;

/** The preferred tokenizer file the folder holds, or undefined when it holds none. */
export async function findTokenizerFile(files: TokenizerFiles): Promise<string | undefined> {
  for (const name of TOKENIZER_FILE_NAMES) if (await files.has(name)) return name;
  return undefined;
}

/** Loads the folder's tokenizer (its preferred file); an error naming the folder when it has none. */
export async function loadTokenizerFiles(
  files: TokenizerFiles,
  folder = files.where(''),
): Promise<Tokenizer> {
  const name = await findTokenizerFile(files);
  if (name === undefined) {
    throw new TokenizerError(
      'found none of tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe, vocab.txt',
      { source: folder },
    );
  }
  return tokenizerFromFile(files, name);
}

/**
 * Loads the tokenizer that file `name` of the folder holds: a tokenizer.json, a BPE
 * vocabulary (or its merges file: the pair is loaded) or a WordPiece vocab.txt.
 */
export async function tokenizerFromFile(files: TokenizerFiles, name: string): Promise<Tokenizer> {
  // A merges file names its pair: load from the vocabulary beside it.
  if (name === 'merges.txt' || name === 'vocab.bpe') {
    name = name === 'merges.txt' ? 'vocab.json' : 'encoder.json';
    if (!(await files.has(name)))
      throw new TokenizerError('not found beside the merges file', { source: files.where(name) });
  }
  const file = files.where(name);
  if (name === 'vocab.json' || name === 'encoder.json') {
    const mergesName = name === 'vocab.json' ? 'merges.txt' : 'vocab.bpe';
    if (await files.has(mergesName)) {
      const config = await readRoles(files);
      const eot = '<|endoftext|>';
      const vocabText = await files.readText(name);
      return bpeFromFiles(vocabText, await files.readText(mergesName), {
        vocabName: file,
        mergesName: files.where(mergesName),
        specialTokens:
          config ?? (vocabText.includes(JSON.stringify(eot)) ? { bos: eot, eos: eot, unk: eot } : {}),
      });
    }
  }
  if (name.endsWith('.txt')) {
    const config = await readTokenizerConfig(files);
    const lowercase = typeof config?.do_lower_case === 'boolean' ? config.do_lower_case : true;
    return wordPieceFromVocabTxt(await files.readText(name), { source: file, lowercase });
  }
  const json = parseJsonText(await files.readText(name), file);
  const isVocab = name === 'vocab.json' || name === 'encoder.json';
  if (isVocab && typeof json === 'object' && json !== null && !('kind' in json) && !('model' in json)) {
    throw new TokenizerError(
      `a BPE vocabulary needs ${name === 'vocab.json' ? 'merges.txt' : 'vocab.bpe'} beside it`,
      { source: file },
    );
  }
  if (isHuggingFaceJSON(json) && (json as { kind?: unknown }).kind === undefined) {
    const config = await readTokenizerConfig(files);
    return fromHuggingFaceJSON(json, { source: file, ...(config !== undefined ? { config } : {}) });
  }
  return tokenizerFromJSON(json, file);
}

async function readTokenizerConfig(files: TokenizerFiles): Promise<Record<string, unknown> | undefined> {
  const name = 'tokenizer_config.json';
  if (!(await files.has(name))) return undefined;
  const json = parseJsonText(await files.readText(name), files.where(name));
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
}

/** Roles from tokenizer_config.json, for the vocab.json + merges.txt pair. */
async function readRoles(files: TokenizerFiles) {
  const config = await readTokenizerConfig(files);
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

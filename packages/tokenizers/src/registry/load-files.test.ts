// Loading a tokenizer from a folder's files wherever they are (a browser's dropped files):
// the same files give the same tokenizer as the packaged GPT-2 / BERT ones, the preferred
// file wins, tokenizer_config.json is honoured, and a folder without a tokenizer names the
// files looked for.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '../char/char.js';
import { TokenizerError } from '../errors.js';
import { bertBaseUncased, gpt2 } from '../pretrained/pretrained.js';
import {
  findTokenizerFile,
  loadTokenizerFiles,
  type TokenizerFiles,
  tokenizerFromFile,
} from './load-files.js';

const asset = (path: string) => readFileSync(new URL(`../../assets/${path}`, import.meta.url), 'utf8');

/** An in-memory folder, as a page holding dropped files has. */
function memoryFolder(files: Record<string, string>): TokenizerFiles & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    where: (name) => `dropped/${name}`,
    has: (name) => name in files,
    readText: async (name) => {
      reads.push(name);
      const text = files[name];
      if (text === undefined) throw new Error(`no ${name}`);
      return text;
    },
  };
}

describe('loadTokenizerFiles', () => {
  it('vocab.json + merges.txt give GPT-2', async () => {
    const folder = memoryFolder({
      'vocab.json': asset('gpt2/encoder.json'),
      'merges.txt': asset('gpt2/vocab.bpe'),
    });
    const tokenizer = await loadTokenizerFiles(folder);
    const reference = await gpt2();
    expect(tokenizer.encode('Hello world<|endoftext|>')).toEqual(
      reference.encode('Hello world<|endoftext|>'),
    );
    expect(tokenizer.eosTokenId).toBe(50256);
    // A merges file names its pair.
    expect((await tokenizerFromFile(folder, 'merges.txt')).encode('Hi there')).toEqual(
      reference.encode('Hi there'),
    );
  });

  it('vocab.txt gives WordPiece, lowercasing unless tokenizer_config.json says not', async () => {
    const vocab = asset('bert-base-uncased/vocab.txt');
    const lower = await loadTokenizerFiles(memoryFolder({ 'vocab.txt': vocab }));
    expect(lower.encode('Hello World')).toEqual((await bertBaseUncased()).encode('Hello World'));
    const cased = await loadTokenizerFiles(
      memoryFolder({ 'vocab.txt': vocab, 'tokenizer_config.json': '{"do_lower_case": false}' }),
    );
    expect(cased.encode('Hello')).not.toEqual(lower.encode('Hello'));
  });

  it('prefers tokenizer.json and reads nothing else', async () => {
    const char = CharTokenizer.fromVocab(['a', 'b']);
    const folder = memoryFolder({ 'tokenizer.json': JSON.stringify(char.toJSON()), 'vocab.txt': 'x' });
    expect(await findTokenizerFile(folder)).toBe('tokenizer.json');
    const tokenizer = await loadTokenizerFiles(folder);
    expect(tokenizer.encode('ba')).toEqual([1, 0]);
    expect(folder.reads).toEqual(['tokenizer.json']);
  });

  it('a folder without a tokenizer, or a bad file, is an error naming it', async () => {
    await expect(loadTokenizerFiles(memoryFolder({ 'config.json': '{}' }), 'dropped')).rejects.toThrow(
      new TokenizerError(
        'found none of tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe, vocab.txt',
        { source: 'dropped' },
      ),
    );
    await expect(loadTokenizerFiles(memoryFolder({ 'tokenizer.json': '{oops' }))).rejects.toThrow(
      /dropped\/tokenizer\.json/,
    );
  });
});

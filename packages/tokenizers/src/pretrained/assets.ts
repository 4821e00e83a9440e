// The vocabularies shipped in this package (assets/): GPT-2's and bert-base-uncased's.
// Read next to this module via import.meta.url, so the same code works from src/ and
// dist/; in Node through node:fs, elsewhere through fetch (bundlers copy the files).
import { TokenizerError } from '../errors.js';

// Literal `new URL(..., import.meta.url)` calls let bundlers such as Vite find the files.
const ASSETS = {
  gpt2Vocab: () => new URL('../../assets/gpt2/encoder.json', import.meta.url),
  gpt2Merges: () => new URL('../../assets/gpt2/vocab.bpe', import.meta.url),
  bertVocab: () => new URL('../../assets/bert-base-uncased/vocab.txt', import.meta.url),
} as const;

export type AssetName = keyof typeof ASSETS;

export async function readAsset(name: AssetName): Promise<string> {
  const url = ASSETS[name]();
  try {
    if (url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      return await readFile(url, 'utf8');
    }
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.text();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TokenizerError(`cannot read the packaged asset ${url.href}: ${why}`);
  }
}

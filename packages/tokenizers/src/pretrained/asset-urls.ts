// Where the packaged vocabularies (assets/) are, relative to this module, and reading them
// over fetch — the browser's way (bundlers such as Vite copy the files and rewrite these
// URLs). Node reads file: URLs from disk instead (./assets.ts). No `node:` import here.
import { TokenizerError } from '../errors.js';

// Literal `new URL(..., import.meta.url)` calls let bundlers such as Vite find the files.
export const ASSETS = {
  gpt2Vocab: () => new URL('../../assets/gpt2/encoder.json', import.meta.url),
  gpt2Merges: () => new URL('../../assets/gpt2/vocab.bpe', import.meta.url),
  bertVocab: () => new URL('../../assets/bert-base-uncased/vocab.txt', import.meta.url),
} as const;

export type AssetName = keyof typeof ASSETS;

/** The error every asset reader throws: the URL and why. */
export function assetError(url: URL, error: unknown): TokenizerError {
  const why = error instanceof Error ? error.message : String(error);
  return new TokenizerError(`cannot read the packaged asset ${url.href}: ${why}`);
}

/** A packaged asset's text through `fetch`. */
export async function fetchAsset(name: AssetName): Promise<string> {
  const url = ASSETS[name]();
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.text();
  } catch (error) {
    throw assetError(url, error);
  }
}

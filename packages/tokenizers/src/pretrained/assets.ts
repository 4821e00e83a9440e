// The vocabularies shipped in this package (assets/): GPT-2's and bert-base-uncased's.
// Read next to this module via import.meta.url, so the same code works from src/ and
// dist/; in Node through node:fs, elsewhere through fetch (./asset-urls.ts, which the
// browser entry uses alone).
import { ASSETS, type AssetName, assetError, fetchAsset } from './asset-urls.js';

export type { AssetName };

export async function readAsset(name: AssetName): Promise<string> {
  const url = ASSETS[name]();
  if (url.protocol !== 'file:') return fetchAsset(name);
  try {
    const { readFile } = await import('node:fs/promises');
    return await readFile(url, 'utf8');
  } catch (error) {
    throw assetError(url, error);
  }
}

// The built-in corpus: Edith Wharton's "The Verdict" (1908, public domain), the short
// story the seeds train on. It ships in ../../assets so demos run offline, from src or dist.
import { DatasetError } from '../errors.js';

/** Where the bundled the-verdict.txt lies (the same relative path from src/ and dist/). */
export const THE_VERDICT_URL: URL = new URL('../../assets/the-verdict.txt', import.meta.url);

/** The text of "The Verdict" (20,479 characters): read from disk in Node, fetched in a browser. */
export async function loadTheVerdict(): Promise<string> {
  try {
    if (THE_VERDICT_URL.protocol === 'file:') {
      const fsp = await import('node:fs/promises');
      return await fsp.readFile(THE_VERDICT_URL, 'utf8');
    }
    const response = await fetch(THE_VERDICT_URL);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.text();
  } catch (error) {
    throw new DatasetError(
      `the-verdict.txt: cannot load ${THE_VERDICT_URL.href} (${(error as Error).message})`,
    );
  }
}

// What the smoke test asks the page (./smoke.ts) to do and what the page answers: plain
// data, passed through playwright's page.evaluate.

export interface SmokeRequest {
  backend: 'cpu' | 'webgpu';
  /**
   * Load from these files of the test server's fixtures, as dropped files (`File[]`) or as
   * a map of name → Blob, with `extra` text files added (a tokenizer.json)...
   */
  files?: { fixture: string; names: string[]; as: 'files' | 'map'; extra?: Record<string, string> };
  /** ...or from this repo of the test server's fake Hub. */
  hub?: { repo: string; endpoint: string; cacheName: string };
  inputIds: number[][];
  /** Also continue the first prompt greedily for this many tokens with @tensorlm/decoding. */
  greedyTokens?: number;
}

export interface SmokeResult {
  backend: string;
  adapter: string | null;
  source: string;
  weights: string;
  shape: number[];
  logits: number[];
  /** The tokenizer's ids for 'hello world', when the folder has a tokenizer. */
  encoded: number[] | null;
  /** The greedy continuation's new tokens, when asked for. */
  greedy: number[] | null;
}

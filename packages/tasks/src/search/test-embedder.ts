// A tiny deterministic embedder for the search tests: each term gets a fixed
// pseudo-random vector (from a hash of the term), a text is the sum of its terms'
// vectors. Texts sharing words are close; no model is involved.
import { bm25Terms } from './bm25.js';
import type { Embedder, ModelIdentity } from './embedder.js';

function termVector(term: string, dimension: number, salt: number): Float32Array {
  let h = 2166136261 ^ salt;
  for (const ch of term) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619);
  const v = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) ^ i;
    v[i] = ((h >>> 0) / 2 ** 32) * 2 - 1;
  }
  return v;
}

export function hashEmbedder(
  options: { dimension?: number; salt?: number; identity?: ModelIdentity; maxTokens?: number } = {},
): Embedder & { calls: number } {
  const dimension = options.dimension ?? 16;
  const salt = options.salt ?? 0;
  const embedder = {
    identity: options.identity ?? { name: `hash-bow-${salt}`, fingerprint: `fingerprint-${salt}` },
    calls: 0,
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    countTokens: (text: string) => bm25Terms(text).length,
    async embed(texts: readonly string[]) {
      embedder.calls++;
      return texts.map((text) => {
        const v = new Float32Array(dimension);
        for (const term of bm25Terms(text)) {
          const t = termVector(term, dimension, salt);
          for (let i = 0; i < dimension; i++) v[i]! += t[i]!;
        }
        return v;
      });
    },
  };
  return embedder;
}

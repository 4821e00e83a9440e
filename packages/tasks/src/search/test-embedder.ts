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

/** Fixed vectors by text (for hand-computed examples); an unknown text is an error. */
export function tableEmbedder(
  table: Record<string, readonly number[]>,
  identity: ModelIdentity = { name: 'table', fingerprint: 'table-fingerprint' },
): Embedder {
  return {
    identity,
    async embed(texts: readonly string[]) {
      return texts.map((text) => {
        const v = table[text];
        if (!v) throw new Error(`tableEmbedder: no vector for '${text}'`);
        return Float32Array.from(v);
      });
    },
  };
}

/**
 * Words as one-hot vectors over a fixed vocabulary, a text the (token-weighted) mean of its
 * words' — an embedder that tokenises, for token-weight examples worked by hand.
 */
export function oneHotEmbedder(vocabulary: readonly string[]): Embedder {
  const idOf = new Map(vocabulary.map((w, i) => [w, i]));
  const tokenIds = (text: string) =>
    text.split(' ').map((w) => {
      const id = idOf.get(w);
      if (id === undefined) throw new Error(`oneHotEmbedder: '${w}' is not in the vocabulary`);
      return id;
    });
  return {
    identity: { name: 'one-hot', fingerprint: 'one-hot-fingerprint' },
    vocabSize: vocabulary.length,
    tokenIds,
    async embed(texts, options) {
      return texts.map((text) => {
        const v = new Float32Array(vocabulary.length);
        const ids = tokenIds(text);
        const weight = (id: number) => options?.tokenWeights?.[id] ?? 1;
        const total = ids.reduce((s, id) => s + weight(id), 0);
        for (const id of ids) v[id]! += weight(id) / total;
        return v;
      });
    },
  };
}

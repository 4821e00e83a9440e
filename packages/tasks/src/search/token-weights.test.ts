// SIF token weights against values worked by hand, through SearchIndex (documents and
// queries pooled with the weights fitted on the corpus) and through saving and loading.
import '@tensorlm/backend-cpu';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from './index-files.js';
import { loadSearchIndex, saveSearchIndex } from './persist.node.js';
import { SearchIndex } from './search-index.js';
import { hashEmbedder, oneHotEmbedder } from './test-embedder.js';
import { fitTokenWeights } from './token-weights.js';

const VOCABULARY = ['the', 'cat', 'dog', 'bird', 'fish'];
const DOCS = ['the cat', 'the dog', 'the bird'].map((text, i) => ({ id: `d${i + 1}`, text }));

describe('fitTokenWeights', () => {
  it('gives a / (a + p(w)): 6 tokens, "the" 3 times, a = 0.5', () => {
    // p(the) = 1/2 → 0.5 / 1 = 0.5; p(cat) = 1/6 → 0.5 / (2/3) = 0.75; unseen → 1.
    const w = fitTokenWeights(
      [
        [0, 1],
        [0, 2],
        [0, 3],
      ],
      5,
      { kind: 'sif', a: 0.5 },
    )!;
    expect(Array.from(w.weights)).toEqual([0.5, 0.75, 0.75, 0.75, 1]);
    expect(w).toMatchObject({ kind: 'sif', a: 0.5, fittedOn: 3, tokens: 6 });
    expect(fitTokenWeights([[0]], 5, 'sif')!.a).toBe(1e-3);
    expect(fitTokenWeights([[0]], 5, 'none')).toBeNull();
    expect(() => fitTokenWeights([[7]], 5, 'sif')).toThrow(/token id 7, outside the vocabulary of 5/);
    expect(() => fitTokenWeights([[0]], 5, 'idf' as never)).toThrow(/token weighting must be/);
  });
});

describe('SearchIndex with SIF token weights', () => {
  it('pools documents and queries with the weights fitted on the corpus', async () => {
    const embedder = oneHotEmbedder(VOCABULARY);
    const { index } = await SearchIndex.build(DOCS, { embedder, tokenWeighting: { kind: 'sif', a: 0.5 } });
    expect(Array.from(index.tokenWeights!.weights)).toEqual([0.5, 0.75, 0.75, 0.75, 1]);
    // "the fish" ∝ 0.5·the + 1·fish, "the cat" ∝ 0.5·the + 0.75·cat: cosine 0.25 / (√1.25 · √0.8125)
    // (plain mean pooling: 0.5).
    const want = 0.25 / Math.sqrt(1.25 * 0.8125);
    const hits = await index.query('the fish', { k: 3 });
    expect(hits.map((h) => h.score)).toEqual([0, 1, 2].map(() => expect.closeTo(want, 6)));
    const plain = (await SearchIndex.build(DOCS, { embedder })).index;
    expect((await plain.query('the fish', { k: 1 }))[0]!.score).toBeCloseTo(0.5, 6);
    await expect(
      SearchIndex.build(DOCS, { embedder: hashEmbedder(), tokenWeighting: 'sif' }),
    ).rejects.toThrow(/needs an embedder that tokenises/);
    index.dispose();
    plain.dispose();
  });

  it('saves the weights with the index and uses them for queries after loading', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'search-sif-'));
    try {
      const embedder = oneHotEmbedder(VOCABULARY);
      const { index } = await SearchIndex.build(DOCS, { embedder, tokenWeighting: { kind: 'sif', a: 0.5 } });
      const manifest = await saveSearchIndex(index, dir);
      expect(manifest).toMatchObject({
        version: 2,
        tokenWeighting: { kind: 'sif', a: 0.5, vocabSize: 5, fittedOn: 3, tokens: 6 },
      });
      const loaded = await loadSearchIndex(dir, { embedder });
      expect(Array.from(loaded.tokenWeights!.weights)).toEqual([0.5, 0.75, 0.75, 0.75, 1]);
      expect(await loaded.query('the fish', { k: 3 })).toEqual(await index.query('the fish', { k: 3 }));
      expect(() => loaded.useEmbedder({ ...hashEmbedder(), identity: embedder.identity })).toThrow(
        /cannot take them/,
      );
      await writeFile(
        join(dir, MANIFEST_FILE),
        JSON.stringify({ ...manifest, tokenWeighting: { ...manifest.tokenWeighting, vocabSize: 6 } }),
      );
      await expect(loadSearchIndex(dir)).rejects.toMatchObject({
        code: 'SEARCH_INDEX_CORRUPT',
        message: expect.stringMatching(/'pooling.token_weights' is f32 \[5\], expected f32 \[6\]/),
      });
      index.dispose();
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// SearchIndex end to end with a hashed bag-of-words embedder (./test-embedder.ts): dense,
// BM25 and hybrid queries, add / delete, the model-identity refusal, truncation notes,
// post-processing fitted at build time (a 2-D whitening worked by hand), and the
// refusals of bad input.
import '@tensorlm/backend-cpu';
import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25.js';
import { reciprocalRankFusion, relativeScoreFusion } from './fusion.js';
import { type SearchDocument, SearchIndex } from './search-index.js';
import { hashEmbedder, tableEmbedder } from './test-embedder.js';

const DOCS: SearchDocument[] = [
  { id: 'r1', text: 'a funny film that made me laugh out loud', metadata: { label: 1 } },
  { id: 'r2', text: 'boring and far too long' },
  { id: 'r3', text: 'the plot is long and the acting boring' },
  { id: 'r4', text: 'a warm and funny story' },
  { id: 'r5', text: 'laugh after laugh, a delight' },
];

describe('SearchIndex', () => {
  it('builds in batches with progress and finds a document by its own text (cosine 1)', async () => {
    const embedder = hashEmbedder();
    const progress: number[] = [];
    const { index, report } = await SearchIndex.build(DOCS, {
      embedder,
      batchSize: 2,
      onProgress: ({ done }) => progress.push(done),
    });
    expect(report).toEqual({ added: 5, truncated: [] });
    expect(progress).toEqual([2, 4, 5]);
    expect(embedder.calls).toBe(3);
    const hits = await index.query('boring and far too long', { k: 2 });
    expect(hits[0]).toMatchObject({ id: 'r2', rank: 1, score: expect.closeTo(1, 5) });
    expect(hits[0]!.metadata).toBeUndefined();
    expect((await index.query('film made laugh', { k: 1 }))[0]).toMatchObject({
      id: 'r1',
      metadata: { label: 1 },
    });
    index.dispose();
  });

  it('ranks by BM25 in bm25 mode and fuses both rankings in hybrid mode', async () => {
    const { index } = await SearchIndex.build(DOCS, { embedder: hashEmbedder() });
    const bm25 = new Bm25Index();
    for (const d of DOCS) bm25.add(d.id, d.text);
    const lexical = await index.query('funny laugh', { mode: 'bm25', k: 3 });
    expect(lexical.map((h) => [h.id, h.score])).toEqual(
      bm25.search('funny laugh', 3).map((h) => [h.id, h.score]),
    );
    const dense = await index.query('funny laugh', { k: 5 });
    const hybrid = await index.query('funny laugh', { mode: 'hybrid', k: 3 });
    const want = reciprocalRankFusion([
      dense.map((h) => h.id),
      bm25.search('funny laugh', 5).map((h) => h.id),
    ]).slice(0, 3);
    expect(hybrid.map((h) => h.id)).toEqual(want.map((f) => f.id));
    expect(hybrid[0]!.score).toBeCloseTo(want[0]!.score, 9);
    expect(hybrid[0]!.parts?.dense).toBeDefined();
    index.dispose();
  });

  it('weights the hybrid by alpha and fuses relative scores on request', async () => {
    const { index } = await SearchIndex.build(DOCS, { embedder: hashEmbedder() });
    const q = 'funny long laugh';
    const dense = await index.query(q, { k: 5 });
    const lexical = await index.query(q, { mode: 'bm25', k: 5 });
    const ids = (hits: { id: string }[]) => hits.map((h) => h.id);
    // alpha 1 / 0: one ranker's order alone (the other's extra documents trail with score 0).
    expect(ids(await index.query(q, { mode: 'hybrid', k: 5, alpha: 1 }))).toEqual(ids(dense));
    expect(ids(await index.query(q, { mode: 'hybrid', k: lexical.length, alpha: 0 }))).toEqual(ids(lexical));
    const relative = await index.query(q, { mode: 'hybrid', k: 5, fusion: 'relative-score', alpha: 0.25 });
    const want = relativeScoreFusion([dense, lexical], [0.5, 1.5]);
    expect(relative.map((h) => [h.id, h.score])).toEqual(want.map((f) => [f.id, expect.closeTo(f.score, 9)]));
    await expect(index.query(q, { mode: 'hybrid', alpha: 2 })).rejects.toThrow(/alpha/);
    await expect(index.query(q, { mode: 'hybrid', fusion: 'max' as never })).rejects.toThrow(/fusion/);
    index.dispose();
  });

  it('adds and deletes documents', async () => {
    const { index } = await SearchIndex.build(DOCS.slice(0, 3), { embedder: hashEmbedder() });
    await index.add(DOCS.slice(3));
    expect(index.size).toBe(5);
    expect((await index.query('a warm and funny story', { k: 1 }))[0]!.id).toBe('r4');
    expect(index.delete(['r4', 'missing'])).toBe(1);
    expect(index.has('r4')).toBe(false);
    const hits = await index.query('a warm and funny story', { k: 10 });
    expect(hits.map((h) => h.id)).not.toContain('r4');
    expect(hits).toHaveLength(4);
    expect((await index.query('warm', { mode: 'bm25' })).map((h) => h.id)).toEqual([]);
    await expect(index.add([{ id: 'r1', text: 'again' }])).rejects.toThrow(/'r1' is already in the index/);
    expect(index.size).toBe(4);
    index.dispose();
  });

  it('refuses a query model that is not the model of the index', async () => {
    const { index } = await SearchIndex.build(DOCS, { embedder: hashEmbedder({ salt: 1 }) });
    expect(() => index.useEmbedder(hashEmbedder({ salt: 2 }))).toThrow(
      expect.objectContaining({
        code: 'SEARCH_MODEL_MISMATCH',
        message: expect.stringMatching(/hash-bow-1/),
      }),
    );
    index.dispose();
  });

  it('reports documents longer than the model reads', async () => {
    const { report } = await SearchIndex.build(DOCS, { embedder: hashEmbedder({ maxTokens: 5 }) });
    expect(report.truncated).toEqual(['r1', 'r3']);
  });

  it('refuses an empty corpus, blank text, duplicate ids and bad options', async () => {
    const embedder = hashEmbedder();
    await expect(SearchIndex.build([], { embedder })).rejects.toMatchObject({ code: 'SEARCH_EMPTY_CORPUS' });
    await expect(SearchIndex.build([{ id: 'x', text: '  ' }], { embedder })).rejects.toThrow(
      /document 0 \('x'\).text: must not be blank/,
    );
    await expect(
      SearchIndex.build(
        [
          { id: 'x', text: 'one' },
          { id: 'x', text: 'two' },
        ],
        { embedder },
      ),
    ).rejects.toThrow(/document 1 \('x'\): the id 'x' is already/);
    const { index } = await SearchIndex.build(DOCS, { embedder });
    await expect(index.query('x', { k: 0 })).rejects.toThrow(/query options.k/);
    await expect(index.query('x', { mode: 'fuzzy' as 'dense' })).rejects.toThrow(/query options.mode/);
    index.dispose();
  });

  it('whitens with the transform fitted at build time, for queries and added documents alike', async () => {
    // Documents (2, 1), (−2, −1), (1, 2), (−1, −2) (made unit by the index; whitening does not
    // mind the scale): covariance ∝ [[10, 8], [8, 10]], eigenvalues 6 along (1, 1)/√2 and 2/3
    // along (1, −1)/√2. Whitened and normalised, the query (1, 0) is (1, 3)/√10 and the
    // documents (1, 1)/√2, −(1, 1)/√2, (1, −1)/√2, (−1, 1)/√2 in those axes: cosines
    // 4/√20, −4/√20, −2/√20, 2/√20 — (−1, −2) now ranks above (1, 2), as raw cosine has it
    // the other way round (2/√5 · … : 0.894, −0.894, 0.447, −0.447).
    const table = { a: [2, 1], b: [-2, -1], c: [1, 2], d: [-1, -2], q: [1, 0], e: [3, 0] };
    const docs = ['a', 'b', 'c', 'd'].map((id) => ({ id, text: id }));
    const embedder = tableEmbedder(table);
    const raw = (await SearchIndex.build(docs, { embedder })).index;
    expect((await raw.query('q', { k: 4 })).map((h) => [h.id, Number(h.score.toFixed(4))])).toEqual([
      ['a', 0.8944],
      ['c', 0.4472],
      ['d', -0.4472],
      ['b', -0.8944],
    ]);
    const { index } = await SearchIndex.build(docs, { embedder, postProcessing: 'whiten' });
    expect(index.transform).toMatchObject({
      kind: 'whiten',
      inputDimension: 2,
      outputDimension: 2,
      fittedOn: 4,
    });
    const r = Math.sqrt(20);
    expect((await index.query('q', { k: 4 })).map((h) => [h.id, h.score])).toEqual([
      ['a', expect.closeTo(4 / r, 5)],
      ['d', expect.closeTo(2 / r, 5)],
      ['c', expect.closeTo(-2 / r, 5)],
      ['b', expect.closeTo(-4 / r, 5)],
    ]);
    // An added document goes through the same transform (not refitted): (3, 0) ∥ the query.
    await index.add([{ id: 'e', text: 'e' }]);
    expect(index.transform!.fittedOn).toBe(4);
    expect((await index.query('q', { k: 1 }))[0]).toMatchObject({ id: 'e', score: expect.closeTo(1, 5) });
    await expect(SearchIndex.build(docs, { embedder, postProcessing: 'pca' as never })).rejects.toThrow(
      /post-processing must be/,
    );
    raw.dispose();
    index.dispose();
  });
});

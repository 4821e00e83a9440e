// Saving and loading a search index: the round trip, the model check on load, every kind
// of damaged file caught with a message naming it, a folder of other files left alone,
// and a replaced index sweeping only its own old data files.
import '@tensorlm/backend-cpu';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, type SearchIndexManifest } from './index-files.js';
import { loadSearchIndex, readSearchManifest, saveSearchIndex } from './persist.node.js';
import { type SearchDocument, SearchIndex } from './search-index.js';
import { hashEmbedder } from './test-embedder.js';

const MORE_DOCS: SearchDocument[] = Array.from({ length: 40 }, (_, i) => ({
  id: `m${i}`,
  text:
    ['funny', 'boring', 'long', 'warm', 'story', 'film', 'acting', 'plot']
      .filter((_, j) => (i >> j) % 2 === j % 2)
      .join(' ') || 'film',
}));

const DOCS: SearchDocument[] = [
  { id: '1', text: 'a film that made me laugh', metadata: { source: 'rt', label: 1 } },
  { id: '2', text: 'boring and too long' },
  { id: '3', text: 'a tender, funny story about a family' },
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'search-index-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function saved(out = join(dir, 'index')) {
  const { index } = await SearchIndex.build(DOCS, { embedder: hashEmbedder({ salt: 5 }) });
  const manifest = await saveSearchIndex(index, out, { modelSource: 'runs/embeddings' });
  index.dispose();
  return { out, manifest };
}

describe('saveSearchIndex / loadSearchIndex', () => {
  it('round-trips documents, metadata, vectors and query results', async () => {
    const { index } = await SearchIndex.build(DOCS, { embedder: hashEmbedder({ salt: 5 }) });
    const before = await index.query('funny family film', { k: 3 });
    const out = join(dir, 'index');
    await saveSearchIndex(index, out, { modelSource: 'runs/embeddings' });
    const loaded = await loadSearchIndex(out, { embedder: hashEmbedder({ salt: 5 }) });
    expect(loaded.documents()).toEqual(DOCS);
    expect(Array.from(loaded.vectorData())).toEqual(Array.from(index.vectorData()));
    expect(await loaded.query('funny family film', { k: 3 })).toEqual(before);
    const manifest = await readSearchManifest(out);
    expect(manifest).toMatchObject({
      model: { name: 'hash-bow-5', fingerprint: 'fingerprint-5' },
      modelSource: 'runs/embeddings',
      dimension: 16,
      count: 3,
      bm25: { k1: 1.2, b: 0.75 },
    });
    // Loaded without a model, BM25 still answers and dense search says what is missing.
    const lexical = await loadSearchIndex(out);
    expect((await lexical.query('boring', { mode: 'bm25' }))[0]!.id).toBe('2');
    await expect(lexical.query('boring')).rejects.toThrow(/load the index with its model \('hash-bow-5'\)/);
    index.dispose();
    loaded.dispose();
  });

  it('refuses to load with another model', async () => {
    const { out } = await saved();
    await expect(loadSearchIndex(out, { embedder: hashEmbedder({ salt: 6 }) })).rejects.toMatchObject({
      code: 'SEARCH_MODEL_MISMATCH',
    });
  });

  it('names the damaged file: edited vectors, truncated documents, bad manifest, missing file', async () => {
    const { out, manifest } = await saved();
    const vectors = join(out, manifest.files.vectors.name);
    const bytes = await readFile(vectors);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(vectors, bytes);
    await expect(loadSearchIndex(out)).rejects.toMatchObject({
      code: 'SEARCH_INDEX_CORRUPT',
      message: expect.stringContaining(`${manifest.files.vectors.name}: its content differs`),
    });

    const second = await saved(join(dir, 'second'));
    const documents = join(second.out, second.manifest.files.documents.name);
    const text = await readFile(documents, 'utf8');
    await writeFile(documents, text.slice(0, text.length - 10));
    await expect(loadSearchIndex(second.out)).rejects.toThrow(
      /documents\.[0-9a-f]{8}\.jsonl: it has \d+ bytes, the manifest recorded/,
    );

    const third = await saved(join(dir, 'third'));
    await writeFile(join(third.out, MANIFEST_FILE), '{"format": "tensorlm-search-index", "version": 1');
    await expect(readSearchManifest(third.out)).rejects.toThrow(/search-index.json: not valid JSON/);
    await writeFile(join(third.out, MANIFEST_FILE), JSON.stringify({ ...third.manifest, count: 'three' }));
    await expect(readSearchManifest(third.out)).rejects.toThrow(/field 'count'/);
    await writeFile(join(third.out, MANIFEST_FILE), JSON.stringify(third.manifest));
    await rm(join(third.out, third.manifest.files.vectors.name));
    await expect(loadSearchIndex(third.out)).rejects.toThrow(
      /vectors\.[0-9a-f]{8}\.safetensors: cannot read it/,
    );

    await expect(loadSearchIndex(join(dir, 'nothing'))).rejects.toMatchObject({
      code: 'SEARCH_NOT_AN_INDEX',
    });
  });

  it('refuses a folder of other files, writing nothing', async () => {
    const folder = join(dir, 'mine');
    await saved(folder);
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    const { index } = await SearchIndex.build(DOCS, { embedder: hashEmbedder() });
    await expect(saveSearchIndex(index, dir)).rejects.toMatchObject({ code: 'SEARCH_NOT_AN_INDEX' });
    expect((await readdir(dir)).sort()).toEqual(['mine', 'notes.txt']);
    await expect(saveSearchIndex(index, join(dir, 'notes.txt'))).rejects.toThrow(/is a file/);
    index.dispose();
  });

  it('replaces an index in place, removing only its own earlier data files', async () => {
    const { out, manifest: first } = await saved();
    await writeFile(join(out, 'README.txt'), 'a file of the user');
    const { index } = await SearchIndex.build(DOCS.slice(0, 2), { embedder: hashEmbedder({ salt: 5 }) });
    const second: SearchIndexManifest = await saveSearchIndex(index, out);
    const names = (await readdir(out)).sort();
    expect(names).toEqual(
      ['README.txt', MANIFEST_FILE, second.files.documents.name, second.files.vectors.name].sort(),
    );
    expect(names).not.toContain(first.files.vectors.name);
    expect((await loadSearchIndex(out)).size).toBe(2);
    index.dispose();
  });

  it('saves the whitening with the index (version 2) and applies it to queries after loading', async () => {
    const embedder = hashEmbedder({ salt: 5 });
    const { index } = await SearchIndex.build(MORE_DOCS, {
      embedder,
      postProcessing: { kind: 'whiten', dims: 4 },
    });
    const before = await index.query('funny warm film', { k: 5 });
    const out = join(dir, 'whitened');
    const manifest = await saveSearchIndex(index, out);
    expect(manifest).toMatchObject({
      version: 2,
      dimension: 4,
      postProcessing: { kind: 'whiten', inputDimension: 16, outputDimension: 4, fittedOn: 40 },
    });
    const loaded = await loadSearchIndex(out, { embedder: hashEmbedder({ salt: 5 }) });
    expect(Array.from(loaded.transform!.matrix!)).toEqual(Array.from(index.transform!.matrix!));
    expect(Array.from(loaded.transform!.mean)).toEqual(Array.from(index.transform!.mean));
    expect(await loaded.query('funny warm film', { k: 5 })).toEqual(before);
    // A manifest whose post-processing has no tensors behind it is a damaged index.
    const plain = await saved(join(dir, 'plain'));
    await writeFile(
      join(plain.out, MANIFEST_FILE),
      JSON.stringify({
        ...plain.manifest,
        version: 2,
        postProcessing: { kind: 'center', inputDimension: 16, outputDimension: 16, fittedOn: 3 },
      }),
    );
    await expect(loadSearchIndex(plain.out)).rejects.toMatchObject({
      code: 'SEARCH_INDEX_CORRUPT',
      message: expect.stringMatching(/no tensor 'postprocess.mean'/),
    });
    index.dispose();
    loaded.dispose();
  });
});

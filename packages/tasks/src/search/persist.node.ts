// Search indexes on disk (Node). A save never leaves a half-written index: the data files
// are new files named by their content hash, written and fsynced beside the old ones; the
// manifest (search-index.json) is then replaced atomically — that rename is the commit —
// and only afterwards are the data files the old manifest named removed. A crash at any
// point leaves the old index or the new one, whole. A folder that holds anything but a
// search index is refused before anything is written, and no file the index did not
// create is ever deleted.
import { writeFileAtomic } from '@tensorlm/nn';
import type { Embedder } from './embedder.js';
import { SearchError } from './errors.js';
import {
  DATA_FILE_PATTERN,
  decodeSearchIndex,
  encodeSearchIndex,
  MANIFEST_FILE,
  parseManifest,
  type SearchIndexManifest,
} from './index-files.js';
import type { SearchIndex } from './search-index.js';
import type { VectorIndexFactory } from './vector-index.js';

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * The manifest of the index in `dir`, or null when `dir` does not exist or is an empty
 * folder. Refuses (SEARCH_NOT_AN_INDEX) a file, or a folder that holds other things.
 */
async function existingManifest(dir: string): Promise<SearchIndexManifest | null> {
  const { readdir, readFile } = await fs();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (errno(error) === 'ENOENT') return null;
    if (errno(error) === 'ENOTDIR')
      throw new SearchError('SEARCH_NOT_AN_INDEX', `${dir} is a file, not a search index folder`);
    throw error;
  }
  if (names.length === 0) return null;
  if (!names.includes(MANIFEST_FILE))
    throw new SearchError(
      'SEARCH_NOT_AN_INDEX',
      `${dir} is a folder that holds other files and no search index (${MANIFEST_FILE}); nothing was written — choose an empty or new folder`,
    );
  return parseManifest(await readFile(join(dir, MANIFEST_FILE), 'utf8'), join(dir, MANIFEST_FILE));
}

async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  const { open } = await fs();
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Checks, before any work, that an index may be saved into `dir`: it is missing, an empty
 * folder, or a search index (even a damaged one). Throws SEARCH_NOT_AN_INDEX otherwise.
 */
export async function checkIndexFolder(dir: string): Promise<void> {
  try {
    await existingManifest(dir);
  } catch (error) {
    if (!(error instanceof SearchError && error.code === 'SEARCH_INDEX_CORRUPT')) throw error;
  }
}

export interface SaveSearchIndexOptions {
  /** How to load the model again (recorded in the manifest for `search query`). */
  modelSource?: string;
}

/** Saves `index` into `dir` (created if missing; an index there is replaced). Returns the manifest. */
export async function saveSearchIndex(
  index: SearchIndex,
  dir: string,
  options: SaveSearchIndexOptions = {},
): Promise<SearchIndexManifest> {
  const { mkdir, readdir, rm } = await fs();
  let previous: SearchIndexManifest | null;
  try {
    previous = await existingManifest(dir);
  } catch (error) {
    // A damaged index may be overwritten; anything else that is not an index may not.
    if (!(error instanceof SearchError && error.code === 'SEARCH_INDEX_CORRUPT')) throw error;
    previous = null;
  }
  const files = await encodeSearchIndex(index, options);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  try {
    for (const [entry, bytes] of [
      [files.manifest.files.vectors, files.vectors],
      [files.manifest.files.documents, files.documents],
    ] as const) {
      const path = join(dir, entry.name);
      await writeSynced(path, bytes);
      written.push(path);
    }
    await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(files.manifest, null, 2)}\n`);
  } catch (error) {
    // Not committed: the old manifest (if any) still names the old files.
    const keep = new Set(previous ? [previous.files.vectors.name, previous.files.documents.name] : []);
    for (const path of written) if (!keep.has(path.slice(dir.length + 1))) await rm(path, { force: true });
    throw error;
  }
  // Committed. Sweep the data files of earlier saves (only names this module writes).
  const live = new Set([files.manifest.files.vectors.name, files.manifest.files.documents.name]);
  for (const name of await readdir(dir)) {
    if (DATA_FILE_PATTERN.test(name) && !live.has(name)) await rm(join(dir, name), { force: true });
  }
  return files.manifest;
}

/** The manifest of the index in `dir` (model identity and source, sizes) without loading it. */
export async function readSearchManifest(dir: string): Promise<SearchIndexManifest> {
  const { readFile } = await fs();
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR')
      throw new SearchError(
        'SEARCH_NOT_AN_INDEX',
        `${dir} is not a search index (no ${MANIFEST_FILE}); build one with 'tensorlm search index'`,
      );
    throw error;
  }
  return parseManifest(text, path);
}

export interface LoadSearchIndexOptions {
  /** The index's model, to embed queries (refused if it is another model); leave out for BM25 only. */
  embedder?: Embedder | null;
  vectorIndex?: VectorIndexFactory;
}

/** Loads the index in `dir`, checking every file against the manifest. */
export async function loadSearchIndex(
  dir: string,
  options: LoadSearchIndexOptions = {},
): Promise<SearchIndex> {
  const { readFile } = await fs();
  const manifest = await readSearchManifest(dir);
  const read = async (name: string) => {
    try {
      return new Uint8Array(await readFile(join(dir, name)));
    } catch (error) {
      throw new SearchError(
        'SEARCH_INDEX_CORRUPT',
        `${join(dir, name)}: cannot read it (${(error as Error).message}); the index is damaged — build it again with 'tensorlm search index'`,
        { cause: error },
      );
    }
  };
  const vectors = await read(manifest.files.vectors.name);
  const documents = await read(manifest.files.documents.name);
  return decodeSearchIndex(
    { manifest, vectors, documents },
    {
      folder: dir,
      ...(options.embedder ? { embedder: options.embedder } : {}),
      ...(options.vectorIndex ? { vectorIndex: options.vectorIndex } : {}),
    },
  );
}

// Where autotune results persist, per adapter: an interface both entries implement (a
// JSON file in Node, ./store.node.ts; localStorage or memory in a browser, here), and
// the file's format with its validation — a cache written by another version, or
// edited by hand, is read entry by entry and never trusted whole.

/** Shape class → tile name, for one adapter. */
export type TuneEntries = Record<string, string>;

export interface TuneStore {
  /** The entries saved for this adapter ({} when none, or the store is unreadable). */
  load(adapterKey: string): TuneEntries;
  /** Replaces this adapter's entries (other adapters' stay). */
  save(adapterKey: string, entries: TuneEntries): void;
  /** Where it lives, for messages ('memory', 'localStorage', a file path). */
  readonly location: string;
}

export const TUNE_FILE_VERSION = 1;

export interface TuneFile {
  version: number;
  adapters: Record<string, TuneEntries>;
}

/**
 * A parsed cache, or null when it is not one (wrong version, wrong shape: then it is
 * left alone, never overwritten). Entries that are not string → string are dropped.
 */
export function parseTuneFile(text: string): TuneFile | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { version, adapters } = raw as { version?: unknown; adapters?: unknown };
  if (version !== TUNE_FILE_VERSION || typeof adapters !== 'object' || adapters === null) return null;
  const out: TuneFile = { version: TUNE_FILE_VERSION, adapters: {} };
  for (const [key, entries] of Object.entries(adapters as Record<string, unknown>)) {
    if (typeof entries !== 'object' || entries === null) continue;
    const kept: TuneEntries = {};
    for (const [shape, tile] of Object.entries(entries as Record<string, unknown>))
      if (typeof tile === 'string') kept[shape] = tile;
    out.adapters[key] = kept;
  }
  return out;
}

/** A store that forgets at exit (tests, and browsers without localStorage). */
export function memoryTuneStore(): TuneStore {
  const adapters = new Map<string, TuneEntries>();
  return {
    location: 'memory',
    load: (key) => ({ ...(adapters.get(key) ?? {}) }),
    save: (key, entries) => void adapters.set(key, { ...entries }),
  };
}

const STORAGE_KEY = 'tensorlm:webgpu-autotune';

/** localStorage when the page has it (and allows it), else memory. */
export function browserTuneStore(): TuneStore {
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (!storage) return memoryTuneStore();
  const read = (): TuneFile => {
    try {
      return (
        parseTuneFile(storage.getItem(STORAGE_KEY) ?? '') ?? { version: TUNE_FILE_VERSION, adapters: {} }
      );
    } catch {
      return { version: TUNE_FILE_VERSION, adapters: {} };
    }
  };
  return {
    location: 'localStorage',
    load: (key) => ({ ...(read().adapters[key] ?? {}) }),
    save: (key, entries) => {
      const file = read();
      file.adapters[key] = { ...entries };
      try {
        storage.setItem(STORAGE_KEY, JSON.stringify(file));
      } catch {
        // Storage full or denied (private browsing): the results stay in memory for this page.
      }
    },
  };
}

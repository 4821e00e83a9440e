// Checkpoints saved in the browser: each is a Hugging Face folder's files (./export.ts)
// under a name, in IndexedDB (database 'tensorlm-demo', store 'checkpoints'), which a
// worker can reach and which survives reloads. Loading one back goes through the same
// `fromPretrained` as a dropped folder.
import { DemoError } from './errors.js';

const DB = 'tensorlm-demo';
const STORE = 'checkpoints';

export interface StoredCheckpoint {
  name: string;
  /** ISO time of the save. */
  savedAt: string;
  /** What the model is (architecture, size, training steps), for the list. */
  description: string;
  files: Record<string, Uint8Array>;
}

export type CheckpointSummary = Omit<StoredCheckpoint, 'files'> & { bytes: number };

function request<T>(req: IDBRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () =>
      reject(
        new DemoError(
          'DEMO_STORAGE',
          `the browser's storage failed to ${what}: ${req.error?.message ?? 'unknown error'}`,
        ),
      );
  });
}

async function open(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined')
    throw new DemoError(
      'DEMO_STORAGE',
      'this browser gives the page no IndexedDB, so checkpoints cannot be kept',
    );
  const req = indexedDB.open(DB, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'name' });
  return request(req, 'open the checkpoint store');
}

async function withStore<T>(
  mode: IDBTransactionMode,
  body: (store: IDBObjectStore) => IDBRequest<T>,
  what: string,
) {
  const db = await open();
  try {
    return await request(body(db.transaction(STORE, mode).objectStore(STORE)), what);
  } finally {
    db.close();
  }
}

export function putCheckpoint(checkpoint: StoredCheckpoint): Promise<IDBValidKey> {
  return withStore('readwrite', (s) => s.put(checkpoint), `save checkpoint '${checkpoint.name}'`);
}

export async function getCheckpoint(name: string): Promise<StoredCheckpoint> {
  const found = await withStore(
    'readonly',
    (s) => s.get(name) as IDBRequest<StoredCheckpoint | undefined>,
    `read '${name}'`,
  );
  if (!found) throw new DemoError('DEMO_STORAGE', `no checkpoint named '${name}' is stored in this browser`);
  return found;
}

export async function listCheckpoints(): Promise<CheckpointSummary[]> {
  const all = await withStore(
    'readonly',
    (s) => s.getAll() as IDBRequest<StoredCheckpoint[]>,
    'list checkpoints',
  );
  return all
    .map(({ files, ...rest }) => ({
      ...rest,
      bytes: Object.values(files).reduce((n, f) => n + f.byteLength, 0),
    }))
    .sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

export function deleteCheckpoint(name: string): Promise<undefined> {
  return withStore('readwrite', (s) => s.delete(name), `delete '${name}'`);
}

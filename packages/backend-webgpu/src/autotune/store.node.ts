// The autotune cache in Node: one small JSON file for every adapter of this machine,
// $TENSORLM_WEBGPU_AUTOTUNE_FILE, else $XDG_CACHE_HOME/tensorlm/webgpu-autotune.json
// (~/.cache/… without XDG_CACHE_HOME). Written atomically (a temporary file renamed
// over it), so a crash or a second process never leaves half a file; a file that is
// not this format is left alone and the results stay in memory.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  parseTuneFile,
  TUNE_FILE_VERSION,
  type TuneEntries,
  type TuneFile,
  type TuneStore,
} from './store.js';

export function defaultTuneFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TENSORLM_WEBGPU_AUTOTUNE_FILE) return env.TENSORLM_WEBGPU_AUTOTUNE_FILE;
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'tensorlm', 'webgpu-autotune.json');
}

/** The file's contents: parsed, empty when it does not exist, null when it is something else. */
function readTuneFile(path: string): TuneFile | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { version: TUNE_FILE_VERSION, adapters: {} };
    return null;
  }
  return parseTuneFile(text);
}

export function fileTuneStore(path: string = defaultTuneFile()): TuneStore {
  return {
    location: path,
    load: (key) => ({ ...(readTuneFile(path)?.adapters[key] ?? {}) }),
    save: (key: string, entries: TuneEntries) => {
      // Re-read just before writing: another process may have tuned another adapter meanwhile.
      const file = readTuneFile(path);
      if (!file) return;
      file.adapters[key] = { ...entries };
      try {
        mkdirSync(dirname(path), { recursive: true });
        const temporary = `${path}.${process.pid}.tmp`;
        writeFileSync(temporary, `${JSON.stringify(file, null, 1)}\n`);
        renameSync(temporary, path);
      } catch {
        // A read-only home or cache dir: the results stay in memory for this process.
      }
    },
  };
}

// Where `fromPretrained(source)` finds its files. A source is, in order: a folder on disk
// holding config.json (an HF folder, or a run's checkpoint-N); a tensorlm run folder (its
// best checkpoint, else its latest, through the pointer rules of ../run/pointers.ts); or a
// Hub repo id, resolved to a snapshot folder of the Hugging Face cache (downloading what
// the cache lacks). Errors say what was looked for and where.
import { joinPath } from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';
import { type DownloadProgress, resolveSnapshot } from '../hub/resolve-snapshot.node.js';
import { runCheckpoint } from '../run/pointers.js';
import { CONFIG_FILE } from './pretrained.js';

export interface LocateOptions {
  revision?: string;
  cacheDir?: string;
  offline?: boolean;
  token?: string;
  signal?: AbortSignal;
  onDownload?: (progress: DownloadProgress) => void;
}

export interface LocatedModel {
  /** The folder holding config.json and the weights. */
  folder: string;
  /** How the source was read. */
  kind: 'folder' | 'run' | 'hub';
  /** For a run (or a checkpoint inside one): the run folder, where the tokenizer may sit. */
  runFolder: string | null;
}

export { CONFIG_FILE };

async function statOf(path: string): Promise<import('node:fs').Stats | null> {
  const fs = await import('node:fs/promises');
  try {
    return await fs.stat(path);
  } catch {
    return null;
  }
}

function parentOf(path: string): string {
  const trimmed = path.replace(/[/\\]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return cut < 0 ? '.' : cut === 0 ? trimmed.slice(0, 1) : trimmed.slice(0, cut);
}

function baseName(path: string): string {
  const trimmed = path.replace(/[/\\]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1);
}

/** Something a user meant as a path, never as a repo id (so a typo is not sent to the Hub). */
function looksLikePath(source: string): boolean {
  return (
    source.startsWith('.') ||
    source.startsWith('/') ||
    source.startsWith('~') ||
    source.includes('\\') ||
    /^[A-Za-z]:/.test(source) ||
    source.split('/').length > 2
  );
}

/** Resolves `source` to the folder to load from (see the file header). */
export async function locateModel(source: string, options: LocateOptions = {}): Promise<LocatedModel> {
  const stat = await statOf(source);
  if (stat?.isDirectory()) {
    if (await statOf(joinPath(source, CONFIG_FILE))) {
      const parent = parentOf(source);
      const inRun =
        /^checkpoint-(0|[1-9]\d*)$/.test(baseName(source)) &&
        (await runCheckpoint(parent, 'latest')) !== null;
      return { folder: source, kind: inRun ? 'run' : 'folder', runFolder: inRun ? parent : null };
    }
    const checkpoint = await runCheckpoint(source, 'best');
    if (checkpoint) {
      if (!(await statOf(joinPath(checkpoint.path, CONFIG_FILE)))) {
        throw new ModelFolderError(
          'MODEL_CONFIG_MISSING',
          `${source}'s ${checkpoint.which}.json points to '${checkpoint.pointer.checkpoint}', which has no ${CONFIG_FILE}`,
          { path: checkpoint.path },
        );
      }
      return { folder: checkpoint.path, kind: 'run', runFolder: source };
    }
    throw new ModelFolderError(
      'MODEL_CONFIG_MISSING',
      `${source} is not a model folder: it has no ${CONFIG_FILE}, and no best.json / latest.json of a tensorlm run`,
      { path: source },
    );
  }
  if (stat) {
    throw new ModelFolderError(
      'MODEL_SOURCE_NOT_FOUND',
      `${source} is a file; fromPretrained takes a model folder, a run folder or a Hub repo id`,
      { path: source },
    );
  }
  if (looksLikePath(source)) {
    throw new ModelFolderError('MODEL_SOURCE_NOT_FOUND', `${source} does not exist`, { path: source });
  }
  const folder = await resolveSnapshot(source, {
    ...(options.revision !== undefined ? { revision: options.revision } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.offline !== undefined ? { offline: options.offline } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.onDownload !== undefined ? { onProgress: options.onDownload } : {}),
  });
  return { folder, kind: 'hub', runFolder: null };
}

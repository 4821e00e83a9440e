// What a browser can load a model from, as one folder of Blobs: the files a user dropped
// onto the page or picked (`FileList`, `File[]`; a dropped folder's files carry a
// `webkitRelativePath` under the folder's name), a map of name → Blob built by the page, or
// a Hub snapshot held in Cache Storage. Names are plain file names (`config.json`,
// `model-00001-of-00002.safetensors`); files in subfolders of a dropped folder are left out,
// as transformers ignores them. No `node:` import.
import type { TokenizerFiles } from '@tensorlm/tokenizers';
import { ModelFolderError } from '../errors.js';
import type { BlobFolder } from '../formats/files.js';
import type { BrowserSnapshot } from '../hub/resolve-snapshot.browser.js';

/** Files given by the page: a FileList or File[] (dropped or picked), or name → Blob. */
export type ModelFiles =
  | FileList
  | readonly File[]
  | ReadonlyMap<string, Blob>
  | Readonly<Record<string, Blob>>;

function isFileLike(value: unknown): value is File {
  return typeof Blob !== 'undefined' && value instanceof Blob && typeof (value as File).name === 'string';
}

/** The plain name a dropped or picked file has in its folder; null for a file in a subfolder. */
function nameInFolder(file: File): string | null {
  const relative = (file as { webkitRelativePath?: string }).webkitRelativePath || file.name;
  const parts = relative.split('/').filter((p) => p !== '');
  // `folder/config.json` from a dropped folder; `config.json` for loose files.
  const inFolder = parts.length > 1 ? parts.slice(1) : parts;
  return inFolder.length === 1 ? inFolder[0]! : null;
}

function checkName(name: string, label: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
    throw new ModelFolderError(
      'MODEL_SOURCE_NOT_FOUND',
      `${label}: '${name}' is not a plain file name (give the files of one model folder, by name)`,
    );
  }
}

/** The page's files as one folder; two files with one name are an error naming it. */
export function folderOfFiles(files: ModelFiles, label = 'the given files'): BlobFolder {
  const byName = new Map<string, Blob>();
  const add = (name: string, blob: Blob) => {
    checkName(name, label);
    if (byName.has(name)) {
      throw new ModelFolderError(
        'MODEL_SOURCE_NOT_FOUND',
        `${label} hold two files named '${name}': give the files of one model folder`,
      );
    }
    byName.set(name, blob);
  };
  if (files instanceof Map) {
    for (const [name, blob] of files) add(name, blob);
  } else if (typeof (files as ArrayLike<File>).length === 'number') {
    for (const file of Array.from(files as ArrayLike<File>)) {
      if (!isFileLike(file)) throw new ModelFolderError('MODEL_SOURCE_NOT_FOUND', `${label}: not a File`);
      const name = nameInFolder(file);
      if (name !== null) add(name, file);
    }
  } else {
    for (const [name, blob] of Object.entries(files as Record<string, Blob>)) {
      if (!(blob instanceof Blob))
        throw new ModelFolderError('MODEL_SOURCE_NOT_FOUND', `${label}: '${name}' is not a Blob`);
      add(name, blob);
    }
  }
  return {
    label,
    where: (name) => `${label}: ${name}`,
    has: (name) => byName.has(name),
    blob: async (name) => {
      const blob = byName.get(name);
      if (!blob) throw new ModelFolderError('MODEL_CONFIG_MISSING', `${label} have no '${name}'`);
      return blob;
    },
  };
}

/** A Hub snapshot in Cache Storage as a folder. */
export function folderOfSnapshot(snapshot: BrowserSnapshot): BlobFolder {
  const label = `${snapshot.repoId}@${snapshot.commit}`;
  const files = new Set(snapshot.files);
  return {
    label,
    where: (name) => `${label}/${name}`,
    has: (name) => files.has(name),
    blob: (name) => snapshot.blob(name),
  };
}

/** The folder seen by @tensorlm/tokenizers' loadTokenizerFiles. */
export function tokenizerFilesOf(folder: BlobFolder): TokenizerFiles {
  return {
    where: (name) => (name === '' ? folder.label : folder.where(name)),
    has: (name) => folder.has(name),
    readText: async (name) => (await folder.blob(name)).text(),
  };
}

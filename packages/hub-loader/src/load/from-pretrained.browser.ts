// `fromPretrained(source)` in a browser: a model, its tokenizer and configs from a Hub repo
// id (fetched into Cache Storage by ../hub/resolve-snapshot.browser.ts, so a second visit
// makes no request and works offline) or from files the page holds — a dropped or picked
// Hugging Face folder (`FileList` / `File[]`) or a map of name → Blob. Weights stream from
// the Blobs one tensor at a time (../formats/files.ts); the architecture registry, key
// mapping and checks are ./assemble.ts's, the same as in Node. No `node:` import.
import type { Module } from '@tensorlm/nn';
import type { FetchLike } from '../hub/http.js';
import {
  type BrowserDownloadProgress,
  type BrowserSnapshotOptions,
  resolveBrowserSnapshot,
} from '../hub/resolve-snapshot.browser.js';
import { checkDtype } from './assemble.js';
import { folderOfFiles, folderOfSnapshot, type ModelFiles } from './blob-folder.js';
import { fromBlobFolder } from './from-blobs.js';
import type { CommonPretrainedOptions, LoadTensorProgress, Pretrained } from './pretrained.js';

/** Where a browser loads from: a Hub repo id, or the files of one model folder. */
export type BrowserModelSource = string | ModelFiles;

/** Progress of a browser load: bytes of a download, then tensors onto the backend. */
export type BrowserLoadProgress = ({ phase: 'download' } & BrowserDownloadProgress) | LoadTensorProgress;

export interface BrowserFromPretrainedOptions extends CommonPretrainedOptions {
  onProgress?: (event: BrowserLoadProgress) => void;
  /** Use Cache Storage only, never the network. */
  offline?: boolean;
  /** Hub token for private and gated repos. */
  token?: string;
  /** The Hub (default https://huggingface.co): a mirror, or a test server. */
  endpoint?: string;
  /** The fetch to use (default: the global one). */
  fetch?: FetchLike;
  /** See BrowserSnapshotOptions.beforeDownload: a size check before each file's body is read. */
  beforeDownload?: BrowserSnapshotOptions['beforeDownload'];
  /** The Cache Storage (default `globalThis.caches`) and the cache's name (default 'tensorlm-hub'). */
  caches?: CacheStorage;
  cacheName?: string;
}

async function folderFor(source: BrowserModelSource, options: BrowserFromPretrainedOptions) {
  if (typeof source !== 'string') return { folder: folderOfFiles(source), kind: 'files' as const };
  const snapshot = await resolveBrowserSnapshot(source, {
    ...(options.revision !== undefined ? { revision: options.revision } : {}),
    ...(options.offline !== undefined ? { offline: options.offline } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    ...(options.beforeDownload !== undefined ? { beforeDownload: options.beforeDownload } : {}),
    ...(options.caches !== undefined ? { caches: options.caches } : {}),
    ...(options.cacheName !== undefined ? { cacheName: options.cacheName } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.onProgress
      ? { onProgress: (p: BrowserDownloadProgress) => options.onProgress?.({ phase: 'download', ...p }) }
      : {}),
  });
  return { folder: folderOfSnapshot(snapshot), kind: 'hub' as const };
}

/**
 * A model with its tokenizer and configs, in a browser, from a Hub repo id (`gpt2`,
 * `google-bert/bert-base-uncased`, through Cache Storage) or from the files of one Hugging
 * Face model folder (a `FileList` / `File[]` the user dropped or picked, or name → Blob):
 * config.json, the weights (safetensors, sharded or not, or pytorch_model.bin), and the
 * tokenizer files and generation_config.json when present.
 */
export async function fromPretrained<M extends Module = Module>(
  source: BrowserModelSource,
  options: BrowserFromPretrainedOptions = {},
): Promise<Pretrained<M>> {
  checkDtype(options.dtype);
  options.signal?.throwIfAborted();
  const { folder, kind } = await folderFor(source, options);
  return fromBlobFolder<M>(folder, kind, options);
}

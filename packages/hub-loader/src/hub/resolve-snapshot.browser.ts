// The browser twin of resolveSnapshot: the same plan (config, tokenizer, weights) over
// `fetch`, cached in Cache Storage instead of the Hugging Face folder cache, which a
// browser cannot reach. Keys mirror the Hub's URLs — `{endpoint}/{repo}/resolve/{commit}/{file}`
// for a file, `…/refs/{revision}` for the commit a revision resolved to, and the file key
// with `?no_exist` for a file the Hub said is absent — so a second visit makes no request
// and works offline. A browser follows redirects itself and shows only the final answer,
// so files are fetched with one GET each (no HEAD); the first one, config.json at the
// revision, gives the commit (X-Repo-Commit) every other file is then fetched at. LFS
// bytes are checked against their size and, when the CDN's ETag is a sha256, their hash.
// No `node:` import: this file is what the package's `browser` condition reaches.
import { HubError } from './errors.js';
import { type FetchLike, getFile, type HubRequest, normalizeEtag } from './http.js';
import {
  checkRepoFile,
  checkRepoId,
  checkRevision,
  DEFAULT_REVISION,
  isCommitHash,
  resolveUrl,
} from './names.js';
import { gatherSnapshot, type SnapshotSource } from './plan.js';

export const DEFAULT_BROWSER_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_CACHE_NAME = 'tensorlm-hub';

export interface BrowserDownloadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface BrowserSnapshotOptions {
  revision?: string;
  files?: readonly string[];
  offline?: boolean;
  token?: string;
  endpoint?: string;
  onProgress?: (progress: BrowserDownloadProgress) => void;
  /**
   * Called when a file's response headers arrive, before its body is read, with its size
   * when the server sent one: a page checks there whether the weights can fit before it
   * downloads gigabytes. Throwing cancels the download; the file is not cached.
   */
  beforeDownload?: (file: { name: string; bytes: number | undefined }) => void | Promise<void>;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** The Cache Storage to use (default `globalThis.caches`) and the cache's name. */
  caches?: CacheStorage;
  cacheName?: string;
}

/** A snapshot held in Cache Storage: its commit, its files, and their bytes on demand. */
export interface BrowserSnapshot {
  repoId: string;
  revision: string;
  commit: string;
  files: string[];
  read(file: string): Promise<Uint8Array>;
  readText(file: string): Promise<string>;
  /** The file as a Blob, which a browser keeps on disk: weights are then read slice by slice. */
  blob(file: string): Promise<Blob>;
}

const SHA256 = /^[0-9a-f]{64}$/;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

class BrowserSource implements SnapshotSource {
  commit: string | undefined;
  readonly describe: string;
  readonly requests = { made: 0 };

  constructor(
    private readonly cache: Cache,
    private readonly repoId: string,
    private readonly revision: string,
    private readonly endpoint: string,
    private readonly opts: BrowserSnapshotOptions,
  ) {
    this.describe = `repo '${repoId}' at revision '${revision}'`;
  }

  fileKey(commit: string, file: string): string {
    return resolveUrl(this.endpoint, this.repoId, commit, file);
  }

  refKey(): string {
    return `${this.endpoint}/${this.repoId}/refs/${encodeURIComponent(this.revision)}`;
  }

  async resolveCachedCommit(): Promise<void> {
    if (isCommitHash(this.revision)) this.commit = this.revision;
    else this.commit = (await (await this.cache.match(this.refKey()))?.text())?.trim() || undefined;
  }

  private async cached(file: string): Promise<'present' | 'absent' | 'unknown'> {
    if (this.commit === undefined) return 'unknown';
    const key = this.fileKey(this.commit, file);
    if (await this.cache.match(key)) return 'present';
    if (await this.cache.match(`${key}?no_exist`)) return 'absent';
    return 'unknown';
  }

  private async download(file: string): Promise<boolean> {
    const { opts } = this;
    if (opts.offline)
      throw new HubError(
        'HUB_OFFLINE_MISSING',
        `offline, and Cache Storage '${opts.cacheName ?? DEFAULT_CACHE_NAME}' does not hold '${file}' of ${this.describe} (looked for ${this.commit ? this.fileKey(this.commit, file) : this.refKey()})`,
      );
    const url = resolveUrl(this.endpoint, this.repoId, this.commit ?? this.revision, file);
    const request: HubRequest = {
      repoId: this.repoId,
      revision: this.revision,
      file,
      url,
      fetch: opts.fetch ?? globalThis.fetch.bind(globalThis),
      token: opts.token,
      signal: opts.signal,
      manualRedirects: false,
    };
    let response: Response;
    try {
      this.requests.made++;
      response = await getFile(request, url, 0);
    } catch (error) {
      if (error instanceof HubError && error.code === 'HUB_FILE_NOT_FOUND') {
        if (this.commit !== undefined)
          await this.cache.put(`${this.fileKey(this.commit, file)}?no_exist`, new Response(''));
        return false;
      }
      throw error;
    }
    const commit = response.headers.get('X-Repo-Commit');
    if (this.commit === undefined) {
      if (commit === null || !isCommitHash(commit))
        throw new HubError(
          'HUB_BAD_RESPONSE',
          `${url} gave no X-Repo-Commit commit hash (is HF_ENDPOINT the Hub, and does it expose that header to browsers?)`,
        );
      this.commit = commit;
      await this.cache.put(this.refKey(), new Response(commit));
    }
    const total = Number(response.headers.get('Content-Length') ?? Number.NaN);
    if (opts.beforeDownload) {
      try {
        await opts.beforeDownload({ name: file, bytes: Number.isFinite(total) ? total : undefined });
      } catch (error) {
        await response.body?.cancel().catch(() => {});
        throw error;
      }
    }
    const chunks: Uint8Array[] = [];
    let done = 0;
    const reader = response.body?.getReader();
    for (;;) {
      const next = reader ? await reader.read() : { done: true as const, value: undefined };
      if (next.done) break;
      chunks.push(next.value);
      done += next.value.byteLength;
      opts.onProgress?.({ file, bytesDone: done, bytesTotal: Number.isFinite(total) ? total : done });
    }
    if (Number.isFinite(total) && done !== total)
      throw new HubError(
        'HUB_SIZE_MISMATCH',
        `'${file}' of ${this.describe} ended after ${done} of ${total} bytes (from ${response.url || url})`,
      );
    const bytes = new Uint8Array(done);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    const etag = normalizeEtag(response.headers.get('X-Linked-Etag') ?? response.headers.get('ETag'));
    if (etag !== undefined && SHA256.test(etag)) {
      const actual = await sha256Hex(bytes);
      if (actual !== etag)
        throw new HubError(
          'HUB_CHECKSUM_MISMATCH',
          `'${file}' of ${this.describe} has sha256 ${actual}, not ${etag} (from ${response.url || url}); nothing was cached`,
        );
    }
    await this.cache.put(this.fileKey(this.commit, file), new Response(bytes as Uint8Array<ArrayBuffer>));
    return true;
  }

  async optional(file: string): Promise<boolean> {
    const state = await this.cached(file);
    if (state !== 'unknown') return state === 'present';
    // Offline, a file never looked up counts as absent (as in Node).
    if (this.opts.offline) return false;
    return this.download(file);
  }

  async require(file: string): Promise<void> {
    const state = await this.cached(file);
    if (state === 'present' || (state === 'unknown' && (await this.download(file)))) return;
    throw new HubError('HUB_FILE_NOT_FOUND', `'${file}' was not found in ${this.describe}`);
  }

  async read(file: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.cachedResponse(file)).arrayBuffer());
  }

  async blob(file: string): Promise<Blob> {
    return (await this.cachedResponse(file)).blob();
  }

  private async cachedResponse(file: string): Promise<Response> {
    const response = this.commit ? await this.cache.match(this.fileKey(this.commit, file)) : undefined;
    if (!response)
      throw new HubError('HUB_OFFLINE_MISSING', `'${file}' of ${this.describe} is not in Cache Storage`);
    return response;
  }

  async readText(file: string): Promise<string> {
    return new TextDecoder().decode(await this.read(file));
  }
}

/**
 * The files of `repoId` at a revision, from Cache Storage or fetched into it. The
 * browser's counterpart of resolveSnapshot (which returns a folder on disk).
 */
export async function resolveBrowserSnapshot(
  repoId: string,
  options: BrowserSnapshotOptions = {},
): Promise<BrowserSnapshot> {
  checkRepoId(repoId);
  const revision = checkRevision(options.revision ?? DEFAULT_REVISION);
  const files = options.files?.map((file) => checkRepoFile(file));
  const storage = options.caches ?? globalThis.caches;
  if (storage === undefined)
    throw new HubError(
      'HUB_INVALID_OPTIONS',
      'Cache Storage (globalThis.caches) is not available here: pass options.caches',
    );
  const cache = await storage.open(options.cacheName ?? DEFAULT_CACHE_NAME);
  const endpoint = (options.endpoint ?? DEFAULT_BROWSER_ENDPOINT).replace(/\/+$/, '');
  const source = new BrowserSource(cache, repoId, revision, endpoint, options);
  await source.resolveCachedCommit();
  const got = await gatherSnapshot(source, files);
  return {
    repoId,
    revision,
    commit: source.commit!,
    files: got,
    read: (file) => source.read(file),
    readText: (file) => source.readText(file),
    blob: (file) => source.blob(file),
  };
}

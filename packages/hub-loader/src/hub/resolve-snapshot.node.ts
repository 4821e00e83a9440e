// `resolveSnapshot(repoId)`: the local folder `<cache>/models--ORG--NAME/snapshots/<commit>`
// holding a model's files, found in the Hugging Face cache (the one Python fills) or
// downloaded into it. The cache is looked at first and, when it already holds every file
// the plan needs, no request is made at all; otherwise one HEAD per missing file resolves
// the revision to a commit (written to refs/<revision>) and each missing blob is
// downloaded under its lock. Offline (HF_HUB_OFFLINE=1 or `offline: true`), a missing file
// is an error that lists every place looked. Node only.
import { access, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type CachedFileState, RepoCache } from './cache.node.js';
import { downloadBlob } from './download.node.js';
import { HubError } from './errors.js';
import { type FetchLike, type HubRequest, headFile } from './http.js';
import { withFileLock } from './lock.node.js';
import {
  checkRepoFile,
  checkRepoId,
  checkRevision,
  DEFAULT_REVISION,
  isCommitHash,
  resolveUrl,
} from './names.js';
import { gatherSnapshot, type SnapshotSource } from './plan.js';
import { hubCacheDir, hubEndpoint, hubOffline, hubSymlinksDisabled, hubToken } from './settings.node.js';

/** One file's download progress: called as bytes arrive (bytesDone starts above 0 on a resume). */
export interface DownloadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface ResolveSnapshotOptions {
  /** A branch, tag or commit hash (default 'main'). */
  revision?: string;
  /** Exactly these files (each required) instead of the model plan (config, tokenizer, weights). */
  files?: readonly string[];
  /** The hub cache folder (default HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Never touch the network (default HF_HUB_OFFLINE). */
  offline?: boolean;
  /** Access token for private and gated repos (default HF_TOKEN, then the saved login). */
  token?: string;
  /** The Hub's URL (default HF_ENDPOINT, then https://huggingface.co). */
  endpoint?: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** The fetch to use (default: the global one). */
  fetch?: FetchLike;
  /** Resumes of one file after a broken connection within this call (default 3). */
  retries?: number;
  /** Symlinks from snapshots to blobs (default: unless HF_HUB_DISABLE_SYMLINKS); copies otherwise. */
  symlinks?: boolean;
}

const optionsSchema = z.object({
  revision: z.string().optional(),
  files: z.array(z.string()).min(1).optional(),
  cacheDir: z.string().min(1).optional(),
  offline: z.boolean().optional(),
  token: z.string().optional(),
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  onProgress: z.custom<(p: DownloadProgress) => void>((v) => typeof v === 'function').optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal).optional(),
  fetch: z.custom<FetchLike>((v) => typeof v === 'function').optional(),
  retries: z.number().int().min(0).max(100).optional(),
  symlinks: z.boolean().optional(),
});

/** Thrown inside the cache-only pass: the cache alone cannot answer. */
class CacheMiss extends Error {}

/** The plan's files from the cache alone, remembering every path it looked at. */
class CacheSource implements SnapshotSource {
  readonly looked: string[] = [];
  readonly missing: string[] = [];

  constructor(
    private readonly cache: RepoCache,
    private readonly revision: string,
    private readonly commit: string | undefined,
    private readonly offline: boolean,
    readonly describe: string,
  ) {}

  private async state(file: string): Promise<CachedFileState> {
    if (this.commit === undefined) {
      this.looked.push(
        `${this.cache.refPath(this.revision)} (no such ref: the revision was never downloaded)`,
      );
      return 'unknown';
    }
    const state = await this.cache.fileState(this.commit, file);
    this.looked.push(
      state === 'present'
        ? `${this.cache.pointerPath(this.commit, file)} (found)`
        : state === 'absent'
          ? `${this.cache.noExistPath(this.commit, file)} (recorded as not in the repo)`
          : `${this.cache.pointerPath(this.commit, file)} (not there)`,
    );
    return state;
  }

  async require(file: string): Promise<void> {
    if ((await this.state(file)) === 'present') return;
    this.missing.push(file);
    throw new CacheMiss(file);
  }

  async optional(file: string): Promise<boolean> {
    const state = await this.state(file);
    if (state === 'unknown' && !this.offline) throw new CacheMiss(file);
    // Offline, a file the cache never heard of counts as absent: Python's downloads do not
    // record every file they did not ask for.
    return state === 'present';
  }

  async readText(file: string): Promise<string> {
    return readFile(this.cache.pointerPath(this.commit!, file), 'utf8');
  }
}

interface HubSourceSettings {
  cache: RepoCache;
  repoId: string;
  revision: string;
  endpoint: string;
  token: string | undefined;
  fetch: FetchLike;
  signal: AbortSignal | undefined;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
  retries: number;
  symlinks: boolean;
  describe: string;
}

/** The plan's files from the cache where it has them, else from the Hub into the cache. */
class HubSource implements SnapshotSource {
  /** The commit the revision resolved to; learned from the first HEAD unless the revision is one. */
  commit: string | undefined;
  readonly describe: string;

  constructor(private readonly s: HubSourceSettings) {
    this.commit = isCommitHash(s.revision) ? s.revision : undefined;
    this.describe = s.describe;
  }

  private request(file: string): HubRequest {
    const { s } = this;
    return {
      repoId: s.repoId,
      revision: s.revision,
      file,
      // Once the commit is known every file comes from it, so a push meanwhile cannot mix two commits.
      url: resolveUrl(s.endpoint, s.repoId, this.commit ?? s.revision, file),
      fetch: s.fetch,
      token: s.token,
      signal: s.signal,
      manualRedirects: true,
    };
  }

  private async learnCommit(commit: string): Promise<void> {
    if (this.commit !== undefined) return;
    this.commit = commit;
    await this.s.cache.tagCacheDir();
    await this.s.cache.writeRef(this.s.revision, commit);
  }

  /** Whether the repo has `file` at the commit; downloads it into the cache when it does. */
  private async fetchFile(file: string): Promise<boolean> {
    const { cache } = this.s;
    if (this.commit !== undefined) {
      const state = await cache.fileState(this.commit, file);
      if (state !== 'unknown') return state === 'present';
    }
    const request = this.request(file);
    const remote = await headFile(request);
    if ('missing' in remote) {
      if (remote.commit !== undefined) {
        await this.learnCommit(remote.commit);
        await cache.recordMissing(remote.commit, file);
      }
      return false;
    }
    await this.learnCommit(remote.commit);
    const commit = this.commit!;
    if ((await cache.fileState(commit, file)) === 'present') return true;
    const blob = cache.blobPath(remote.etag);
    const exists = () =>
      access(blob).then(
        () => true,
        () => false,
      );
    if (!(await exists()))
      await withFileLock(
        `${blob}.lock`,
        async () => {
          if (await exists()) return; // another process finished it while this one waited
          await downloadBlob(request, remote, blob, {
            retries: this.s.retries,
            onBytes: (bytesDone, bytesTotal) => this.s.onProgress?.({ file, bytesDone, bytesTotal }),
          });
        },
        { signal: this.s.signal },
      );
    await cache.linkPointer(commit, file, remote.etag, { symlinks: this.s.symlinks });
    return true;
  }

  async require(file: string): Promise<void> {
    if (await this.fetchFile(file)) return;
    throw new HubError(
      'HUB_FILE_NOT_FOUND',
      `'${file}' was not found in ${this.describe}${this.commit && this.commit !== this.s.revision ? ` (commit ${this.commit})` : ''}`,
    );
  }

  optional(file: string): Promise<boolean> {
    return this.fetchFile(file);
  }

  async readText(file: string): Promise<string> {
    return readFile(this.s.cache.pointerPath(this.commit!, file), 'utf8');
  }
}

function offlineError(repoId: string, revision: string, local: CacheSource, cacheDir: string): HubError {
  const what = local.missing.length > 0 ? `missing ${local.missing.join(', ')}` : 'no weight file';
  return new HubError(
    'HUB_OFFLINE_MISSING',
    `offline (HF_HUB_OFFLINE or the offline option), and the Hugging Face cache ${cacheDir} does not hold ` +
      `repo '${repoId}' at revision '${revision}' completely: ${what}. Looked at:\n  ${local.looked.join('\n  ')}`,
  );
}

/**
 * The snapshot folder of `repoId` at `options.revision`, with the files the model plan
 * (or `options.files`) needs, from the cache or downloaded into it. See the module header.
 */
export async function resolveSnapshot(repoId: string, options: ResolveSnapshotOptions = {}): Promise<string> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new HubError(
      'HUB_INVALID_OPTIONS',
      `invalid resolveSnapshot options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`,
    );
  const opts = parsed.data;
  checkRepoId(repoId);
  const revision = checkRevision(opts.revision ?? DEFAULT_REVISION);
  const files = opts.files?.map((file) => checkRepoFile(file));
  const cacheDir = opts.cacheDir ?? hubCacheDir();
  const offline = opts.offline ?? hubOffline();
  const cache = new RepoCache(cacheDir, repoId);
  const describe = `repo '${repoId}' at revision '${revision}'`;
  opts.signal?.throwIfAborted();

  // The cache first: everything there means no request at all.
  const commit = await cache.commitOf(revision);
  const local = new CacheSource(cache, revision, commit, offline, describe);
  try {
    await gatherSnapshot(local, files);
    return cache.snapshotDir(commit!);
  } catch (error) {
    const cacheCannotTell = error instanceof CacheMiss;
    if (offline && (cacheCannotTell || (error instanceof HubError && error.code === 'HUB_NO_WEIGHTS')))
      throw offlineError(repoId, revision, local, cacheDir);
    if (!cacheCannotTell) throw error;
  }

  const hub = new HubSource({
    cache,
    repoId,
    revision,
    endpoint: opts.endpoint ?? hubEndpoint(),
    token: opts.token ?? hubToken(),
    fetch: opts.fetch ?? globalThis.fetch,
    signal: opts.signal,
    onProgress: opts.onProgress,
    retries: opts.retries ?? 3,
    symlinks: opts.symlinks ?? !hubSymlinksDisabled(),
    describe,
  });
  await gatherSnapshot(hub, files);
  return cache.snapshotDir(hub.commit!);
}

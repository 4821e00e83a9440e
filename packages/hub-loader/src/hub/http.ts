// Talking to the Hub over `fetch` (Node's or a browser's, or one a test injects): the
// metadata HEAD of `/{repo}/resolve/{revision}/{file}` as huggingface_hub does it
// (redirects within the Hub followed — a renamed repo — those to another origin not:
// their Location is where the bytes are), the GET of those bytes, and every non-2xx answer turned into a
// HubError that names the cause. Browser-safe (no `node:` import).
import { HubError } from './errors.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** What one request needs to know to report its failure well. */
export interface HubRequest {
  repoId: string;
  revision: string;
  file: string;
  url: string;
  fetch: FetchLike;
  token?: string | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Follow redirects by hand (Node: `redirect: 'manual'` shows the 3xx) or let fetch follow
   * them (browsers: a manual redirect is opaque there).
   */
  manualRedirects: boolean;
}

/** A file as the Hub describes it, ready to be downloaded into `blobs/<etag>`. */
export interface RemoteFile {
  file: string;
  /** X-Repo-Commit: the commit the revision resolved to. */
  commit: string;
  /** The blob's name in the cache: X-Linked-Etag, else ETag, without quotes or `W/`. */
  etag: string;
  /** X-Linked-Size, else Content-Length: the file's size in bytes. */
  size: number;
  /** Where to GET the bytes: the CDN URL an LFS file redirects to, else the resolve URL. */
  location: string;
  /** The sha256 to verify the bytes against (LFS files: their etag is the content's sha256). */
  sha256: string | undefined;
}

/** The Hub says the file does not exist at this revision; `commit` when it said which commit. */
export interface MissingFile {
  missing: true;
  commit: string | undefined;
}

const MAX_REDIRECTS = 10;
const SHA256 = /^[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{40}$/;
// An etag becomes a file name under blobs/: nothing that could name another path.
const SAFE_ETAG = /^[A-Za-z0-9_.-]{1,128}$/;

/** huggingface_hub's `_normalize_etag`: `W/"abc"` and `"abc"` → `abc`. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (etag === null) return undefined;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

function isRedirect(status: number): boolean {
  return status >= 300 && status <= 399;
}

function authHeaders(request: HubRequest, url: string, sameOriginAs: string): Record<string, string> {
  // The token goes to the Hub only: a CDN URL is signed, and a token must not leak to another host.
  if (!request.token || new URL(url).origin !== new URL(sameOriginAs).origin) return {};
  return { Authorization: `Bearer ${request.token}` };
}

/** Runs fetch; a network failure becomes HUB_NETWORK naming the URL, an abort stays the abort. */
async function send(request: HubRequest, url: string, init: RequestInit): Promise<Response> {
  request.signal?.throwIfAborted();
  try {
    return await request.fetch(url, { ...init, ...(request.signal ? { signal: request.signal } : {}) });
  } catch (error) {
    if (request.signal?.aborted) throw request.signal.reason;
    throw networkError(url, error);
  }
}

/** HUB_NETWORK for a request that never got an answer (or lost it midway). */
export function networkError(url: string, error: unknown, detail = ''): HubError {
  const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause : error) : undefined;
  const why = cause
    ? `${cause.message}${'code' in cause && cause.code ? ` (${cause.code})` : ''}`
    : String(error);
  return new HubError('HUB_NETWORK', `cannot download ${url}${detail}: ${why}`, { cause: error });
}

/** Drops a response's body so its connection is released. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

/**
 * The HubError for a non-2xx answer, from its status and the Hub's X-Error-Code
 * (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
 */
export function responseError(request: HubRequest, response: Response): HubError {
  const { repoId, revision, file, url } = request;
  const status = response.status;
  const code = response.headers.get('X-Error-Code');
  const where = `repo '${repoId}' at revision '${revision}'`;
  const tokenHint = request.token
    ? 'the token sent (HF_TOKEN or --token) was refused: check that it is valid and has access to this repo'
    : 'if the repo is private or gated, give a token: set HF_TOKEN or pass --token';
  if (code === 'GatedRepo')
    return new HubError(
      'HUB_UNAUTHORIZED',
      `'${repoId}' is a gated repo (HTTP ${status}): accept its conditions on the Hub with your account, then ${request.token ? 'check that the token sent (HF_TOKEN or --token) belongs to that account' : 'give your token: set HF_TOKEN or pass --token'}`,
    );
  if (status === 401 || status === 403)
    return new HubError(
      'HUB_UNAUTHORIZED',
      `access to repo '${repoId}' was refused (HTTP ${status}${code === 'RepoNotFound' ? ': not found or private' : ''}): ${tokenHint}`,
    );
  if (code === 'RepoNotFound')
    return new HubError(
      'HUB_REPO_NOT_FOUND',
      `repo '${repoId}' was not found on the Hub (HTTP ${status}); ${tokenHint}`,
    );
  if (code === 'RevisionNotFound')
    return new HubError(
      'HUB_REVISION_NOT_FOUND',
      `revision '${revision}' was not found in repo '${repoId}' (HTTP ${status})`,
    );
  if (status === 404)
    return new HubError('HUB_FILE_NOT_FOUND', `'${file}' was not found in ${where} (HTTP 404 from ${url})`);
  return new HubError(
    'HUB_BAD_RESPONSE',
    `HTTP ${status} ${response.statusText} from ${url} (for '${file}' of ${where})`,
  );
}

/**
 * HEAD of the file's resolve URL: its commit, etag, size and download location, or
 * `{ missing }` when the Hub says the file does not exist (EntryNotFound). Other
 * failures throw a HubError.
 */
export async function headFile(request: HubRequest): Promise<RemoteFile | MissingFile> {
  let url = request.url;
  let response: Response;
  for (let hop = 0; ; hop++) {
    response = await send(request, url, {
      method: 'HEAD',
      redirect: request.manualRedirects ? 'manual' : 'follow',
      // The real size, not a compressed one.
      headers: { 'Accept-Encoding': 'identity', ...authHeaders(request, url, request.url) },
    });
    await discard(response);
    const location = response.headers.get('Location');
    // A redirect within the Hub's origin (a renamed repo) is followed; one to another
    // origin leads to the CDN: its Location is where the GET goes.
    if (
      isRedirect(response.status) &&
      location !== null &&
      new URL(location, url).origin === new URL(url).origin
    ) {
      if (hop >= MAX_REDIRECTS)
        throw new HubError('HUB_BAD_RESPONSE', `more than ${MAX_REDIRECTS} redirects from ${request.url}`);
      url = new URL(location, url).href;
      continue;
    }
    break;
  }
  const headers = response.headers;
  if (!response.ok && !isRedirect(response.status)) {
    const error = responseError({ ...request, url }, response);
    if (error.code === 'HUB_FILE_NOT_FOUND') {
      const commit = headers.get('X-Repo-Commit') ?? undefined;
      return { missing: true, commit: commit && COMMIT.test(commit) ? commit : undefined };
    }
    throw error;
  }
  const commit = headers.get('X-Repo-Commit');
  const linkedEtag = normalizeEtag(headers.get('X-Linked-Etag'));
  const etag = linkedEtag ?? normalizeEtag(headers.get('ETag'));
  const sizeText =
    headers.get('X-Linked-Size') ?? (isRedirect(response.status) ? null : headers.get('Content-Length'));
  const size = sizeText === null ? Number.NaN : Number(sizeText);
  const bad = (what: string) =>
    new HubError(
      'HUB_BAD_RESPONSE',
      `${url} did not answer like the Hub (${what}); check HF_ENDPOINT and any proxy in between`,
    );
  if (commit === null || !COMMIT.test(commit))
    throw bad(`no X-Repo-Commit commit hash, got ${JSON.stringify(commit)}`);
  if (etag === undefined || !SAFE_ETAG.test(etag))
    throw bad(`no usable ETag, got ${JSON.stringify(etag ?? null)}`);
  if (!Number.isSafeInteger(size) || size < 0)
    throw bad(`no file size in X-Linked-Size / Content-Length, got ${JSON.stringify(sizeText)}`);
  const redirectTo = isRedirect(response.status) ? headers.get('Location') : null;
  return {
    file: request.file,
    commit,
    etag,
    size,
    location: redirectTo !== null ? new URL(redirectTo, url).href : url,
    sha256: SHA256.test(etag) ? etag : undefined,
  };
}

/**
 * GET of a file's bytes from `location`, with `Range: bytes=<from>-` when resuming,
 * redirects followed (the token only ever sent to the Hub's own origin). Returns the 200
 * or 206 response with its body unread; any other answer throws a HubError.
 */
export async function getFile(request: HubRequest, location: string, from: number): Promise<Response> {
  let url = location;
  for (let hop = 0; ; hop++) {
    const response = await send(request, url, {
      method: 'GET',
      redirect: request.manualRedirects ? 'manual' : 'follow',
      headers: {
        'Accept-Encoding': 'identity',
        ...(from > 0 ? { Range: `bytes=${from}-` } : {}),
        ...authHeaders(request, url, request.url),
      },
    });
    const next = response.headers.get('Location');
    if (isRedirect(response.status) && next !== null) {
      await discard(response);
      if (hop >= MAX_REDIRECTS)
        throw new HubError('HUB_BAD_RESPONSE', `more than ${MAX_REDIRECTS} redirects from ${location}`);
      url = new URL(next, url).href;
      continue;
    }
    if (response.status === 200 || response.status === 206) return response;
    await discard(response);
    throw responseError({ ...request, url }, response);
  }
}

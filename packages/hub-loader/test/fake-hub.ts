// A stand-in for the Hugging Face Hub on 127.0.0.1, for tests: two node:http servers on
// ephemeral ports — the Hub (`/{repo}/resolve/{revision}/{file}`, answering HEAD and GET
// with the headers huggingface_hub reads: X-Repo-Commit, ETag, X-Linked-Etag,
// X-Linked-Size, X-Error-Code) and a CDN on another origin that serves LFS files with
// Range. It can cut a connection mid-file, serve bytes that do not match their sha256 or
// their size, require a token, act gated or renamed. Every request is recorded so a test
// can count them. It closes itself after a while even if a test forgets to.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFile {
  content: Uint8Array | string;
  /** Stored with git LFS: HEAD redirects to the CDN, X-Linked-Etag is the content's sha256. */
  lfs?: boolean;
  /** What the CDN serves instead of `content` (a corrupt or truncated body). */
  served?: Uint8Array;
}

export interface FakeRepo {
  id: string;
  commit: string;
  files: Record<string, FakeFile>;
  /** A private repo: requests need `Authorization: Bearer <token>`. */
  token?: string;
  /** A gated repo: 403 GatedRepo for everyone. */
  gated?: boolean;
  /** A renamed repo: the Hub answers with a relative redirect to this id. */
  renamedTo?: string;
}

export interface RecordedRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** git's object id of a blob: sha1 of `blob <size>\0<bytes>` — the ETag the Hub gives regular files. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function bytesOf(content: Uint8Array | string): Uint8Array {
  return typeof content === 'string' ? new TextEncoder().encode(content) : content;
}

async function listen(server: Server, host: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

export class FakeHub {
  readonly requests: RecordedRequest[] = [];
  endpoint = '';
  cdn = '';
  private readonly hub: Server;
  private readonly cdnServer: Server;
  private readonly cuts = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly repos: readonly FakeRepo[]) {
    this.hub = createServer((req, res) => this.serveHub(req, res));
    this.cdnServer = createServer((req, res) => this.serveCdn(req, res));
    this.timer = setTimeout(() => void this.close(), 120_000);
    this.timer.unref();
  }

  /** `cdnHost`: another loopback address (127.0.0.2 on Linux) puts the CDN on another host, not just another port. */
  static async start(repos: readonly FakeRepo[], { cdnHost = '127.0.0.1' } = {}): Promise<FakeHub> {
    const hub = new FakeHub(repos);
    hub.endpoint = await listen(hub.hub, '127.0.0.1');
    hub.cdn = await listen(hub.cdnServer, cdnHost);
    return hub;
  }

  /** The next CDN GET of this LFS file sends its headers, `afterBytes` bytes, then drops the connection. */
  cutNext(sha: string, afterBytes: number): void {
    this.cuts.set(sha, afterBytes);
  }

  requestsTo(server: 'hub' | 'cdn', method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.server === server && (method === undefined || r.method === method));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    for (const server of [this.hub, this.cdnServer]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private record(server: 'hub' | 'cdn', req: IncomingMessage): void {
    this.requests.push({
      server,
      method: req.method ?? '',
      path: req.url ?? '',
      range: req.headers.range,
      authorization: req.headers.authorization,
    });
  }

  private serveHub(req: IncomingMessage, res: ServerResponse): void {
    this.record('hub', req);
    const match = /^\/([^/]+(?:\/[^/]+)?)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
    const fail = (status: number, code: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'X-Error-Code': code, 'Content-Type': 'text/plain', ...headers });
      res.end(req.method === 'HEAD' ? undefined : code);
    };
    if (!match) {
      fail(404, 'RepoNotFound');
      return;
    }
    const [, repoId, revisionText, fileText] = match as unknown as [string, string, string, string];
    const revision = decodeURIComponent(revisionText);
    const file = fileText.split('/').map(decodeURIComponent).join('/');
    const repo = this.repos.find((r) => r.id === repoId);
    // Anonymous requests for a missing repo get 401 on the real Hub too.
    if (!repo) {
      fail(401, 'RepoNotFound');
      return;
    }
    if (repo.renamedTo) {
      res.writeHead(307, { Location: `/${repo.renamedTo}/resolve/${revisionText}/${fileText}` });
      return void res.end();
    }
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      fail(401, 'RepoNotFound');
      return;
    }
    if (repo.gated) {
      fail(403, 'GatedRepo');
      return;
    }
    if (revision !== 'main' && revision !== repo.commit) {
      fail(404, 'RevisionNotFound');
      return;
    }
    const entry = repo.files[file];
    const commitHeader = { 'X-Repo-Commit': repo.commit };
    if (!entry) {
      fail(404, 'EntryNotFound', commitHeader);
      return;
    }
    const bytes = bytesOf(entry.content);
    if (entry.lfs) {
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes)}\nsize ${bytes.byteLength}\n`;
      res.writeHead(302, {
        ...commitHeader,
        Location: `${this.cdn}/lfs/${encodeURIComponent(repo.id)}/${sha256(bytes)}?signature=x`,
        ETag: `"${gitBlobId(bytesOf(pointer))}"`,
        'X-Linked-Etag': `"${sha256(bytes)}"`,
        'X-Linked-Size': String(bytes.byteLength),
        'Content-Length': '0',
      });
      return void res.end();
    }
    this.sendBytes(req, res, bytes, { ...commitHeader, ETag: `"${gitBlobId(bytes)}"` });
  }

  private serveCdn(req: IncomingMessage, res: ServerResponse): void {
    this.record('cdn', req);
    const [, repoId, sha] = /^\/lfs\/([^/]+)\/([0-9a-f]{64})/.exec(req.url ?? '') ?? [];
    const repo = this.repos.find((r) => r.id === decodeURIComponent(repoId ?? ''));
    const entry = Object.values(repo?.files ?? {}).find((f) => f.lfs && sha256(bytesOf(f.content)) === sha);
    if (!sha || !entry) {
      res.writeHead(404);
      return void res.end();
    }
    const cut = this.cuts.get(sha);
    this.cuts.delete(sha);
    this.sendBytes(req, res, entry.served ?? bytesOf(entry.content), { ETag: `"${sha}"` }, cut);
  }

  /** 200, or 206 for `Range: bytes=N-`; with `cutAfter`, the socket is destroyed after that many body bytes. */
  private sendBytes(
    req: IncomingMessage,
    res: ServerResponse,
    bytes: Uint8Array,
    headers: Record<string, string>,
    cutAfter?: number,
  ): void {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start > bytes.byteLength) {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.byteLength}` });
      return void res.end();
    }
    const body = bytes.subarray(start);
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'Content-Length': String(body.byteLength),
      ...(range ? { 'Content-Range': `bytes ${start}-${bytes.byteLength - 1}/${bytes.byteLength}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    if (cutAfter === undefined) return void res.end(body);
    res.write(body.subarray(0, cutAfter), () => res.socket?.destroy());
  }
}

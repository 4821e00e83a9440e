// The smoke test's loopback web server (127.0.0.1, a free port): the test page and its
// bundle, hub-loader's fixture folders as plain files (what a user would drop onto the
// page), and a minimal Hugging Face Hub over the same fixtures — `GET
// /hub/{org}/{name}/resolve/{revision}/{file}` answering with the X-Repo-Commit header a
// browser loader needs, 404 for absent files — counting the Hub requests, so the test can
// prove a second load is served from Cache Storage.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const FIXTURES_DIR = join(import.meta.dirname, '../../../packages/hub-loader/fixtures');

/** Every fake Hub repo's commit: 40 hex digits, as the real Hub's. */
export const FAKE_COMMIT = '0123456789abcdef0123456789abcdef01234567';

export interface TestServer {
  origin: string;
  /** Requests made to /hub/ so far. */
  hubRequests: string[];
  close(): Promise<void>;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>tensorlm smoke</title><script type="module" src="/bundle.js"></script>`;

/** A plain file name: fixtures are served flat, never a path out of their folder. */
const PLAIN = /^[A-Za-z0-9._-]+$/;

async function fixtureFile(fixture: string, file: string): Promise<Uint8Array | null> {
  if (!PLAIN.test(fixture) || !PLAIN.test(file) || fixture.startsWith('.') || file.startsWith('.'))
    return null;
  const path = join(FIXTURES_DIR, fixture, file);
  if (!(await stat(path).catch(() => null))?.isFile()) return null;
  return readFile(path);
}

/** Starts the server on 127.0.0.1 and an ephemeral port; `hubRepos` maps `org/name` to a fixture folder. */
export async function startTestServer(bundle: string, hubRepos: Record<string, string>): Promise<TestServer> {
  const hubRequests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const send = (
      status: number,
      body: string | Uint8Array,
      type: string,
      headers: Record<string, string> = {},
    ) => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
      response.end(body);
    };
    void (async () => {
      if (url.pathname === '/') return send(200, PAGE, 'text/html; charset=utf-8');
      if (url.pathname === '/bundle.js') return send(200, bundle, 'text/javascript; charset=utf-8');
      const fixture = /^\/fixtures\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (fixture) {
        const bytes = await fixtureFile(fixture[1]!, fixture[2]!);
        return bytes ? send(200, bytes, 'application/octet-stream') : send(404, 'not found', 'text/plain');
      }
      const hub = /^\/hub\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (hub) {
        hubRequests.push(url.pathname);
        const folder = hubRepos[hub[1]!];
        const bytes = folder ? await fixtureFile(folder, hub[3]!) : null;
        if (!bytes) return send(404, 'Entry not found', 'text/plain', { 'X-Error-Code': 'EntryNotFound' });
        return send(200, bytes, 'application/octet-stream', {
          'X-Repo-Commit': FAKE_COMMIT,
          'Content-Length': String(bytes.byteLength),
        });
      }
      send(404, 'not found', 'text/plain');
    })().catch((error: unknown) => send(500, String(error), 'text/plain'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hubRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

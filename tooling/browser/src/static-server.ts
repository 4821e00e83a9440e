// A loopback static file server (127.0.0.1, a free port) for a built web app, such as the
// demo's `vite build` output: files under one folder with their content types, index.html
// for '/', nothing outside the folder, no caching. With `crossOriginIsolated` every
// response carries COOP `same-origin` and COEP `require-corp`, so the page may share
// memory with its workers (SharedArrayBuffer; backend-wasm's helper threads).
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServerOptions {
  /** Send the headers that make the page cross-origin isolated (default false). */
  crossOriginIsolated?: boolean;
}

/** The two headers a page needs to be cross-origin isolated. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 and an ephemeral port (cross-origin isolated when asked). */
export async function startStaticServer(
  root: string,
  options: StaticServerOptions = {},
): Promise<StaticServer> {
  const base = normalize(root + sep);
  const isolation = options.crossOriginIsolated ? ISOLATION_HEADERS : {};
  const server = createServer((request, response) => {
    const send = (status: number, body: string | Uint8Array, type: string) => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...isolation });
      response.end(body);
    };
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
      const path = normalize(join(base, relative));
      if (!path.startsWith(base)) return send(403, 'outside the served folder', 'text/plain');
      if (!(await stat(path).catch(() => null))?.isFile()) return send(404, 'not found', 'text/plain');
      send(200, await readFile(path), TYPES[extname(path)] ?? 'application/octet-stream');
    })().catch((error: unknown) => send(500, String(error), 'text/plain'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// The browser twin over Node's fetch and an in-memory Cache Storage, against the loopback
// Hub: files land under Hub-shaped keys, a second call and an offline call make no
// request, a wrong sha256 caches nothing; and no module reachable from the browser entry
// imports `node:` (the import graph is walked from index.browser.ts).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, sha256 } from '../../test/fake-hub.js';
import { HubError } from './errors.js';
import { resolveBrowserSnapshot } from './resolve-snapshot.browser.js';

const COMMIT = 'cafebabecafebabecafebabecafebabecafebabe';
const weights = randomBytes(40_000);
const corrupt = Buffer.from(weights);
corrupt[7] = 255 - corrupt[7]!;
let hub: FakeHub;

beforeAll(async () => {
  hub = await FakeHub.start([
    {
      id: 'org/tiny',
      commit: COMMIT,
      files: {
        'config.json': { content: '{"model_type":"gpt2"}' },
        'vocab.json': { content: '{}' },
        'model.safetensors': { content: weights, lfs: true },
      },
    },
    {
      id: 'org/bad',
      commit: COMMIT,
      files: {
        'config.json': { content: '{}' },
        'model.safetensors': { content: weights, lfs: true, served: corrupt },
      },
    },
  ]);
});
afterAll(() => hub.close());

/** Cache Storage as a browser has it, in memory: keys are URLs, values whole responses. */
function memoryCaches(): CacheStorage & { stored: () => string[] } {
  const store = new Map<string, Uint8Array>();
  const cache = {
    async match(key: string) {
      const bytes = store.get(key);
      return bytes ? new Response(bytes as Uint8Array<ArrayBuffer>) : undefined;
    },
    async put(key: string, response: Response) {
      if (response.status === 206) throw new TypeError('Cache.put: a 206 response cannot be stored');
      store.set(key, new Uint8Array(await response.arrayBuffer()));
    },
  };
  return { open: async () => cache, stored: () => [...store.keys()].sort() } as unknown as CacheStorage & {
    stored: () => string[];
  };
}

describe('resolveBrowserSnapshot', () => {
  it('fetches the plan into Cache Storage and serves it again without a request, online and offline', async () => {
    const caches = memoryCaches();
    const options = { caches, endpoint: hub.endpoint };
    const snapshot = await resolveBrowserSnapshot('org/tiny', options);
    expect(snapshot.commit).toBe(COMMIT);
    expect(snapshot.files).toEqual(['config.json', 'vocab.json', 'model.safetensors']);
    expect(await snapshot.read('model.safetensors')).toEqual(new Uint8Array(weights));
    const base = `${hub.endpoint}/org/tiny/resolve/${COMMIT}`;
    expect(caches.stored()).toEqual(
      [
        `${hub.endpoint}/org/tiny/refs/main`,
        `${base}/config.json`,
        `${base}/vocab.json`,
        `${base}/model.safetensors`,
        ...['generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']
          .concat(['merges.txt', 'vocab.txt'])
          .map((f) => `${base}/${f}?no_exist`),
      ].sort(),
    );
    const before = hub.requests.length;
    await resolveBrowserSnapshot('org/tiny', options);
    const offline = await resolveBrowserSnapshot('org/tiny', {
      caches,
      offline: true,
      endpoint: hub.endpoint,
    });
    expect(await offline.readText('config.json')).toBe('{"model_type":"gpt2"}');
    expect(hub.requests.length).toBe(before);
  });

  it('a body whose sha256 is wrong is an error and is not cached', async () => {
    const caches = memoryCaches();
    const error = await resolveBrowserSnapshot('org/bad', { caches, endpoint: hub.endpoint }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('HUB_CHECKSUM_MISMATCH');
    expect((error as HubError).message).toContain(`not ${sha256(weights)}`);
    expect(caches.stored().some((k) => k.endsWith('/model.safetensors'))).toBe(false);
  });

  it('beforeDownload sees each file and its size before the body; throwing stops that file, uncached', async () => {
    const caches = memoryCaches();
    const seen: { name: string; bytes: number | undefined }[] = [];
    const refused = new Error('weights over budget');
    const error = await resolveBrowserSnapshot('org/tiny', {
      caches,
      endpoint: hub.endpoint,
      beforeDownload: (file) => {
        seen.push(file);
        if (file.name === 'model.safetensors') throw refused;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(refused);
    // Absent files answer 404 and never reach the hook.
    expect(seen).toEqual([
      { name: 'config.json', bytes: '{"model_type":"gpt2"}'.length },
      { name: 'vocab.json', bytes: 2 },
      { name: 'model.safetensors', bytes: weights.byteLength },
    ]);
    const stored = caches.stored();
    expect(stored.some((k) => k.endsWith('/config.json'))).toBe(true);
    expect(stored.some((k) => k.includes('model.safetensors'))).toBe(false);

    // The same call without the refusal downloads the weights (the cached files are not fetched again).
    const before = hub.requests.length;
    const snapshot = await resolveBrowserSnapshot('org/tiny', { caches, endpoint: hub.endpoint });
    expect(await snapshot.read('model.safetensors')).toEqual(new Uint8Array(weights));
    expect(hub.requests.slice(before).map((r) => r.path.split('/').at(-1))).not.toContain('config.json');
  });

  it('offline with an empty cache names what it looked for', async () => {
    const error = await resolveBrowserSnapshot('org/tiny', { caches: memoryCaches(), offline: true }).catch(
      (e: unknown) => e,
    );
    expect((error as HubError).code).toBe('HUB_OFFLINE_MISSING');
    expect((error as HubError).message).toContain('https://huggingface.co/org/tiny/refs/main');
  });

  it('no module reachable from the browser entry imports node:', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const visit = async (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      const text = await readFile(path, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (spec!.startsWith('node:')) nodeImports.push(`${path}: ${spec}`);
        else if (spec!.startsWith('.')) await visit(join(dirname(path), spec!.replace(/\.js$/, '.ts')));
      }
    };
    await visit(join(here, 'index.browser.ts'));
    expect(seen.size).toBeGreaterThan(4);
    expect(nodeImports).toEqual([]);
  });
});

// resolveSnapshot against a loopback server that behaves like the Hub (test/fake-hub.ts):
// the cache it leaves must be exactly the layout Python's huggingface_hub writes (checked
// entry by entry with lstat/readlink, against hashes computed here), a second call must
// make no request, offline must find it, and every failure — 401, 403, 404, a cut
// connection, a wrong sha256 or size — must name its cause and leave no partial blob that
// could be mistaken for a complete one.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bytesOf, FakeHub, type FakeRepo, gitBlobId, sha256 } from '../../test/fake-hub.js';
import { HubError } from './errors.js';
import { type DownloadProgress, resolveSnapshot } from './resolve-snapshot.node.js';

const C1 = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const C2 = '0123456789abcdef0123456789abcdef01234567';
const C3 = 'fedcba9876543210fedcba9876543210fedcba98';
const C4 = '1111111111222222222233333333334444444444';

const config = JSON.stringify({ model_type: 'gpt2', n_embd: 8 });
const tokenizer = JSON.stringify({ version: '1.0', model: { type: 'BPE' } });
const weights = randomBytes(200_000); // several chunks on the wire
const shard1 = randomBytes(5000);
const shard2 = randomBytes(7000);
const index = JSON.stringify({
  metadata: { total_size: 12000 },
  weight_map: {
    'a.weight': 'model-00001-of-00002.safetensors',
    'b.weight': 'model-00002-of-00002.safetensors',
  },
});
const bin = randomBytes(3000);
const corrupt = Buffer.from(weights);
corrupt[1234] = 255 - corrupt[1234]!;

const REPOS: FakeRepo[] = [
  {
    id: 'org/tiny',
    commit: C1,
    files: {
      'config.json': { content: config },
      'tokenizer.json': { content: tokenizer },
      'vocab.json': { content: '{"a":0}' },
      'model.safetensors': { content: weights, lfs: true },
      'pytorch_model.bin': { content: bin, lfs: true }, // never fetched: safetensors wins
    },
  },
  {
    id: 'org/sharded',
    commit: C2,
    files: {
      'config.json': { content: config },
      'model.safetensors.index.json': { content: index },
      'model-00001-of-00002.safetensors': { content: shard1, lfs: true },
      'model-00002-of-00002.safetensors': { content: shard2, lfs: true },
    },
  },
  {
    id: 'org/torch',
    commit: C3,
    files: { 'config.json': { content: config }, 'pytorch_model.bin': { content: bin, lfs: true } },
  },
  { id: 'old-name/tiny', commit: C1, files: {}, renamedTo: 'org/tiny' },
  {
    id: 'org/private',
    commit: C4,
    token: 'hf_secret',
    files: { 'config.json': { content: '{}' }, 'model.safetensors': { content: shard1, lfs: true } },
  },
  { id: 'org/gated', commit: C4, gated: true, files: {} },
  { id: 'org/no-config', commit: C4, files: { 'model.safetensors': { content: shard1, lfs: true } } },
  { id: 'org/no-weights', commit: C4, files: { 'config.json': { content: config } } },
  {
    id: 'org/corrupt',
    commit: C4,
    files: {
      'config.json': { content: config },
      'model.safetensors': { content: weights, lfs: true, served: corrupt },
    },
  },
  {
    id: 'org/short',
    commit: C4,
    files: {
      'config.json': { content: config },
      'model.safetensors': { content: weights, lfs: true, served: weights.subarray(0, 1000) },
    },
  },
  {
    id: 'org/evil-index',
    commit: C4,
    files: {
      'config.json': { content: config },
      'model.safetensors.index.json': { content: '{"weight_map":{"a":"../../../escape"}}' },
    },
  },
];

let hub: FakeHub;
let root: string;
let cacheDir: string;

beforeAll(async () => {
  hub = await FakeHub.start(REPOS);
  root = await mkdtemp(join(tmpdir(), 'tensorlm-hub-'));
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});
let n = 0;
beforeEach(async () => {
  cacheDir = join(root, `cache-${n++}`);
  hub.requests.length = 0;
});
afterEach(() => {
  hub.cutNext('', 0); // harmless: clears nothing real, keeps state explicit per test
});

const online = (extra: Parameters<typeof resolveSnapshot>[1] = {}) => ({
  cacheDir,
  endpoint: hub.endpoint,
  offline: false,
  token: '',
  ...extra,
});

/** Every entry under `dir`: 'dir', 'link -> target' or 'file <sha256>'; never follows links. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const info = await lstat(join(dir, path));
      if (info.isSymbolicLink()) out[path] = `link -> ${await readlink(join(dir, path))}`;
      else if (info.isDirectory()) {
        out[path] = 'dir';
        await walk(path);
      } else out[path] = `file ${sha256(await readFile(join(dir, path)))}`;
    }
  };
  await walk('');
  return out;
}

/** The URL of a loopback port nothing listens on (a server opened and closed again). */
async function closedEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function rejection(promise: Promise<unknown>): Promise<HubError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HubError);
  return error as HubError;
}

describe('resolveSnapshot: downloads into the huggingface_hub cache layout', () => {
  it('writes blobs, relative snapshot symlinks, refs/main and .no_exist exactly as Python does', async () => {
    const progress: DownloadProgress[] = [];
    const dir = await resolveSnapshot('org/tiny', online({ onProgress: (p) => progress.push(p) }));
    const repo = join(cacheDir, 'models--org--tiny');
    expect(dir).toBe(join(repo, 'snapshots', C1));

    const configId = gitBlobId(bytesOf(config));
    const tokenizerId = gitBlobId(bytesOf(tokenizer));
    const vocabId = gitBlobId(bytesOf('{"a":0}'));
    const weightsSha = sha256(weights);
    const file = (bytes: Uint8Array | string) => `file ${sha256(bytesOf(bytes))}`;
    const empty = file('');
    expect(await tree(repo)).toEqual({
      '.no_exist': 'dir',
      [`.no_exist/${C1}`]: 'dir',
      [`.no_exist/${C1}/generation_config.json`]: empty,
      [`.no_exist/${C1}/merges.txt`]: empty,
      [`.no_exist/${C1}/special_tokens_map.json`]: empty,
      [`.no_exist/${C1}/tokenizer_config.json`]: empty,
      [`.no_exist/${C1}/vocab.txt`]: empty,
      blobs: 'dir',
      [`blobs/${configId}`]: file(config),
      [`blobs/${tokenizerId}`]: file(tokenizer),
      [`blobs/${vocabId}`]: file('{"a":0}'),
      [`blobs/${weightsSha}`]: file(weights),
      refs: 'dir',
      'refs/main': file(C1), // the bare hash, no newline
      snapshots: 'dir',
      [`snapshots/${C1}`]: 'dir',
      [`snapshots/${C1}/config.json`]: `link -> ../../blobs/${configId}`,
      [`snapshots/${C1}/model.safetensors`]: `link -> ../../blobs/${weightsSha}`,
      [`snapshots/${C1}/tokenizer.json`]: `link -> ../../blobs/${tokenizerId}`,
      [`snapshots/${C1}/vocab.json`]: `link -> ../../blobs/${vocabId}`,
    });
    expect(await readFile(join(dir, 'model.safetensors'))).toEqual(weights);
    expect(await readFile(join(cacheDir, 'CACHEDIR.TAG'), 'utf8')).toMatch(
      /^Signature: 8a477f597d28d172789f06886806bc55\n/,
    );

    // The LFS bytes came from the CDN origin, in one GET without Range; pytorch_model.bin was never asked for.
    expect(hub.requestsTo('cdn', 'GET').map((r) => r.range)).toEqual([undefined]);
    expect(hub.requests.some((r) => r.path.includes('pytorch_model.bin'))).toBe(false);
    const last = progress.filter((p) => p.file === 'model.safetensors');
    expect(last.at(-1)).toEqual({
      file: 'model.safetensors',
      bytesDone: weights.length,
      bytesTotal: weights.length,
    });
    const done = last.map((p) => p.bytesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    // A second call and an offline call are answered by the cache alone.
    const before = hub.requests.length;
    expect(await resolveSnapshot('org/tiny', online())).toBe(dir);
    expect(
      await resolveSnapshot('org/tiny', online({ offline: true, endpoint: await closedEndpoint() })),
    ).toBe(dir);
    expect(await resolveSnapshot('org/tiny', online({ revision: C1, offline: true }))).toBe(dir);
    expect(hub.requests.length).toBe(before);
  });

  it('fetches a sharded checkpoint: the index, then every shard it names', async () => {
    const dir = await resolveSnapshot('org/sharded', online());
    expect(await readFile(join(dir, 'model-00001-of-00002.safetensors'))).toEqual(shard1);
    expect(await readFile(join(dir, 'model-00002-of-00002.safetensors'))).toEqual(shard2);
    expect(await readlink(join(dir, 'model.safetensors.index.json'))).toBe(
      `../../blobs/${gitBlobId(bytesOf(index))}`,
    );
    expect(
      await stat(join(cacheDir, 'models--org--sharded', '.no_exist', C2, 'model.safetensors')),
    ).toBeTruthy();
  });

  it('falls back to pytorch_model.bin and records the safetensors files as absent', async () => {
    const dir = await resolveSnapshot('org/torch', online());
    expect(await readFile(join(dir, 'pytorch_model.bin'))).toEqual(bin);
    const noExist = await readdir(join(cacheDir, 'models--org--torch', '.no_exist', C3));
    expect(noExist).toContain('model.safetensors');
    expect(noExist).toContain('model.safetensors.index.json');
  });

  it('follows the relative redirect of a renamed repo and caches it under the name asked for', async () => {
    const dir = await resolveSnapshot('old-name/tiny', online({ files: ['config.json'] }));
    expect(dir).toBe(join(cacheDir, 'models--old-name--tiny', 'snapshots', C1));
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(config);
  });

  it('fetches a commit hash revision without writing a ref', async () => {
    const dir = await resolveSnapshot('org/tiny', online({ revision: C1, files: ['config.json'] }));
    expect(dir).toBe(join(cacheDir, 'models--org--tiny', 'snapshots', C1));
    expect(hub.requestsTo('hub', 'HEAD')[0]!.path).toBe(`/org/tiny/resolve/${C1}/config.json`);
    await expect(stat(join(cacheDir, 'models--org--tiny', 'refs'))).rejects.toThrow(/ENOENT/);
  });

  it('copies instead of linking when symlinks are off', async () => {
    const dir = await resolveSnapshot('org/tiny', online({ files: ['config.json'], symlinks: false }));
    const info = await lstat(join(dir, 'config.json'));
    expect(info.isFile() && !info.isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(config);
  });
});

describe('resolveSnapshot: tokens', () => {
  it('401 without a token names HF_TOKEN and --token; with it, the token goes to the Hub only', async () => {
    const error = await rejection(resolveSnapshot('org/private', online()));
    expect(error.code).toBe('HUB_UNAUTHORIZED');
    expect(error.message).toMatch(/org\/private.*HTTP 401.*set HF_TOKEN or pass --token/);

    const dir = await resolveSnapshot('org/private', online({ token: 'hf_secret' }));
    expect(await readFile(join(dir, 'model.safetensors'))).toEqual(shard1);
    expect(
      hub.requestsTo('hub').filter((r) => r.authorization === 'Bearer hf_secret').length,
    ).toBeGreaterThan(0);
    expect(hub.requestsTo('cdn').map((r) => r.authorization)).toEqual([undefined]);

    const wrong = await rejection(
      resolveSnapshot('org/private', online({ token: 'hf_wrong', cacheDir: join(cacheDir, 'x') })),
    );
    expect(wrong.message).toMatch(/token sent \(HF_TOKEN or --token\) was refused/);
  });

  it('403 for a gated repo says to accept its conditions and give a token', async () => {
    const error = await rejection(resolveSnapshot('org/gated', online()));
    expect(error.code).toBe('HUB_UNAUTHORIZED');
    expect(error.message).toMatch(/'org\/gated' is a gated repo \(HTTP 403\).*HF_TOKEN/);
  });
});

describe('resolveSnapshot: 404s', () => {
  it('a missing required file names the file, the repo and the revision', async () => {
    const error = await rejection(resolveSnapshot('org/no-config', online()));
    expect(error.code).toBe('HUB_FILE_NOT_FOUND');
    expect(error.message).toBe(
      `'config.json' was not found in repo 'org/no-config' at revision 'main' (commit ${C4})`,
    );
  });

  it('a missing revision and a repo without weights say so', async () => {
    const revision = await rejection(resolveSnapshot('org/tiny', online({ revision: 'v9' })));
    expect(revision.code).toBe('HUB_REVISION_NOT_FOUND');
    expect(revision.message).toMatch(/revision 'v9' was not found in repo 'org\/tiny'/);
    const none = await rejection(resolveSnapshot('org/no-weights', online()));
    expect(none.code).toBe('HUB_NO_WEIGHTS');
    expect(none.message).toMatch(/model\.safetensors, model\.safetensors\.index\.json, pytorch_model\.bin/);
  });

  it('a shard index naming a path outside the repo is refused before any request for it', async () => {
    const error = await rejection(resolveSnapshot('org/evil-index', online()));
    expect(error.code).toBe('HUB_INVALID_NAME');
    expect(error.message).toMatch(
      /shard named in model\.safetensors\.index\.json '\.\.\/\.\.\/\.\.\/escape'/,
    );
    expect(hub.requests.some((r) => r.path.includes('escape'))).toBe(false);
  });
});

const blobDir = () => join(cacheDir, 'models--org--tiny', 'blobs');

describe('resolveSnapshot: broken downloads', () => {
  it('a connection cut mid-file keeps the partial file; the next call resumes it with Range', async () => {
    hub.cutNext(sha256(weights), 70_000);
    const error = await rejection(resolveSnapshot('org/tiny', online({ retries: 0 })));
    expect(error.code).toBe('HUB_NETWORK');
    expect(error.message).toMatch(
      new RegExp(`cannot download ${hub.cdn}/lfs/org%2Ftiny/${sha256(weights)}.*run again to resume`),
    );
    const partial = join(blobDir(), `${sha256(weights)}.incomplete`);
    // At most the 70,000 bytes sent: a stream that errors drops the chunks it had not handed
    // out yet, so a loaded machine may keep fewer. What is kept is what is resumed from.
    const kept = (await stat(partial)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(70_000);
    expect(await readdir(blobDir())).not.toContain(`${sha256(weights)}.lock`);

    const dir = await resolveSnapshot('org/tiny', online({ retries: 0 }));
    expect(hub.requestsTo('cdn', 'GET').map((r) => r.range)).toEqual([undefined, `bytes=${kept}-`]);
    expect(await readFile(join(dir, 'model.safetensors'))).toEqual(weights);
    await expect(stat(partial)).rejects.toThrow(/ENOENT/);
  });

  it('within one call, a cut connection is resumed with Range (retries)', async () => {
    hub.cutNext(sha256(weights), 50_000);
    const dir = await resolveSnapshot('org/tiny', online());
    const ranges = hub.requestsTo('cdn', 'GET').map((r) => r.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeUndefined();
    // Resumed from what arrived: at most the 50,000 bytes sent (see the test above).
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(50_000);
    expect(await readFile(join(dir, 'model.safetensors'))).toEqual(weights);
  });

  it('a body whose sha256 is wrong is an error, and the partial file is removed', async () => {
    const error = await rejection(resolveSnapshot('org/corrupt', online()));
    expect(error.code).toBe('HUB_CHECKSUM_MISMATCH');
    expect(error.message).toMatch(
      new RegExp(`has sha256 ${sha256(corrupt)}, not the ${sha256(weights)} the Hub announced`),
    );
    expect(error.message).toMatch(/partial download was removed/);
    const repo = join(cacheDir, 'models--org--corrupt');
    expect((await readdir(join(repo, 'blobs'))).sort()).toEqual([gitBlobId(bytesOf(config))]);
    expect(await readdir(join(repo, 'snapshots', C4))).toEqual(['config.json']);
  });

  it('a body shorter than announced is a size error, and the partial file is removed', async () => {
    const error = await rejection(resolveSnapshot('org/short', online()));
    expect(error.code).toBe('HUB_SIZE_MISMATCH');
    expect(error.message).toMatch(/ended after 1000 of the 200000 bytes the Hub announced/);
    expect(await readdir(join(cacheDir, 'models--org--short', 'blobs'))).toEqual([
      gitBlobId(bytesOf(config)),
    ]);
  });

  it('an unreachable endpoint is a network error naming the URL', async () => {
    const closed = await closedEndpoint();
    const error = await rejection(resolveSnapshot('org/tiny', online({ endpoint: closed })));
    expect(error.code).toBe('HUB_NETWORK');
    expect(error.message).toBe(
      `cannot download ${closed}/org/tiny/resolve/main/config.json: connect ECONNREFUSED ${closed.slice(7)} (ECONNREFUSED)`,
    );
  });

  it('an abort stops the download with the signal’s reason, keeps the partial file and releases the lock', async () => {
    const controller = new AbortController();
    const onProgress = (p: DownloadProgress) => {
      if (p.file === 'model.safetensors' && p.bytesDone > 0) controller.abort(new Error('stop'));
    };
    await expect(
      resolveSnapshot('org/tiny', online({ signal: controller.signal, onProgress })),
    ).rejects.toThrow('stop');
    const left = await readdir(blobDir());
    expect(left).toContain(`${sha256(weights)}.incomplete`);
    expect(left.filter((f) => f.endsWith('.lock'))).toEqual([]);
  });
});

describe('resolveSnapshot: locks', () => {
  it('two concurrent calls download each blob once', async () => {
    const [a, b] = await Promise.all([
      resolveSnapshot('org/tiny', online()),
      resolveSnapshot('org/tiny', online()),
    ]);
    expect(a).toBe(b);
    expect(hub.requestsTo('cdn', 'GET').length).toBe(1);
    expect(hub.requestsTo('hub', 'GET').filter((r) => r.path.endsWith('/config.json')).length).toBe(1);
  });

  it('a lock left by a dead process is taken over', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const blobs = blobDir();
    await mkdir(blobs, { recursive: true });
    const { hostname } = await import('node:os');
    const lock = join(blobs, `${sha256(weights)}.lock`);
    await writeFile(
      lock,
      JSON.stringify({ pid: Number(dead.stdout), host: hostname(), token: 't', since: '' }),
    );
    const dir = await resolveSnapshot('org/tiny', online());
    expect(await readFile(join(dir, 'model.safetensors'))).toEqual(weights);
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });
});

describe('resolveSnapshot: offline and caches written by huggingface_hub', () => {
  /** The layout huggingface_hub leaves, made by hand (not by the code under test). */
  async function pythonCache(copies: boolean): Promise<string> {
    const repo = join(cacheDir, 'models--openai-community--gpt2');
    const snapshot = join(repo, 'snapshots', C1);
    await mkdir(join(repo, 'refs'), { recursive: true });
    await mkdir(join(repo, 'blobs'), { recursive: true });
    await mkdir(snapshot, { recursive: true });
    await writeFile(join(repo, 'refs', 'main'), C1);
    for (const [name, bytes] of [
      ['config.json', bytesOf(config)],
      ['generation_config.json', bytesOf('{}')],
      ['tokenizer.json', bytesOf(tokenizer)],
      ['model.safetensors', weights],
    ] as const) {
      const blob = name === 'model.safetensors' ? sha256(bytes) : gitBlobId(bytes);
      await writeFile(join(repo, 'blobs', blob), bytes);
      if (copies) await writeFile(join(snapshot, name), bytes);
      else await symlink(`../../blobs/${blob}`, join(snapshot, name));
    }
    return snapshot;
  }
  const noNetwork = () => Promise.reject(new Error('no request may be made'));

  it.each([false, true])(
    'finds a snapshot Python wrote (copies: %s), offline and online, with no request',
    async (copies) => {
      const snapshot = await pythonCache(copies);
      for (const offline of [true, false]) {
        // Online, the tokenizer files Python never looked up are unknown: give the plan exactly.
        const files = offline ? undefined : ['config.json', 'tokenizer.json', 'model.safetensors'];
        const dir = await resolveSnapshot('openai-community/gpt2', {
          cacheDir,
          offline,
          fetch: noNetwork,
          files,
        });
        expect(dir).toBe(snapshot);
      }
    },
  );

  it('offline with a file missing names it and every path it looked at, and makes no request', async () => {
    await pythonCache(false);
    await rm(join(cacheDir, 'models--openai-community--gpt2', 'snapshots', C1, 'model.safetensors'));
    const error = await rejection(
      resolveSnapshot('openai-community/gpt2', { cacheDir, offline: true, fetch: noNetwork }),
    );
    expect(error.code).toBe('HUB_OFFLINE_MISSING');
    const snapshot = join(cacheDir, 'models--openai-community--gpt2', 'snapshots', C1);
    expect(error.message).toContain(
      "repo 'openai-community/gpt2' at revision 'main' completely: no weight file",
    );
    expect(error.message).toContain(`${join(snapshot, 'model.safetensors')} (not there)`);
    expect(error.message).toContain(`${join(snapshot, 'pytorch_model.bin')} (not there)`);

    const never = await rejection(
      resolveSnapshot('org/never', { cacheDir, offline: true, fetch: noNetwork }),
    );
    expect(never.message).toContain('missing config.json');
    expect(never.message).toContain(`${join(cacheDir, 'models--org--never', 'refs', 'main')} (no such ref`);
  });
});

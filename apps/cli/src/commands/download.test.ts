// `tensorlm download` against a loopback server that behaves like the Hub
// (packages/hub-loader/test/fake-hub.ts): the snapshot folder printed last, progress as
// lines in a pipe and as a bar on a terminal, nothing fetched twice, and exit codes 2 for
// a wrong command line, 1 for a refused or impossible download.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeHub } from '../../../../packages/hub-loader/test/fake-hub.js';
import { main } from '../cli.js';

const COMMIT = '89abcdef0123456789abcdef0123456789abcdef';
const weights = randomBytes(50_000);
let hub: FakeHub;
let root: string;
let cache: string;
let n = 0;

beforeAll(async () => {
  hub = await FakeHub.start([
    {
      id: 'org/tiny',
      commit: COMMIT,
      files: {
        'config.json': { content: '{"model_type":"gpt2"}' },
        'model.safetensors': { content: weights, lfs: true },
      },
    },
    {
      id: 'org/private',
      commit: COMMIT,
      token: 'hf_abc',
      files: { 'config.json': { content: '{}' }, 'model.safetensors': { content: weights, lfs: true } },
    },
  ]);
  root = await mkdtemp(join(tmpdir(), 'tensorlm-download-'));
  // The machine's own Hugging Face settings must not leak into the test.
  vi.stubEnv('HF_ENDPOINT', hub.endpoint);
  vi.stubEnv('HF_HOME', join(root, 'hf-home'));
  vi.stubEnv('HF_HUB_CACHE', '');
  vi.stubEnv('HF_TOKEN', '');
  vi.stubEnv('HF_HUB_OFFLINE', '');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await hub.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  cache = join(root, `cache-${n++}`);
});

function capture(isTTY = false) {
  const lines: string[] = [];
  const errors: string[] = [];
  let written = '';
  return {
    lines,
    errors,
    written: () => written,
    io: {
      out: (line: string) => lines.push(line),
      err: (line: string) => errors.push(line),
      write: (text: string) => {
        written += text;
      },
      isTTY,
    },
  };
}

describe('tensorlm download', () => {
  it('downloads into the cache, one line per file in a pipe, and prints the snapshot folder last', async () => {
    const { io, lines } = capture();
    expect(await main(['download', 'org/tiny', '--cache-dir', cache], io)).toBe(0);
    const snapshot = join(cache, 'models--org--tiny', 'snapshots', COMMIT);
    expect(lines).toEqual(['config.json: 21 B', 'model.safetensors: 50.0 kB', snapshot]);
    expect(await readFile(join(snapshot, 'model.safetensors'))).toEqual(weights);

    const before = hub.requests.length;
    const again = capture();
    expect(await main(['download', 'org/tiny', '--cache-dir', cache, '--offline'], again.io)).toBe(0);
    expect(await main(['download', 'org/tiny', '--cache-dir', cache], again.io)).toBe(0);
    expect(again.lines).toEqual([snapshot, snapshot]);
    expect(hub.requests.length).toBe(before);
  });

  it('draws a progress bar on a terminal, ending each file at 100%', async () => {
    const { io, written, lines } = capture(true);
    expect(await main(['download', 'org/tiny', '--cache-dir', cache, '--revision', COMMIT], io)).toBe(0);
    expect(written()).toMatch(/\rmodel\.safetensors 100% \[#+\] 50\.0 kB \/ 50\.0 kB\n/);
    expect(lines).toEqual([join(cache, 'models--org--tiny', 'snapshots', COMMIT)]);
  });

  it('passes --token for a private repo, and says to give one when it is missing (exit 1)', async () => {
    const refused = capture();
    expect(await main(['download', 'org/private', '--cache-dir', cache], refused.io)).toBe(1);
    expect(refused.errors[0]).toMatch(
      /^tensorlm download: access to repo 'org\/private' was refused \(HTTP 401.*set HF_TOKEN or pass --token$/,
    );
    const { io, lines } = capture();
    expect(await main(['download', 'org/private', '--cache-dir', cache, '--token', 'hf_abc'], io)).toBe(0);
    expect(lines.at(-1)).toBe(join(cache, 'models--org--private', 'snapshots', COMMIT));
  });

  it('offline with nothing cached fails naming the places it looked (exit 1)', async () => {
    const { io, errors } = capture();
    expect(await main(['download', 'org/tiny', '--cache-dir', cache, '--offline'], io)).toBe(1);
    expect(errors[0]).toMatch(/^tensorlm download: offline .* missing config\.json\. Looked at:/);
    expect(errors[0]).toContain(join(cache, 'models--org--tiny', 'refs', 'main'));
  });

  it('refuses a wrong command line with exit code 2', async () => {
    const { io, errors } = capture();
    expect(await main(['download'], io)).toBe(2);
    expect(await main(['download', '../etc'], io)).toBe(2);
    expect(await main(['download', 'org/tiny', 'org/other'], io)).toBe(2);
    expect(await main(['download', 'org/tiny', '--revision', '../x'], io)).toBe(2);
    expect(errors).toEqual([
      'tensorlm download: say which repo: tensorlm download REPO (for example gpt2 or openai-community/gpt2)',
      "tensorlm download: invalid repo id '../etc': a path (with ., .., \\ or a leading /) is not a repo id of the Hub",
      "tensorlm download: one repo at a time: unexpected 'org/other'",
      "tensorlm download: invalid revision '../x': it has an empty, '.' or '..' segment",
    ]);
  });
});

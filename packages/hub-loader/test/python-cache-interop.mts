// A cross-check against Python's own huggingface_hub, outside CI (which has no Python
// packages): both download from the loopback Hub (fake-hub.ts) into their own caches and
// each must find the other's files — Python offline in tensorlm's cache (hf_hub_download,
// try_to_load_from_cache seeing the recorded 404, scan_cache_dir without warnings, and
// online with a HEAD but no GET), tensorlm offline in Python's. Run:
//   HF_PYTHON=/path/to/python-with-huggingface_hub npx tsx --conditions=source test/python-cache-interop.mts
// Last run: huggingface_hub 1.33.0 — all checks passed.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveSnapshot } from '../src/hub/index.js';
import { FakeHub } from './fake-hub.js';

const python = process.env.HF_PYTHON ?? 'python3';
const COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const weights = randomBytes(300_000);
// Another loopback host for the CDN: huggingface_hub follows HEAD redirects that stay on one host.
const hub = await FakeHub.start(
  [
    {
      id: 'org/tiny',
      commit: COMMIT,
      files: {
        'config.json': { content: '{"model_type":"gpt2"}' },
        'tokenizer.json': { content: '{"version":"1.0"}' },
        'model.safetensors': { content: weights, lfs: true },
      },
    },
  ],
  { cdnHost: '127.0.0.2' },
);
const root = await mkdtemp(join(tmpdir(), 'hub-interop-'));
const runPython = async (code: string, env: Record<string, string>) =>
  (await promisify(execFile)(python, ['-c', code], { env: { ...process.env, ...env }, encoding: 'utf8' }))
    .stdout;
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`interop check failed: ${what}`);
  console.log(`ok: ${what}`);
}

try {
  const pyCache = join(root, 'python');
  await runPython(
    `from huggingface_hub import hf_hub_download
for f in ['config.json', 'tokenizer.json', 'model.safetensors']:
    hf_hub_download('org/tiny', f, cache_dir='${pyCache}')`,
    { HF_ENDPOINT: hub.endpoint, HF_HUB_DISABLE_XET: '1' },
  );
  const fromPython = await resolveSnapshot('org/tiny', { cacheDir: pyCache, offline: true });
  check(
    Buffer.compare(await readFile(join(fromPython, 'model.safetensors')), weights) === 0,
    "tensorlm reads Python's cache offline",
  );

  const ourCache = join(root, 'tensorlm');
  await resolveSnapshot('org/tiny', {
    cacheDir: ourCache,
    endpoint: hub.endpoint,
    offline: false,
    token: '',
  });
  const report = await runPython(
    `from huggingface_hub import hf_hub_download, try_to_load_from_cache, scan_cache_dir
from huggingface_hub.file_download import _CACHED_NO_EXIST
paths = [hf_hub_download('org/tiny', f, cache_dir='${ourCache}', local_files_only=True) for f in ['config.json', 'tokenizer.json', 'model.safetensors']]
print(open(paths[2], 'rb').read() == open('${join(fromPython, 'model.safetensors')}', 'rb').read())
print(try_to_load_from_cache('org/tiny', 'generation_config.json', cache_dir='${ourCache}') is _CACHED_NO_EXIST)
info = scan_cache_dir('${ourCache}')
print(len(info.warnings) == 0 and [sorted(r.refs) for r in list(info.repos)[0].revisions] == [['main']])`,
    { HF_HUB_OFFLINE: '1' },
  );
  check(
    report.trim() === 'True\nTrue\nTrue',
    "Python reads tensorlm's cache offline, sees its .no_exist and scans it cleanly",
  );

  hub.requests.length = 0;
  await runPython(
    `from huggingface_hub import hf_hub_download\nhf_hub_download('org/tiny', 'model.safetensors', cache_dir='${ourCache}')`,
    {
      HF_ENDPOINT: hub.endpoint,
      HF_HUB_DISABLE_XET: '1',
    },
  );
  check(
    hub.requests.every((r) => r.method !== 'GET' || !r.path.includes('/resolve/')) &&
      hub.requestsTo('cdn', 'GET').length === 0,
    "Python online reuses tensorlm's blob without downloading it",
  );
} finally {
  await hub.close();
  await rm(root, { recursive: true, force: true });
}

// `tensorlm generate --model <repo id>` end to end against a loopback server that behaves
// like the Hub (packages/hub-loader/test/fake-hub.ts; HF_ENDPOINT points at it, a temp
// HF_HUB_CACHE): the first run downloads the repo into the Python cache layout and
// generates the reference continuation; a second run with HF_HUB_OFFLINE=1 finds the
// snapshot and makes no request. The repo is hub-loader's `gpt2-official-safetensors`
// fixture (PyTorch-written, with expected.json's greedy continuation from an independent
// float64 forward) plus a WordPiece tokenizer.json whose id i is the word `t<i>`.
import { readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorlm/backend-cpu';
import { mkdtemp } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeHub, sha256 } from '../../../../packages/hub-loader/test/fake-hub.js';
import { main } from '../cli.js';

const FIXTURE = fileURLToPath(
  new URL('../../../../packages/hub-loader/fixtures/gpt2-official-safetensors/', import.meta.url),
);
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const REPO = 'tiny-org/tiny-gpt2';
const word = (id: number) => `t${id}`;
const WORDS = ['[UNK]', ...Array.from({ length: 79 }, (_, i) => word(i + 1))];

let hub: FakeHub;
let root: string;
let cache: string;
let weights: Uint8Array;
let prompt: string;
let continuation: string;

beforeAll(async () => {
  weights = new Uint8Array(await readFile(join(FIXTURE, 'model.safetensors')));
  const expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as {
    input_ids: number[][];
    greedy: { new_tokens: number[] };
  };
  prompt = expected.input_ids[0]!.map(word).join(' ');
  continuation = expected.greedy.new_tokens.map(word).join(' ');
  const tokenizer = {
    version: '1.0',
    added_tokens: [{ id: 0, content: '[UNK]', special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(WORDS.map((w, id) => [w, id])),
    },
  };
  hub = await FakeHub.start([
    {
      id: REPO,
      commit: COMMIT,
      files: {
        'config.json': { content: await readFile(join(FIXTURE, 'config.json'), 'utf8') },
        'tokenizer.json': { content: JSON.stringify(tokenizer) },
        'model.safetensors': { content: weights, lfs: true },
      },
    },
  ]);
  root = await mkdtemp(join(tmpdir(), 'tensorlm-generate-hub-'));
  cache = join(root, 'hub-cache');
  // The machine's own Hugging Face settings must not leak into the test.
  vi.stubEnv('HF_ENDPOINT', hub.endpoint);
  vi.stubEnv('HF_HUB_CACHE', cache);
  vi.stubEnv('HF_HOME', join(root, 'hf-home'));
  vi.stubEnv('HF_TOKEN', '');
  vi.stubEnv('HF_HUB_OFFLINE', '');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

async function generateFromRepo(): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await main(
    [
      'generate',
      '--model',
      REPO,
      '--prompt',
      prompt,
      '--greedy',
      '--max-new-tokens',
      '20',
      '--backend',
      'cpu',
    ],
    { out: (l) => lines.push(l), err: (l) => errors.push(l), isTTY: false },
  );
  return { code, lines, errors };
}

describe('tensorlm generate --model <Hub repo id>', () => {
  it('downloads the repo into the HF cache, then finds it offline with no request', async () => {
    const first = await generateFromRepo();
    expect(first.errors).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.lines.filter((l) => l.startsWith('[1] '))).toEqual([`[1] ${prompt} ${continuation}`]);
    const snapshot = join(cache, 'models--tiny-org--tiny-gpt2', 'snapshots', COMMIT);
    expect(first.lines).toContain('downloaded model.safetensors (0.1 MB)');
    expect(first.lines).toContain(
      `model: GPT2LMHeadModel, 17,184 parameters, from ${snapshot} (Hugging Face cache)`,
    );
    // Python's layout: refs/main holds the commit; the snapshot's files are relative
    // symlinks to blobs named by their etag (the sha256 for an LFS file).
    expect(await readFile(join(cache, 'models--tiny-org--tiny-gpt2', 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect(await readlink(join(snapshot, 'model.safetensors'))).toBe(`../../blobs/${sha256(weights)}`);
    expect(new Uint8Array(await readFile(join(snapshot, 'model.safetensors')))).toEqual(weights);
    expect(hub.requestsTo('cdn', 'GET')).toHaveLength(1);

    const before = hub.requests.length;
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    try {
      const second = await generateFromRepo();
      expect(second.errors).toEqual([]);
      expect(second.code).toBe(0);
      expect(second.lines.filter((l) => l.startsWith('[1] '))).toEqual([`[1] ${prompt} ${continuation}`]);
      expect(second.lines.some((l) => l.startsWith('downloaded '))).toBe(false);
    } finally {
      vi.stubEnv('HF_HUB_OFFLINE', '');
    }
    expect(hub.requests.length).toBe(before);
  });

  it('offline with an empty cache fails (exit 1) saying what is missing and where it looked', async () => {
    vi.stubEnv('HF_HUB_CACHE', join(root, 'empty-cache'));
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    try {
      const before = hub.requests.length;
      const { code, errors } = await generateFromRepo();
      expect(code).toBe(1);
      expect(errors[0]).toMatch(/^tensorlm generate: .*offline.*config\.json/);
      expect(errors[0]).toContain(join(root, 'empty-cache', 'models--tiny-org--tiny-gpt2'));
      expect(hub.requests.length).toBe(before);
    } finally {
      vi.stubEnv('HF_HUB_CACHE', cache);
      vi.stubEnv('HF_HUB_OFFLINE', '');
    }
  });
});

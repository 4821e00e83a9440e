// The browser entries in a real browser: headless Chromium (Debian's package, driven by
// playwright-core) loads a page bundled from src/page/smoke.ts with the `browser` condition,
// served with hub-loader's fixture folders by a loopback server. The page loads GPT-2
// fixtures written by PyTorch (fixtures/make_fixtures.py) through hub-loader's browser
// `fromPretrained` — as dropped files, as name → Blob with a tokenizer, and as a Hub repo
// over fetch + Cache Storage — runs them on the cpu backend and on WebGPU (navigator.gpu;
// SwiftShader on a machine without a GPU) and returns the logits, checked here against the
// fixture's expected.json within 1e-4, and a 20-token greedy continuation by
// @tensorlm/decoding must equal the fixture's. No Chromium: fails under CI, skipped with a printed
// reason elsewhere (tooling/vitest/requirements.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CharTokenizer } from '@tensorlm/tokenizers';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../../vitest/requirements.js';
import { bundleForBrowser } from './bundle.js';
import { type Browser, CHROMIUM_PATH, chromiumAvailable, launchChromium } from './chromium.js';
import type { SmokeRequest, SmokeResult } from './page/protocol.js';
import { FIXTURES_DIR, startTestServer, type TestServer } from './server.js';

const available = requires(
  'Chromium for the browser tests',
  chromiumAvailable(),
  `no ${CHROMIUM_PATH}: run 'node tooling/setup.mjs' as root on Debian/Ubuntu (it installs the chromium package), or set TENSORLM_CHROMIUM to a Chromium binary`,
);

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

interface Expected {
  input_ids: number[][];
  logits: unknown;
  logits_shape: number[];
  greedy: { max_new_tokens: number; new_tokens: number[] };
}

async function expected(fixture: string): Promise<Expected> {
  return JSON.parse(await readFile(join(FIXTURES_DIR, fixture, 'expected.json'), 'utf8'));
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe.runIf(available)('the browser entries in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const { code, forbidden } = await bundleForBrowser(`import './src/page/smoke.ts';`);
    expect(forbidden).toEqual([]);
    server = await startTestServer(code, { 'tiny/gpt2': 'gpt2-official-safetensors' });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${server.origin}/`);
    await page
      .waitForFunction(() => 'runSmoke' in globalThis, undefined, { timeout: 15_000 })
      .catch(() => {
        throw new Error(`the page did not start: ${pageErrors.join('; ') || 'no error reported'}`);
      });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, 30_000);

  const run = (request: SmokeRequest): Promise<SmokeResult> =>
    page.evaluate(
      (r) => (globalThis as unknown as { runSmoke(r: SmokeRequest): Promise<SmokeResult> }).runSmoke(r),
      request,
    );

  async function checkLogits(fixture: string, request: Omit<SmokeRequest, 'inputIds'>): Promise<SmokeResult> {
    const want = await expected(fixture);
    const result = await run({
      ...request,
      inputIds: want.input_ids,
      greedyTokens: want.greedy.max_new_tokens,
    });
    expect(result.backend).toBe(request.backend);
    expect(result.shape).toEqual(want.logits_shape);
    expect(maxAbsDiff(result.logits, flat(want.logits))).toBeLessThan(1e-4);
    expect(result.greedy).toEqual(want.greedy.new_tokens);
    return result;
  }

  it.each([
    ['gpt2-official-safetensors', 'cpu', ['config.json', 'model.safetensors']],
    ['gpt2-official-safetensors', 'webgpu', ['config.json', 'model.safetensors']],
    [
      'gpt2-sharded-safetensors',
      'cpu',
      [
        'config.json',
        'model.safetensors.index.json',
        'model-00001-of-00002.safetensors',
        'model-00002-of-00002.safetensors',
      ],
    ],
    ['gpt2-official-bin', 'webgpu', ['config.json', 'pytorch_model.bin']],
  ] as const)('%s as dropped files on %s: logits within 1e-4 of PyTorch', async (fixture, backend, names) => {
    const result = await checkLogits(fixture, {
      backend,
      files: { fixture, names: [...names], as: 'files' },
    });
    expect(result.source).toBe('files');
    expect(result.weights).toContain(names.length > 2 ? 'model.safetensors.index.json' : names[1]);
    if (backend === 'webgpu') expect(result.adapter).not.toBe(null);
  });

  it('a map of name → Blob with a tokenizer.json: the tokenizer loads and encodes as in Node', async () => {
    const tokenizer = CharTokenizer.fromCorpus('hello world');
    const result = await checkLogits('gpt2-official-safetensors', {
      backend: 'cpu',
      files: {
        fixture: 'gpt2-official-safetensors',
        names: ['config.json', 'model.safetensors'],
        as: 'map',
        extra: { 'tokenizer.json': JSON.stringify(tokenizer.toJSON()) },
      },
    });
    expect(result.encoded).toEqual(tokenizer.encode('hello world'));
  });

  it('a Hub repo over fetch into Cache Storage: the second load makes no request', async () => {
    const hub = { repo: 'tiny/gpt2', endpoint: `${server.origin}/hub`, cacheName: 'smoke-hub' };
    const first = await checkLogits('gpt2-official-safetensors', { backend: 'webgpu', hub });
    expect(first.source).toBe('hub');
    const requests = server.hubRequests.length;
    expect(server.hubRequests).toContain('/hub/tiny/gpt2/resolve/main/config.json');
    expect(requests).toBeGreaterThan(1);
    await checkLogits('gpt2-official-safetensors', { backend: 'cpu', hub });
    expect(server.hubRequests.length).toBe(requests);
    expect(pageErrors).toEqual([]);
  });
});

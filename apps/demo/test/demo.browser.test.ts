// The demo in headless Chromium (Debian's package through playwright-core; never a
// downloaded browser): the app is built once with Vite into a temporary folder and served
// from a loopback static server. On WebGPU (SwiftShader where the machine has no GPU):
// 30 training steps lower the held-out loss and show tokens/s, the embeddings and clusters
// appear, generation streams tokens, a word outside the vocabulary gives a message, and the
// tokenizer view's ids equal @tensorlm/tokenizers' ids computed here in Node. Without
// WebGPU the page falls back to the CPU backend, says so, and still trains. No view may log
// a console error. The Train view's screenshot goes to docs/train.png (the README shows it)
// when TENSORLM_UPDATE_SCREENSHOTS is set.
// No Chromium: fails under CI, skipped with a printed reason elsewhere.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bertBaseUncased, CharTokenizer, gpt2, type Tokenizer, WordTokenizer } from '@tensorlm/tokenizers';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  CHROMIUM_PATH,
  chromiumAvailable,
  launchChromium,
} from '../../../tooling/browser/src/chromium.js';
import { type StaticServer, startStaticServer } from '../../../tooling/browser/src/static-server.js';
import { requires } from '../../../tooling/vitest/requirements.js';

const APP_DIR = join(import.meta.dirname, '..');
const SCREENSHOT = join(APP_DIR, 'docs', 'train.png');

const available = requires(
  'Chromium for the browser tests',
  chromiumAvailable(),
  `no ${CHROMIUM_PATH}: run 'node tooling/setup.mjs' as root on Debian/Ubuntu (it installs the chromium package), or set TENSORLM_CHROMIUM to a Chromium binary`,
);

/**
 * A short run that fits the CI budget on SwiftShader (software WebGPU): 30 steps of 16
 * sentences on a one-layer model of width 32, samples and embeddings every 15 steps.
 */
const TRAIN_QUERY = '?layers=1&width=32&heads=4&lr=0.01&batch=16&steps=30&every=15';

/** A page that records every console error and uncaught exception. */
async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return page;
}

const number = async (page: Page, testId: string) =>
  Number((await page.getByTestId(testId).textContent())?.replaceAll(',', ''));

async function waitReady(page: Page): Promise<string> {
  await page.waitForSelector('#backend[data-backend]', { timeout: 60_000 });
  await page.waitForSelector('[data-view="train"][data-step="0"]', { state: 'attached', timeout: 60_000 });
  return (await page.locator('#backend').textContent()) ?? '';
}

describe.runIf(available)('the demo in headless Chromium', () => {
  let outDir: string;
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'tensorlm-demo-'));
    await build({
      root: APP_DIR,
      configFile: join(APP_DIR, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    server = await startStaticServer(outDir);
    browser = await launchChromium();
    page = await openPage(browser, errors);
    await page.setViewportSize({ width: 1000, height: 900 });
    await page.goto(`${server.origin}/${TRAIN_QUERY}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  }, 30_000);

  it('trains 30 steps on WebGPU: the held-out loss falls, tokens/s and samples show', async () => {
    expect(await waitReady(page)).toMatch(/^backend: WebGPU/);
    const before = await number(page, 'stat-val');
    expect(before).toBeGreaterThan(3); // about ln 39 ≈ 3.66 untrained
    await page.getByTestId('run').click();
    await page.waitForSelector('[data-view="train"][data-step="30"][data-running="false"]', {
      state: 'attached',
      timeout: 90_000,
    });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="stat-val"]')?.textContent !== '',
      null,
    );
    const after = await number(page, 'stat-val');
    expect(after).toBeLessThan(before - 0.5);
    expect(await number(page, 'stat-loss')).toBeLessThan(before - 0.5);
    expect(await number(page, 'stat-tokens-per-second')).toBeGreaterThan(0);
    expect(await number(page, 'stat-tokens')).toBe(30 * 16 * 20);
    expect(await page.getByTestId('samples').locator('li').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('h3[data-accepted]').count()).toBe(1);
    // The settings live in the URL, so the setup can be shared.
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual(
      Object.fromEntries(new URLSearchParams(TRAIN_QUERY)),
    );
    const mean = await page.getByTestId('stat-tokens-per-second').getAttribute('data-mean');
    console.log(`demo: WebGPU training, batch 16 × 20 tokens: ${Math.round(Number(mean))} tokens/s`);
    // The committed screenshot is refreshed on request only, so a test run leaves the tree clean.
    const shot = await page.screenshot({
      fullPage: true,
      ...(process.env.TENSORLM_UPDATE_SCREENSHOTS ? { path: SCREENSHOT } : {}),
    });
    expect(shot.byteLength).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  }, 120_000);

  it('shows the embeddings of the trained model and their clusters', async () => {
    await page.locator('[data-tab="embeddings"]').click();
    await expect
      .poll(() => page.getByTestId('embeddings-caption').textContent())
      .toMatch(/^step 30: 37 words/);
    expect(await page.getByTestId('clusters').locator('li').count()).toBeGreaterThan(1);
    const clustered = (await page.getByTestId('clusters').locator('li').allTextContents())
      .join(' ')
      .split(' ');
    expect(clustered.sort()).toHaveLength(37);
    expect(await page.getByTestId('embeddings-chart').locator('canvas').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('view')).toBe('embeddings');
    expect(errors).toEqual([]);
  });

  it('streams generated tokens with their probabilities, and names an unknown word', async () => {
    await page.locator('[data-tab="generate"]').click();
    // Without the stop at [End], exactly `max tokens` (18) come, however little the model learned.
    await page.getByTestId('stop-at-end').uncheck();
    await page.getByTestId('generate').click();
    await page.waitForSelector('[data-testid="generated"][data-done]', {
      state: 'attached',
      timeout: 60_000,
    });
    const tokens = page.getByTestId('generated').locator('.token');
    expect(await tokens.count()).toBe(18);
    // Streamed: the worker made the tokens one after another (its clock, sent with each).
    const made = await tokens.evaluateAll((spans) => spans.map((s) => Number(s.getAttribute('data-at'))));
    expect(made.every((at, i) => i === 0 || at > made[i - 1]!)).toBe(true);
    const prob = Number(await tokens.first().getAttribute('data-prob'));
    expect(prob).toBeGreaterThan(0);
    expect(prob).toBeLessThanOrEqual(1);
    expect(await tokens.first().getAttribute('title')).toMatch(/most likely here/);

    await page.getByTestId('prompt').fill('the unicorn');
    await page.getByTestId('generate').click();
    await expect
      .poll(() => page.getByTestId('generate-status').textContent())
      .toMatch(/'unicorn' is not in the grammar's vocabulary/);
    expect(errors).toEqual([]);
  }, 90_000);

  it("the tokenizer view's ids equal the tokenizers package's ids", async () => {
    await page.locator('[data-tab="tokenizer"]').click();
    const text = 'Hello world! Tokenizers split “unbelievable” text into pieces: 42 × 7.';
    const expected: Record<string, Tokenizer> = {
      gpt2: await gpt2(),
      bert: await bertBaseUncased(),
      chars: CharTokenizer.fromCorpus(text),
      words: WordTokenizer.train(text),
    };
    await page.getByTestId('tokenizer-text').fill(text);
    for (const [kind, tokenizer] of Object.entries(expected)) {
      await page.getByTestId('tokenizer-kind').selectOption(kind);
      const want = tokenizer.encode(text, { addSpecialTokens: false });
      await expect
        .poll(async () => page.getByTestId('tokens').getAttribute('data-ids'), { timeout: 20_000 })
        .toBe(JSON.stringify(want));
    }
    // GPT-2's merges are listed word by word.
    await page.getByTestId('tokenizer-kind').selectOption('gpt2');
    await expect.poll(() => page.getByTestId('explain').textContent()).toMatch(/merge .* \(rank \d+\)/);
    // A word outside a word-level vocabulary: a message, not a blank view.
    await page.getByTestId('tokenizer-kind').selectOption('grammar');
    await expect
      .poll(() => page.getByTestId('tokenizer-error').textContent())
      .toMatch(/cannot encode the text/);
    expect(errors).toEqual([]);
  }, 60_000);

  it('falls back to the CPU backend without WebGPU, says why, and trains there', async () => {
    const plain = await launchChromium({ webgpu: false });
    const cpuErrors: string[] = [];
    try {
      const cpuPage = await openPage(plain, cpuErrors);
      await cpuPage.goto(`${server.origin}/${TRAIN_QUERY}`);
      expect(await waitReady(cpuPage)).toMatch(
        /^backend: CPU — (this browser does not offer WebGPU|WebGPU gave no usable adapter)/,
      );
      await cpuPage.getByTestId('step').click();
      await cpuPage.waitForSelector('[data-view="train"][data-step="1"]', {
        state: 'attached',
        timeout: 30_000,
      });
      expect(await number(cpuPage, 'stat-loss')).toBeGreaterThan(0);
      for (const view of ['embeddings', 'generate', 'tokenizer'])
        await cpuPage.locator(`[data-tab="${view}"]`).click();
    } finally {
      await plain.close();
    }
    expect(cpuErrors).toEqual([]);
  }, 60_000);
});

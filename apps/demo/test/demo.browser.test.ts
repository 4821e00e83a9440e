// The demo in headless Chromium (Debian's package through playwright-core; never a
// downloaded browser): the app is built once with Vite into a temporary folder and served
// from a loopback static server. On WebGPU (SwiftShader where the machine has no GPU):
// 30 training steps lower the held-out loss and show tokens/s, the embeddings and clusters
// appear, generation streams tokens, a word outside the vocabulary gives a message, the
// tokenizer view's ids equal @tensorlm/tokenizers' ids computed here in Node, the attention
// view draws one map per head, the masked LM trains in the page and fill-mask returns
// ranked candidates, a run folder the real CLI trained loads and generates the CLI's own
// greedy text, a folder that is not a model and a model too large for the adapter are
// refused with messages, a model saved in the browser and as a zip loads back (the zip in
// the CLI too) with the same greedy text, and the conformance suite runs in the page.
// Without WebGPU the page falls back to the WebAssembly backend, says so, still trains
// and passes conformance. No view may log a console error. The Train view's screenshot
// goes to docs/train.png (the README shows it) when TENSORLM_UPDATE_SCREENSHOTS is set.
// No Chromium: fails under CI, skipped with a printed reason elsewhere.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Grammar, SEED_GRAMMAR } from '@tensorlm/datasets';
import { bertBaseUncased, CharTokenizer, gpt2, type Tokenizer, WordTokenizer } from '@tensorlm/tokenizers';
import { unzipSync } from 'fflate';
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
const ROOT = join(APP_DIR, '..', '..');
const CLI_BIN = join(ROOT, 'apps', 'cli', 'src', 'bin.ts');
const SCREENSHOT = join(APP_DIR, 'docs', 'train.png');

const available = requires(
  'Chromium for the browser tests',
  chromiumAvailable(),
  `no ${CHROMIUM_PATH}: run 'node tooling/setup.mjs' as root on Debian/Ubuntu (it installs the chromium package), or set TENSORLM_CHROMIUM to a Chromium binary`,
);

/**
 * A short run that fits the CI budget on SwiftShader (software WebGPU): 30 steps of 16
 * sentences on a one-layer model of width 32, samples and embeddings every 15 steps.
 * `backend=webgpu`: on a software adapter the default (auto) picks the WebAssembly backend.
 */
const TRAIN_QUERY = '?layers=1&width=32&heads=4&lr=0.01&batch=16&steps=30&every=15&backend=webgpu';

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

/** The real CLI as a child process (as apps/cli's bin tests run it); resolves with stdout, rejects on a non-zero exit. */
function tensorlm(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI_BIN, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`tensorlm ${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

/** `[1] <text>`, the line `tensorlm generate` prints into a pipe. */
function generatedLine(stdout: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith('[1] '));
  if (line === undefined) throw new Error(`no generated line in:\n${stdout}`);
  return line.slice(4);
}

/** Files under `dir`, each written from name → content. */
async function writeFolder(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

/** A safetensors file that is only a header claiming a tensor of `shape` (its data never comes). */
function headerOnlySafetensors(name: string, shape: number[]): Uint8Array {
  const size = 4 * shape.reduce((n, d) => n * d, 1);
  const json = new TextEncoder().encode(
    JSON.stringify({ [name]: { dtype: 'F32', shape, data_offsets: [0, size] } }),
  );
  const out = new Uint8Array(8 + json.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  return out;
}

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

  /** A grammar run the real CLI trained, and its greedy text for "the dog". */
  let cliRun: Promise<{ runDir: string; greedy: string }>;
  let runsDir: string | undefined;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'tensorlm-demo-'));
    // Not under outDir: the build below empties that folder while the CLI writes.
    runsDir = await mkdtemp(join(tmpdir(), 'tensorlm-demo-runs-'));
    const runDir = join(runsDir, 'cli-run');
    cliRun = (async () => {
      await tensorlm(
        'train',
        'grammar',
        '--steps',
        '40',
        '--batch-size',
        '32',
        '--out',
        runDir,
        '--samples',
        '0',
      );
      const greedy = generatedLine(
        await tensorlm('generate', '--model', runDir, '--greedy', '--prompt', 'the dog'),
      );
      return { runDir, greedy };
    })();
    cliRun.catch(() => {}); // awaited by its test
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
    if (runsDir) await rm(runsDir, { recursive: true, force: true });
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

  it('draws one attention map per head of every layer, and names a word outside the vocabulary', async () => {
    await page.locator('[data-tab="attention"]').click();
    await page.getByTestId('attention-text').fill('the dog saw a cat');
    await page.getByTestId('attention-run').click();
    await expect
      .poll(() => page.getByTestId('attention-status').getAttribute('data-maps'), { timeout: 30_000 })
      .toBe('4');
    // The trained model has 1 layer × 4 heads: 4 small maps, 4 coloured head groups, 4 toggles.
    expect(await page.getByTestId('model-view').locator('canvas[data-layer][data-head]').count()).toBe(4);
    expect(await page.getByTestId('head-view').locator('g[data-head]').count()).toBe(4);
    expect(await page.getByTestId('head-toggles').locator('input').count()).toBe(4);
    // A causal model: the first token attends only to itself, so each head draws one line from it.
    await page.getByTestId('head-view').locator('text[data-index="0"]').dispatchEvent('mouseenter');
    const shown = await page
      .getByTestId('head-view')
      .locator('line')
      .evaluateAll((lines) => lines.filter((l) => (l as SVGLineElement).style.display !== 'none').length);
    expect(shown).toBe(4);
    expect(await page.getByTestId('attention-status').textContent()).toMatch(/^GPT2LMHeadModel: 5 tokens/);

    await page.getByTestId('attention-text').fill('the unicorn saw a cat');
    await page.getByTestId('attention-run').click();
    await expect
      .poll(() => page.getByTestId('attention-status').textContent(), { timeout: 30_000 })
      .toMatch(/^cannot encode the sentence: .*unicorn/);
    expect(errors).toEqual([]);
  }, 60_000);

  it('loads a run folder the CLI trained and generates the same greedy text as `tensorlm generate`', async () => {
    const { runDir, greedy } = await cliRun;
    await page.locator('[data-tab="models"]').click();
    await page.getByTestId('folder-input').setInputFiles(runDir);
    await page.waitForSelector('[data-testid="load-status"][data-loaded]', {
      state: 'attached',
      timeout: 60_000,
    });
    expect(await page.getByTestId('load-status').textContent()).toMatch(/^loaded cli-run\/checkpoint-\d+$/);
    expect(await page.getByTestId('loaded-info').getAttribute('data-architecture')).toBe('GPT2LMHeadModel');

    await page.locator('[data-tab="generate"]').click();
    // Loading a causal LM switches Generate (and Attention) to it.
    expect(await page.getByTestId('generate-model').inputValue()).toBe('loaded');
    expect(await page.getByTestId('attention-model').inputValue()).toBe('loaded');
    await page.getByTestId('prompt').fill('the dog');
    await page.getByTestId('mode').selectOption('greedy');
    await page.getByTestId('stop-at-end').check();
    await page.getByTestId('field-maxNewTokens').fill('30'); // the CLI's default
    await page.getByTestId('field-maxNewTokens').dispatchEvent('change');
    await page.getByTestId('generate').click();
    await page.waitForSelector('[data-testid="generated-text"][data-text]', {
      state: 'attached',
      timeout: 60_000,
    });
    expect(await page.getByTestId('generated-text').getAttribute('data-text')).toBe(greedy);
    console.log(`demo: the CLI's run, greedy from "the dog", page = CLI: ${greedy}`);

    // A word outside the loaded word-level vocabulary: a message naming it.
    await page.getByTestId('prompt').fill('the unicorn');
    await page.getByTestId('generate').click();
    await expect
      .poll(() => page.getByTestId('generate-status').textContent(), { timeout: 30_000 })
      .toMatch(/^cannot encode the prompt: .*unicorn/);
    expect(errors).toEqual([]);
  }, 120_000);

  it("loads a Hugging Face BERT folder and fills two masks as transformers' pipeline does", async () => {
    // tasks' fixture: a small BertForMaskedLM (vocab.txt, no tokenizer.json) and what
    // transformers' FillMaskPipeline returned for it in PyTorch (make_fixtures.py).
    const folder = join(ROOT, 'packages', 'tasks', 'fixtures', 'bert-mlm');
    const expected = JSON.parse(await readFile(join(folder, 'expected.json'), 'utf8')) as {
      cases: {
        text: string;
        top_k: number;
        targets: unknown;
        output: { score: number; token_str: string }[][];
      }[];
    };
    const twoMasks = expected.cases.find((c) => c.targets === null && Array.isArray(c.output[0]))!;
    await page.locator('[data-tab="models"]').click();
    await page.getByTestId('folder-input').setInputFiles(folder);
    await expect
      .poll(() => page.getByTestId('load-status').textContent(), { timeout: 30_000 })
      .toBe('loaded bert-mlm');
    expect(await page.getByTestId('loaded-info').getAttribute('data-architecture')).toBe('BertForMaskedLM');

    await page.locator('[data-tab="fill-mask"]').click();
    expect(await page.getByTestId('fill-model').inputValue()).toBe('loaded');
    await page.getByTestId('fill-text').fill(twoMasks.text);
    await page.getByTestId('field-fillTopK').fill(String(twoMasks.top_k));
    await page.getByTestId('field-fillTopK').dispatchEvent('change');
    await page.getByTestId('fill-run').click();
    const tables = page.getByTestId('fill-results').locator('table[data-mask]');
    await expect.poll(() => tables.count(), { timeout: 30_000 }).toBe(2);
    for (const [m, want] of twoMasks.output.entries()) {
      const got = await tables
        .nth(m)
        .locator('tr[data-token]')
        .evaluateAll((trs) =>
          trs.map((tr) => [tr.getAttribute('data-token'), Number(tr.getAttribute('data-score'))] as const),
        );
      expect(got.map(([token]) => token)).toEqual(want.map((c) => c.token_str));
      for (const [i, [, score]] of got.entries()) expect(score).toBeCloseTo(want[i]!.score, 4);
    }
    expect(errors).toEqual([]);
  }, 60_000);

  it('loads a Hub repo id through fetch and Cache Storage, and refuses one too large before its weights download', async () => {
    // The Hub as a browser sees it, answered inside Chromium (no network here): `resolve`
    // URLs, the commit in X-Repo-Commit, EntryNotFound for absent files, CORS headers.
    const commit = 'feedfacefeedfacefeedfacefeedfacefeedface';
    const bertFolder = join(ROOT, 'packages', 'tasks', 'fixtures', 'bert-mlm');
    const huge = headerOnlySafetensors('transformer.wte.weight', [50257, 65536]);
    const repos: Record<string, Record<string, { body: Uint8Array | string; length?: number }>> = {
      'tensorlm-test/bert-mlm': Object.fromEntries(
        await Promise.all(
          ['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt'].map(
            async (name) => [name, { body: await readFile(join(bertFolder, name)) }] as const,
          ),
        ),
      ),
      'tensorlm-test/huge-gpt2': {
        'config.json': {
          body: JSON.stringify({ architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_embd: 65536 }),
        },
        // The server announces the 13 GB the header claims; the page must stop at the headers.
        'model.safetensors': { body: huge, length: 4 * 50257 * 65536 + huge.byteLength },
      },
    };
    const requested: string[] = [];
    const cors = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'X-Repo-Commit, X-Error-Code, Content-Length, ETag',
    };
    await page.context().route('https://huggingface.co/**', async (route) => {
      const url = new URL(route.request().url());
      requested.push(url.pathname);
      const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
      const file = match ? repos[match[1]!]?.[decodeURIComponent(match[3]!)] : undefined;
      if (!match || !file)
        return route.fulfill({
          status: 404,
          headers: { ...cors, 'X-Error-Code': 'EntryNotFound' },
          body: '',
        });
      const body = typeof file.body === 'string' ? Buffer.from(file.body) : Buffer.from(file.body);
      return route.fulfill({
        status: 200,
        headers: {
          ...cors,
          'X-Repo-Commit': commit,
          'Content-Length': String(file.length ?? body.byteLength),
        },
        body,
      });
    });
    try {
      await page.locator('[data-tab="models"]').click();
      await page.getByTestId('repo').fill('tensorlm-test/bert-mlm');
      await page.getByTestId('load-hub').click();
      await expect
        .poll(() => page.getByTestId('load-status').textContent(), { timeout: 30_000 })
        .toBe('loaded tensorlm-test/bert-mlm');
      expect(await page.getByTestId('loaded-info').getAttribute('data-architecture')).toBe('BertForMaskedLM');
      // config.json at the revision gave the commit; every other file came at that commit.
      expect(requested[0]).toBe('/tensorlm-test/bert-mlm/resolve/main/config.json');
      expect(
        requested.slice(1).every((p) => p.startsWith(`/tensorlm-test/bert-mlm/resolve/${commit}/`)),
      ).toBe(true);

      // The same answers as the folder loaded from disk in the test before.
      const expected = JSON.parse(await readFile(join(bertFolder, 'expected.json'), 'utf8')) as {
        cases: { text: string; top_k: number; targets: unknown; output: { token_str: string }[][] }[];
      };
      const twoMasks = expected.cases.find((c) => c.targets === null && Array.isArray(c.output[0]))!;
      await page.locator('[data-tab="fill-mask"]').click();
      await page.getByTestId('fill-text').fill(twoMasks.text);
      await page.getByTestId('fill-run').click();
      const firstTable = page.getByTestId('fill-results').locator('table[data-mask]').first();
      await expect
        .poll(() => firstTable.locator('tr[data-token]').first().getAttribute('data-token'), {
          timeout: 30_000,
        })
        .toBe(twoMasks.output[0]![0]!.token_str);

      requested.length = 0;
      await page.locator('[data-tab="models"]').click();
      await page.getByTestId('repo').fill('tensorlm-test/huge-gpt2');
      await page.getByTestId('load-hub').click();
      await expect
        .poll(() => page.getByTestId('load-status').textContent(), { timeout: 30_000 })
        .toMatch(
          /^the model is too large for this page: its weight files take 13\.17 GB, more than .*; model\.safetensors was not downloaded$/,
        );
      expect(await page.getByTestId('loaded-info').getAttribute('data-architecture')).toBe('BertForMaskedLM');
      expect(errors).toEqual([]);
    } finally {
      await page.context().unroute('https://huggingface.co/**');
    }
  }, 60_000);

  it('refuses a folder that is not a model, and a model too large for the adapter, with a message', async () => {
    await page.locator('[data-tab="models"]').click();
    const notModel = join(outDir, 'holiday');
    await writeFolder(notModel, { 'notes.txt': 'hello', 'photos/cat.jpg': 'not really a jpeg' });
    await page.getByTestId('folder-input').setInputFiles(notModel);
    await expect
      .poll(() => page.getByTestId('load-status').textContent(), { timeout: 30_000 })
      .toBe(
        'holiday is not a model folder: it has no config.json (a Hugging Face folder) and no best.json / latest.json (a tensorlm run folder); found notes.txt',
      );
    expect(await page.getByTestId('load-status').getAttribute('class')).toBe('error');

    // GPT-2 shaped, with a 13 GB embedding: refused from the header, before any weight is read.
    const huge = join(outDir, 'huge-gpt2');
    await writeFolder(huge, {
      'config.json': JSON.stringify({
        architectures: ['GPT2LMHeadModel'],
        model_type: 'gpt2',
        vocab_size: 50257,
        n_embd: 65536,
        n_layer: 1,
        n_head: 8,
        n_positions: 1024,
      }),
      'model.safetensors': headerOnlySafetensors('transformer.wte.weight', [50257, 65536]),
    });
    await page.getByTestId('folder-input').setInputFiles(huge);
    await expect
      .poll(() => page.getByTestId('load-status').textContent(), { timeout: 30_000 })
      .toMatch(
        /^the model is too large for this (adapter|page): .*transformer\.wte\.weight \[50257, 65536\], takes 13\.17 GB as f32/,
      );
    // The model loaded before (the BERT folder) stays loaded.
    expect(await page.getByTestId('loaded-info').getAttribute('data-architecture')).toBe('BertForMaskedLM');
    expect(errors).toEqual([]);
  }, 60_000);

  it('saves the model trained here in the browser and as a zip, and both load back with the same greedy text', async () => {
    // The page's own greedy continuation with the model trained here.
    await page.locator('[data-tab="generate"]').click();
    await page.getByTestId('generate-model').selectOption('trained');
    await page.getByTestId('prompt').fill('the dog');
    await page.getByTestId('generate').click();
    await page.waitForSelector('[data-testid="generated"][data-done]', {
      state: 'attached',
      timeout: 60_000,
    });
    const tokens = () => page.getByTestId('generated').locator('.token').allTextContents();
    const trained = await tokens();

    await page.locator('[data-tab="models"]').click();
    await page.getByTestId('save-model').selectOption('trained');
    await page.getByTestId('save-name').fill('page-gpt');
    await page.getByTestId('save').click();
    await page.waitForSelector('[data-testid="stored"] li[data-name="page-gpt"]', { timeout: 30_000 });
    const download = page.waitForEvent('download');
    await page.getByTestId('download').click();
    const zipPath = join(outDir, 'page-gpt.zip');
    await (await download).saveAs(zipPath);

    // Loaded back from the browser's storage: the same greedy tokens.
    await page.locator('[data-load="page-gpt"]').click();
    await expect
      .poll(() => page.getByTestId('load-status').textContent(), { timeout: 30_000 })
      .toBe('loaded page-gpt (saved in this browser)');
    await page.locator('[data-tab="generate"]').click();
    await page.getByTestId('generate-model').selectOption('loaded');
    await page.getByTestId('generate').click();
    await page.waitForSelector('[data-testid="generated-text"][data-text]', {
      state: 'attached',
      timeout: 60_000,
    });
    expect(await tokens()).toEqual(trained);
    const pageText = await page.getByTestId('generated-text').getAttribute('data-text');

    // The zip is a Hugging Face folder the CLI loads, and it continues the prompt the same way.
    const unzipped = unzipSync(await readFile(zipPath));
    expect(Object.keys(unzipped).sort()).toEqual(
      [
        'config.json',
        'generation_config.json',
        'model.safetensors',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
      ].map((f) => `page-gpt/${f}`),
    );
    await writeFolder(outDir, unzipped);
    const cli = generatedLine(
      await tensorlm(
        'generate',
        '--model',
        join(outDir, 'page-gpt'),
        '--greedy',
        '--prompt',
        'the dog',
        '--max-new-tokens',
        '18',
      ),
    );
    expect(cli).toBe(pageText);
    expect(errors).toEqual([]);
  }, 120_000);

  it('says which backend runs, and runs the conformance suite here, pass or fail per case', async () => {
    await page.locator('[data-tab="backend"]').click();
    expect(await page.getByTestId('backend-summary').textContent()).toMatch(
      /^Training and generation run on WebGPU, on the adapter /,
    );
    await page.getByTestId('conformance-filter').fill('op cases.*softmax');
    await page.getByTestId('conformance-run').click();
    await page.waitForSelector('[data-testid="conformance-status"][data-done]', {
      state: 'attached',
      timeout: 90_000,
    });
    const total = Number(await page.getByTestId('conformance-status').getAttribute('data-total'));
    expect(total).toBe(4); // softmax last axis, axis 0, on wide rows, logSoftmax
    const rows = page.getByTestId('conformance-results').locator('tr[data-ok]');
    expect(await rows.count()).toBe(total);
    expect(await page.getByTestId('conformance-status').textContent()).toBe(`${total} passed, 0 failed`);
    expect(await page.getByTestId('conformance-report').inputValue()).toMatch(
      /^tensorlm conformance on webgpu/,
    );
    expect(errors).toEqual([]);
  }, 120_000);

  it('by default prefers the WebAssembly backend to a software WebGPU adapter; there the masked LM learns to fill masks with nouns', async () => {
    const autoErrors: string[] = [];
    const autoPage = await openPage(browser, autoErrors);
    try {
      await autoPage.goto(`${server.origin}/${TRAIN_QUERY.replace('&backend=webgpu', '')}`);
      expect(await waitReady(autoPage)).toMatch(
        /^backend: WebAssembly — WebGPU's adapter \(.*swiftshader.*\) is software running on this computer's processor/i,
      );

      await autoPage.locator('[data-tab="fill-mask"]').click();
      for (const [field, value] of [
        ['mlmSteps', '100'],
        ['mlmBatch', '64'],
      ] as const) {
        await autoPage.getByTestId(`field-${field}`).fill(value);
        await autoPage.getByTestId(`field-${field}`).dispatchEvent('change');
      }
      await autoPage.getByTestId('mlm-train').click();
      await autoPage.waitForSelector('[data-testid="mlm-progress"][data-step="100"][data-running="false"]', {
        state: 'attached',
        timeout: 150_000,
      });
      await autoPage.getByTestId('fill-text').fill('the [MASK] saw a cat');
      await autoPage.getByTestId('fill-run').click();
      const rows = autoPage.getByTestId('fill-results').locator('tr[data-token]');
      await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(5);
      const scores = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-score'))));
      expect(scores.every((p) => p > 0 && p <= 1)).toBe(true);
      expect(scores.every((p, i) => i === 0 || p <= scores[i - 1]!)).toBe(true);
      expect(scores.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-6);
      const words = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-token')!));
      // Only a noun fits ("the N saw a cat"): the grammar's own parser judges each filled sentence.
      const grammar = new Grammar(SEED_GRAMMAR);
      const fits = words.filter((w) => grammar.accepts(['the', w, 'saw', 'a', 'cat']));
      expect(grammar.accepts(['the', words[0]!, 'saw', 'a', 'cat'])).toBe(true);
      expect(fits.length).toBeGreaterThanOrEqual(4);
      console.log(
        `demo: fill-mask after 100 steps of 64 on wasm, "the [MASK] saw a cat": ${words.join(' ')}; ${await autoPage.getByTestId('mlm-progress').textContent()}`,
      );
      // Without [MASK]: a message, not an empty table.
      await autoPage.getByTestId('fill-text').fill('the dog saw a cat');
      await autoPage.getByTestId('fill-run').click();
      await expect
        .poll(() => autoPage.getByTestId('fill-status').textContent(), { timeout: 30_000 })
        .toMatch(/put \[MASK\] where a word is missing/);

      // The masked LM's attention: 2 layers × 4 heads; BERT attends both ways, so the
      // first token ([CLS]) has lines to other tokens too.
      await autoPage.locator('[data-tab="attention"]').click();
      await autoPage.getByTestId('attention-model').selectOption('mlm');
      await autoPage.getByTestId('attention-run').click();
      await expect
        .poll(() => autoPage.getByTestId('attention-status').getAttribute('data-maps'), { timeout: 30_000 })
        .toBe('8');
      expect(await autoPage.getByTestId('model-view').locator('canvas[data-layer][data-head]').count()).toBe(
        8,
      );
      await autoPage.getByTestId('head-view').locator('text[data-index="0"]').dispatchEvent('mouseenter');
      const shown = await autoPage
        .getByTestId('head-view')
        .locator('line')
        .evaluateAll((lines) => lines.filter((l) => (l as SVGLineElement).style.display !== 'none').length);
      expect(shown).toBeGreaterThan(4);
      expect(await autoPage.getByTestId('attention-status').textContent()).toMatch(
        /^BertForMaskedLM: 7 tokens \(\[CLS\] · the · dog · saw · a · cat · \[SEP\]\)/,
      );
    } finally {
      await autoPage.close();
    }
    expect(autoErrors).toEqual([]);
  }, 240_000);

  it('falls back to the WebAssembly backend without WebGPU, says why, trains there and passes conformance', async () => {
    const plain = await launchChromium({ webgpu: false });
    const cpuErrors: string[] = [];
    try {
      const cpuPage = await openPage(plain, cpuErrors);
      await cpuPage.goto(`${server.origin}/${TRAIN_QUERY}`);
      expect(await waitReady(cpuPage)).toMatch(
        /^backend: WebAssembly — (this browser does not offer WebGPU|WebGPU gave no usable adapter)/,
      );
      await cpuPage.getByTestId('step').click();
      await cpuPage.waitForSelector('[data-view="train"][data-step="1"]', {
        state: 'attached',
        timeout: 30_000,
      });
      expect(await number(cpuPage, 'stat-loss')).toBeGreaterThan(0);
      for (const view of [
        'embeddings',
        'generate',
        'tokenizer',
        'attention',
        'fill-mask',
        'models',
        'backend',
      ])
        await cpuPage.locator(`[data-tab="${view}"]`).click();
      expect(await cpuPage.getByTestId('backend-summary').textContent()).toMatch(
        /^WebGPU is not used: .*Everything runs on the WebAssembly SIMD backend, on this computer's processor: CPU \(WebAssembly SIMD/,
      );
      await cpuPage.getByTestId('conformance-filter').fill('op cases.*softmax');
      await cpuPage.getByTestId('conformance-run').click();
      await cpuPage.waitForSelector('[data-testid="conformance-status"][data-done]', {
        state: 'attached',
        timeout: 60_000,
      });
      expect(await cpuPage.getByTestId('conformance-status').textContent()).toBe('4 passed, 0 failed');
      expect(await cpuPage.getByTestId('conformance-report').inputValue()).toMatch(
        /^tensorlm conformance on wasm/,
      );
    } finally {
      await plain.close();
    }
    expect(cpuErrors).toEqual([]);
  }, 60_000);
});

// backend-wasm in headless Chromium, through its browser entry: tensor-core's
// conformance suite (each case against the f64 reference, finite differences and the
// cpu backend) on one thread, as it is and with its fused kernels hidden, in a page that is not cross-origin isolated — the fallback
// a plain web host gives — and with a Web Worker helper over shared memory in a page
// served with COOP/COEP. Also: the registered 'wasm' picks its threads from the page,
// and a helper that dies is reported, not waited on. No Chromium: fails under CI,
// skipped with a printed reason elsewhere (tooling/vitest/requirements.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../../vitest/requirements.js';
import { bundleForBrowser } from './bundle.js';
import { type Browser, CHROMIUM_PATH, chromiumAvailable, launchChromium } from './chromium.js';
import type {
  ConformanceMode,
  ConformanceReport,
  PageFacts,
  ThreadDeathReport,
} from './page/conformance-protocol.js';
import { type StaticServer, startStaticServer } from './static-server.js';

const available = requires(
  'Chromium for the browser tests',
  chromiumAvailable(),
  `no ${CHROMIUM_PATH}: run 'node tooling/setup.mjs' as root on Debian/Ubuntu (it installs the chromium package), or set TENSORLM_CHROMIUM to a Chromium binary`,
);

const PAGE = `<!doctype html><meta charset="utf-8"><title>backend-wasm conformance</title><script type="module" src="/bundle.js"></script>`;

type PageApi = {
  runConformance(mode: ConformanceMode, fusedKernels?: 'backend' | 'composed'): Promise<ConformanceReport>;
  pageFacts(): Promise<PageFacts>;
  threadDeath(): Promise<ThreadDeathReport>;
};

describe.runIf(available)('backend-wasm in headless Chromium', () => {
  let folder: string;
  let plain: StaticServer;
  let isolated: StaticServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const { code, forbidden } = await bundleForBrowser(`import './src/page/conformance.ts';`);
    expect(forbidden).toEqual([]);
    folder = await mkdtemp(join(tmpdir(), 'tensorlm-wasm-page-'));
    await writeFile(join(folder, 'index.html'), PAGE);
    await writeFile(join(folder, 'bundle.js'), code);
    plain = await startStaticServer(folder);
    isolated = await startStaticServer(folder, { crossOriginIsolated: true });
    browser = await launchChromium({ webgpu: false });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await plain?.close();
    await isolated?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  }, 30_000);

  async function open(origin: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${origin}/`);
    await page
      .waitForFunction(() => 'runConformance' in globalThis, undefined, { timeout: 15_000 })
      .catch(() => {
        throw new Error(`the page did not start: ${pageErrors.join('; ') || 'no error reported'}`);
      });
    return page;
  }

  const call = <K extends keyof PageApi>(page: Page, name: K, ...args: Parameters<PageApi[K]>) =>
    page.evaluate(
      ([n, a]) => (globalThis as unknown as Record<string, (...x: unknown[]) => unknown>)[n]!(...a),
      [name, args] as const,
    ) as ReturnType<PageApi[K]>;

  /** The report, printed for the record (counts per mode), with every failure named. */
  function expectAllPass(report: ConformanceReport): void {
    console.log(
      `${report.mode}${report.fusedKernels === 'composed' ? ' (composed defaults)' : ''} in Chromium: ${report.passed} passed, ${report.failed.length} failed, ${report.ms} ms (${report.device})`,
    );
    expect(report.failed).toEqual([]);
    expect(report.passed).toBeGreaterThan(100);
  }

  it('a page that is not cross-origin isolated: wasm runs on one thread and passes the conformance suite', async () => {
    const page = await open(plain.origin);
    const facts = await call(page, 'pageFacts');
    expect(facts.crossOriginIsolated).toBe(false);
    expect(facts.registeredDevice).toMatch(/one thread/);
    // Asking for two threads there still works, on one, and says why.
    expect(facts.askedForTwo.device).toMatch(/one thread/);
    expect(facts.askedForTwo.warnings).toEqual([
      'backend-wasm: 2 threads were asked for, but this page is not cross-origin isolated (serve it with ' +
        'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); running on one thread',
    ]);
    const report = await call(page, 'runConformance', 'wasm-1-thread');
    expectAllPass(report);
    expect(report.helperJobs).toBe(0);
    // And with its fused kernels hidden: tensor-core's composed defaults on its primitives.
    expectAllPass(await call(page, 'runConformance', 'wasm-1-thread', 'composed'));
    await page.close();
  }, 120_000);

  it('a cross-origin-isolated page: a Web Worker helper shares the matmuls and the suite passes', async () => {
    const page = await open(isolated.origin);
    const facts = await call(page, 'pageFacts');
    expect(facts.crossOriginIsolated).toBe(true);
    // The registered default takes a helper where the browser reports two cores.
    expect(facts.registeredDevice).toMatch(
      facts.hardwareConcurrency >= 2 ? /2 threads for matmul on Web Workers\)$/ : /one thread/,
    );
    expect(facts.askedForTwo).toEqual({
      device: expect.stringMatching(/2 threads for matmul on Web Workers\)$/),
      warnings: [],
    });
    const report = await call(page, 'runConformance', 'wasm-2-threads');
    expectAllPass(report);
    expect(report.device).toMatch(/2 threads for matmul on Web Workers\)$/);
    // The helper really ran kernels (the suite has matmuls large enough to split).
    expect(report.helperJobs).toBeGreaterThan(0);
    await page.close();
  }, 120_000);

  it('a helper that dies is reported, not waited on: one that throws as it starts, one that stops mid-job', async () => {
    const page = await open(isolated.origin);
    const report = await call(page, 'threadDeath');
    // The worker's 'error' event: ready resolves, the backend reports it once and runs on one thread.
    expect(report.startFailure.alive).toBe(false);
    expect(report.startFailure.failure).toMatch(/^it threw: /);
    expect(report.startFailure.warnings).toHaveLength(1);
    expect(report.startFailure.warnings[0]).toMatch(
      /^backend-wasm: the matmul helper thread stopped \(it threw: .+\); continuing on one thread$/,
    );
    // A helper that left its loop: the wait ends at its deadline with a WasmThreadError.
    expect(report.stalled.code).toBe('WASM_THREAD_FAILED');
    expect(report.stalled.error).toMatch(/^WasmThreadError: .*did not finish a matmul block within 50 ms/);
    expect(report.stalled.aliveAfter).toBe(false);
    expect(report.stalled.productAfterMatches).toBe(true);
    await page.close();
  }, 60_000);
});

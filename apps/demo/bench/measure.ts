// Measures the demo in headless Chromium: the page's load time (navigation to the model
// being ready), and training tokens/s on WebGPU, the WebAssembly backend and the CPU
// backend for a given batch size, no sampling in between. Serves an existing build: `vite build --outDir D` first.
// Run: npx tsx bench/measure.ts D [batch] [steps]
import { launchChromium } from '../../../tooling/browser/src/chromium.js';
import { startStaticServer } from '../../../tooling/browser/src/static-server.js';

const [dir = 'dist', batch = '64', steps = '30'] = process.argv.slice(2);
const server = await startStaticServer(dir);
for (const backend of (process.env.BACKENDS ?? 'webgpu,wasm,cpu').split(',')) {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    page.on('console', (m) => m.type() === 'error' && console.log(`console error: ${m.text()}`));
    const t0 = Date.now();
    await page.goto(
      `${server.origin}/?batch=${batch}&steps=${steps}&every=100000&backend=${backend}${process.env.EXTRA ?? ''}`,
    );
    await page.waitForSelector('[data-view="train"][data-step="0"]', { state: 'attached', timeout: 120_000 });
    const loaded = Date.now() - t0;
    const t1 = Date.now();
    await page.getByTestId('run').click();
    await page.waitForSelector(`[data-view="train"][data-step="${steps}"][data-running="false"]`, {
      state: 'attached',
      timeout: 600_000,
    });
    const wall = Date.now() - t1;
    const mean = Number(await page.getByTestId('stat-tokens-per-second').getAttribute('data-mean'));
    const last = await page.getByTestId('stat-tokens-per-second').textContent();
    const line = await page.locator('#backend').textContent();
    console.log(
      `${line}: load ${loaded} ms; ${steps} steps × ${batch} × 20 tokens in ${wall} ms: mean ${Math.round(mean)} tokens/s, last 10 steps ${last} tokens/s`,
    );
  } finally {
    await browser.close();
  }
}
await server.close();

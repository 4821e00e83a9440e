// No `node:` module and no Dawn is reachable from any package's browser entry: each is
// bundled with esbuild as a web app would (platform 'browser', the `browser` condition) and
// its import graph is searched. A failure names the import and the chain of files to it.
import { describe, expect, it } from 'vitest';
import { BROWSER_PACKAGES, bundleForBrowser, isForbidden } from './bundle.js';

describe('the browser entries', () => {
  it.each(BROWSER_PACKAGES)('%s reaches no node: module and no Dawn', async (name) => {
    const { forbidden, metafile } = await bundleForBrowser(`export * from '${name}';`);
    expect(forbidden.map((f) => f.chain.join(' → '))).toEqual([]);
    // The bundle really went through the package's browser entry where it has one.
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((input) => input.startsWith('packages/'))).toBe(true);
  });

  it('uses the browser twins, not the Node files', async () => {
    const { metafile } = await bundleForBrowser(
      `export * from '@tensorlm/hub-loader'; export * from '@tensorlm/backend-webgpu'; export * from '@tensorlm/backend-wasm';`,
    );
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain('packages/hub-loader/src/index.browser.ts');
    expect(inputs).toContain('packages/nn/src/index.browser.ts');
    expect(inputs).toContain('packages/tokenizers/src/index.browser.ts');
    expect(inputs).toContain('packages/backend-webgpu/src/index.browser.ts');
    expect(inputs).toContain('packages/backend-wasm/src/index.browser.ts');
    expect(inputs).toContain('packages/backend-wasm/src/threads/browser.ts');
    expect(
      inputs.filter((input) => /\.node\.ts$|\/io\/fs\.ts$|device\.node|threads\/node\.ts$/.test(input)),
    ).toEqual([]);
  });

  it('would catch one: the Node entries do reach node: modules and Dawn', async () => {
    // The check's own control: a bundler that ignores the `browser` condition gets the Node
    // entries, and the same check must then report their imports.
    const { forbidden } = await bundleForBrowser(
      `export * from '@tensorlm/hub-loader'; export * from '@tensorlm/backend-webgpu';`,
      { conditions: ['source', 'import'], platform: 'neutral' },
    );
    const specifiers = new Set(forbidden.map((f) => f.specifier));
    expect(specifiers.has('webgpu')).toBe(true);
    expect([...specifiers].some((s) => s.startsWith('node:'))).toBe(true);
    const webgpu = forbidden.find((f) => f.specifier === 'webgpu')!;
    expect(webgpu.chain).toEqual([
      'tooling/browser/entry.ts',
      'packages/backend-webgpu/src/index.ts',
      'packages/backend-webgpu/src/device.node.ts',
      'webgpu',
    ]);
    expect(isForbidden('fs')).toBe(true);
    expect(isForbidden('zod')).toBe(false);
  });
});

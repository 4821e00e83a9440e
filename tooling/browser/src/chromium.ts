// Headless Chromium for the browser tests: Debian's `chromium` (tooling/setup.mjs installs
// it), driven by playwright-core, which never downloads a browser of its own. A fresh
// profile per launch, nothing reached but the loopback test server, and WebGPU on
// SwiftShader (Chromium's software Vulkan) where the machine has no GPU.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where Debian's package puts it; TENSORLM_CHROMIUM overrides. */
export const CHROMIUM_PATH = process.env.TENSORLM_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  // No GPU here: WebGPU runs on SwiftShader, Chromium's CPU Vulkan implementation.
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** false: without the WebGPU flags, as a browser that offers no WebGPU (default true). */
  webgpu?: boolean;
}

/** The flags without WebGPU: Chromium on Linux then exposes no adapter. */
const NO_WEBGPU_FLAGS = CHROMIUM_FLAGS.filter(
  (flag) => flag !== '--enable-unsafe-webgpu' && !flag.startsWith('--use-webgpu-adapter'),
);

/** Launches Chromium with a fresh profile (removed on close). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'tensorlm-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: options.webgpu === false ? NO_WEBGPU_FLAGS : CHROMIUM_FLAGS,
      timeout: 30_000,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

// The demo's Vite build: workspace packages through their `browser` entries, from their
// TypeScript sources (`source`); the worker as an ES module; the tokenizers' packaged
// vocabularies become hashed assets through their `new URL(..., import.meta.url)` calls.
import { defineConfig } from 'vite';

export const DEMO_CONDITIONS = ['browser', 'source'];

/**
 * Cross-origin isolation, so the wasm backend may share its memory with a Web Worker and
 * run matmul on two threads. Hub downloads still work under `require-corp`: they are CORS
 * fetches, which the policy allows.
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  resolve: { conditions: DEMO_CONDITIONS },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
});

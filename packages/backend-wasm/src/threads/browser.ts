// Helper threads in browsers: a Web Worker running the shared loop, started from a Blob
// URL of its source text, so a bundler (Vite, esbuild, webpack) has no worker file to
// find, copy or rewrite. Shared memory needs a cross-origin-isolated page (served with
// `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
// require-corp`); without it there are no helper threads and the backend runs on one.
// A page whose Content-Security-Policy restricts workers must allow `worker-src blob:`.
// Browsers have no 'exit' event: a worker that throws fires 'error'; one that the browser
// stops silently is caught by the main thread's deadline (matmul-worker.ts).
import { HELPER_LOOP, type HelperThreads } from './helper-threads.js';

const SOURCE = `${HELPER_LOOP}
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, control } = event.data;
  serve(module, memory, control, () => self.postMessage('ready'));
  self.close();
};
`;

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  Worker?: typeof Worker;
  navigator?: { hardwareConcurrency?: number };
}

const globals = globalThis as BrowserGlobals;

/** Whether this page may share memory with workers (cross-origin isolated, with SharedArrayBuffer and Worker). */
export function canShareMemory(): boolean {
  return (
    globals.crossOriginIsolated === true &&
    typeof SharedArrayBuffer !== 'undefined' &&
    typeof globals.Worker === 'function'
  );
}

/** Web Worker helper threads, or null where the page cannot share memory with them. */
export function browserWorker(): HelperThreads | null {
  if (!canShareMemory()) return null;
  const WorkerClass = globals.Worker!;
  return {
    kind: 'Web Workers',
    spawn(start, events) {
      const url = URL.createObjectURL(new Blob([SOURCE], { type: 'text/javascript' }));
      const worker = new WorkerClass(url, { name: 'tensorlm-wasm-matmul' });
      // The URL is needed until the worker has fetched its script: its first message.
      let revoked = false;
      const revoke = () => {
        if (!revoked) URL.revokeObjectURL(url);
        revoked = true;
      };
      worker.addEventListener('message', () => {
        revoke();
        events.ready();
      });
      worker.addEventListener('error', (event) => {
        // Reported through `failed`; not also an uncaught error of the page.
        event.preventDefault();
        revoke();
        events.failed(`it threw: ${event.message || 'an error the browser did not describe'}`);
      });
      worker.addEventListener('messageerror', () => {
        revoke();
        events.failed('it could not receive the shared memory');
      });
      worker.postMessage(start);
      return {
        unref: () => {},
        terminate: async () => {
          worker.terminate();
          revoke();
          events.failed('it was terminated');
        },
      };
    },
  };
}

/** Logical cores the browser reports (1 where it does not say). */
export function browserCores(): number {
  return globals.navigator?.hardwareConcurrency ?? 1;
}

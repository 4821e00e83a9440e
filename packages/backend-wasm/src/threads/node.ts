// Helper threads in Node: a worker_threads Worker running the shared loop as CommonJS
// from a string (`eval: true`), so no file has to be resolved next to a bundle. Node
// reports a death twice ('error', then 'exit'); the first reason is kept.
import { HELPER_LOOP, type HelperThreads } from './helper-threads.js';

interface NodeWorker {
  on(event: 'exit' | 'error' | 'message', listener: (value: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

type NodeWorkerClass = new (
  source: string,
  options: { eval: true; workerData: unknown; execArgv?: string[]; name?: string },
) => NodeWorker;

const SOURCE = `${HELPER_LOOP}
const { parentPort, workerData } = require('node:worker_threads');
serve(workerData.module, workerData.memory, workerData.control, () => parentPort.postMessage('ready'));
`;

/** Helper threads on a worker_threads Worker class. */
export function workerThreads(Worker: NodeWorkerClass): HelperThreads {
  return {
    kind: 'worker_threads',
    spawn(start, events) {
      const worker = new Worker(SOURCE, {
        eval: true,
        workerData: start,
        // The source is plain CommonJS: flags such as --input-type=module must not reach it.
        execArgv: [],
        name: 'tensorlm-wasm-matmul',
      });
      worker.on('message', () => events.ready());
      worker.on('error', (error) =>
        events.failed(`it threw: ${error instanceof Error ? error.message : String(error)}`),
      );
      worker.on('exit', (code) => events.failed(`it exited with code ${String(code)}`));
      return {
        unref: () => worker.unref(),
        terminate: async () => {
          await worker.terminate();
        },
      };
    },
  };
}

/** Node's helper threads, or null where there are none (no worker_threads or no SharedArrayBuffer). */
export async function nodeWorker(): Promise<HelperThreads | null> {
  if (typeof SharedArrayBuffer === 'undefined') return null;
  try {
    const threads = (await import('node:worker_threads')) as unknown as { Worker: NodeWorkerClass };
    return workerThreads(threads.Worker);
  } catch {
    return null;
  }
}

/** Cores this process may use (availableParallelism where Node has it). */
export async function nodeCores(): Promise<number> {
  try {
    const os = (await import('node:os')) as { availableParallelism?: () => number; cpus: () => unknown[] };
    return os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    return 1;
  }
}

// The conformance worker: runs tensor-core's backend conformance suite on this browser's
// backend (the one the page chose: WebGPU, else WebAssembly, else the CPU), apart from the training worker — the suite sets the
// global backend and allocates freely — and reports each case as it ends.
import { runBackendConformance } from '@tensorlm/tensor-core/testing';
import type { BackendChoice } from '../state/settings.js';
import { chooseBackend } from '../worker/backend.js';
import { type CaseResult, collectingHost, runCases } from './runner.js';

export type ConformanceRequest = { type: 'run'; backend: BackendChoice; filter: string } | { type: 'stop' };

export type ConformanceMessage =
  | { type: 'started'; backend: string; device: string | null; total: number }
  | { type: 'result'; index: number; result: CaseResult }
  | { type: 'done'; passed: number; failed: number }
  | { type: 'error'; message: string };

const scope = globalThis as unknown as {
  postMessage(message: ConformanceMessage): void;
  onmessage: ((event: MessageEvent<ConformanceRequest>) => void) | null;
};
let stop = false;

async function run(request: Extract<ConformanceRequest, { type: 'run' }>): Promise<void> {
  const chosen = await chooseBackend(request.backend);
  const host = collectingHost();
  let filter: RegExp | undefined;
  try {
    filter = request.filter.trim() ? new RegExp(request.filter.trim(), 'i') : undefined;
  } catch {
    throw new Error(`the filter '${request.filter}' is not a regular expression`);
  }
  runBackendConformance({
    ...host,
    backend: chosen.backend,
    ...(chosen.backend === 'cpu' ? {} : { reference: 'cpu' }),
  });
  const cases = filter ? host.cases.filter((c) => filter.test(`${c.group.join(' ')} ${c.name}`)) : host.cases;
  scope.postMessage({
    type: 'started',
    backend: chosen.backend,
    device: chosen.adapter,
    total: cases.length,
  });
  const results = await runCases(
    cases,
    (result, index) => scope.postMessage({ type: 'result', index, result }),
    () => stop,
  );
  const passed = results.filter((r) => r.ok).length;
  scope.postMessage({ type: 'done', passed, failed: results.length - passed });
}

scope.onmessage = (event) => {
  if (event.data.type === 'stop') {
    stop = true;
    return;
  }
  stop = false;
  run(event.data).catch((error: unknown) =>
    scope.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
};

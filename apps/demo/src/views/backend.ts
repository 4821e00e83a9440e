// The Backend view: which backend computes and on which adapter — WebGPU when the browser
// gives one, else the WebAssembly backend (else the CPU one), and why — with the
// adapter's buffer limit, and a
// button that runs tensor-core's conformance suite here (in its own worker) and lists
// pass / fail per op, with a plain-text report to paste into a bug report.

import type { CaseResult } from '../conformance/runner.js';
import type { ConformanceMessage, ConformanceRequest } from '../conformance/worker.js';
import { el } from '../ui/dom.js';
import type { WorkerMessage } from '../worker/protocol.js';
import type { ViewContext } from './context.js';

const BACKEND_PACKAGES = {
  webgpu: 'WebGPU (@tensorlm/backend-webgpu)',
  wasm: 'WebAssembly SIMD (@tensorlm/backend-wasm)',
  cpu: 'CPU, JavaScript typed arrays (@tensorlm/backend-cpu)',
} as const;

export function backendView(ctx: ViewContext): HTMLElement {
  const summary = el('p', { 'data-testid': 'backend-summary', text: 'starting…' });
  const details = el('dl', { class: 'facts', 'data-testid': 'backend-details' });
  ctx.client.listen((m: WorkerMessage) => {
    if (m.type !== 'ready') return;
    summary.dataset.backend = m.backend;
    summary.className = m.backend === 'webgpu' ? 'ok' : 'warn';
    summary.textContent =
      m.backend === 'webgpu'
        ? `Training and generation run on WebGPU, on the adapter ${m.adapter ?? '(unnamed)'}.`
        : m.backend === 'wasm'
          ? `WebGPU is not used: ${m.fallback ?? 'another backend was chosen'}. Everything runs on the WebAssembly SIMD backend, on this computer's processor: ${m.adapter}.`
          : `WebGPU is not used: ${m.fallback ?? 'the CPU was chosen'}. Everything runs on the CPU backend (JavaScript typed arrays, one thread), the slowest.`;
    const row = (term: string, value: string) => [el('dt', { text: term }), el('dd', { text: value })];
    details.replaceChildren(
      ...row('backend', BACKEND_PACKAGES[m.backend]),
      ...row(m.backend === 'webgpu' ? 'adapter' : 'device', m.adapter ?? 'unnamed'),
      ...row(
        'largest buffer',
        m.maxStorageBytes === null
          ? 'no limit but memory'
          : `${(m.maxStorageBytes / 2 ** 20).toFixed(0)} MiB`,
      ),
      ...row('navigator.gpu', 'gpu' in navigator ? 'present' : 'missing'),
      ...row(
        'cross-origin isolated',
        globalThis.crossOriginIsolated
          ? 'yes: the WebAssembly backend may use a helper thread'
          : 'no: the WebAssembly backend runs on one thread',
      ),
      ...row(
        'URL',
        '?backend=wasm or ?backend=cpu picks that backend; ?backend=webgpu (or auto) tries WebGPU first',
      ),
    );
  });

  const filter = el('input', {
    type: 'text',
    name: 'conformance-filter',
    size: 24,
    placeholder: 'all cases (or a pattern: matmul|softmax)',
    'data-testid': 'conformance-filter',
  });
  const run = el('button', {
    type: 'button',
    text: 'Run the conformance suite here',
    'data-testid': 'conformance-run',
  });
  const status = el('p', { 'data-testid': 'conformance-status', role: 'status' });
  const table = el('table', { class: 'conformance', 'data-testid': 'conformance-results' });
  const report = el('textarea', { rows: 6, cols: 80, readonly: true, 'data-testid': 'conformance-report' });
  report.hidden = true;
  let worker: Worker | null = null;
  let results: CaseResult[] = [];
  let header = '';

  const finish = () => {
    worker?.terminate();
    worker = null;
    run.textContent = 'Run the conformance suite here';
  };
  run.addEventListener('click', () => {
    if (worker) {
      worker.postMessage({ type: 'stop' } satisfies ConformanceRequest);
      finish();
      status.textContent += ' — stopped';
      return;
    }
    results = [];
    table.replaceChildren(
      el(
        'tr',
        {},
        el('th', { text: 'group' }),
        el('th', { text: 'case' }),
        el('th', { text: 'result' }),
        el('th', { text: 'ms' }),
      ),
    );
    report.hidden = true;
    status.className = '';
    status.textContent = 'starting the suite…';
    delete status.dataset.done;
    run.textContent = 'Stop';
    worker = new Worker(new URL('../conformance/worker.ts', import.meta.url), { type: 'module' });
    worker.onerror = (event) => {
      status.className = 'error';
      status.textContent = `the conformance worker failed: ${event.message || 'it did not start'}`;
      finish();
    };
    worker.onmessage = (event: MessageEvent<ConformanceMessage>) => {
      const m = event.data;
      switch (m.type) {
        case 'started':
          header = `tensorlm conformance on ${m.backend}${m.device ? ` (${m.device})` : ''}, ${navigator.userAgent}`;
          status.textContent = `${m.total} cases on ${m.backend}${m.device ? ` (${m.device})` : ''}…`;
          status.dataset.total = String(m.total);
          break;
        case 'result':
          results.push(m.result);
          table.append(
            el(
              'tr',
              { class: m.result.ok ? 'pass' : 'fail', 'data-ok': String(m.result.ok) },
              el('td', { text: m.result.group }),
              el('td', { text: m.result.name }),
              el('td', { text: m.result.ok ? 'pass' : `FAIL: ${m.result.error}` }),
              el('td', { text: m.result.ms.toFixed(0) }),
            ),
          );
          status.textContent = `${results.length} of ${status.dataset.total} cases run…`;
          break;
        case 'done': {
          status.className = m.failed === 0 ? 'ok' : 'error';
          status.textContent = `${m.passed} passed, ${m.failed} failed`;
          status.dataset.done = 'true';
          const failed = results.filter((r) => !r.ok).map((r) => `FAIL ${r.group} › ${r.name}: ${r.error}`);
          report.value = [header, `${m.passed} passed, ${m.failed} failed`, ...failed].join('\n');
          report.hidden = false;
          finish();
          break;
        }
        case 'error':
          status.className = 'error';
          status.textContent = m.message;
          status.dataset.done = 'true';
          finish();
          break;
      }
    };
    worker.postMessage({
      type: 'run',
      backend: ctx.settings.backend,
      filter: filter.value,
    } satisfies ConformanceRequest);
  });

  return el(
    'section',
    {},
    summary,
    details,
    el('h3', { text: 'conformance suite' }),
    el(
      'p',
      { class: 'intro' },
      'The same backend tests tensorlm runs in CI — every op forward against a float64 reference, backward against finite differences, ',
      'compared with the CPU backend — run here on this browser. Failures are worth a bug report: paste the text below.',
    ),
    el('div', { class: 'controls' }, el('label', {}, 'only cases matching ', filter), run),
    status,
    table,
    report,
  );
}

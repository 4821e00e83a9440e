// `pnpm bench` for the wasm backend: W1 (matmul N = 1024), W2 (mini GPT train step) and
// W5 (BERT-base forward) of ../shared/bench/WORKLOADS.md, side by side in one run on
// backend-wasm (1 and 2 threads), TensorFlow.js's wasm backend (XNNPACK; 1 thread, and
// 2 with its threaded build forced on under Node) and tensorlm's JS CPU backend, with
// the ratio tensorlm-wasm / tfjs-wasm per workload. Each (system, workload) runs in its
// own child process (tfjs fixes its thread count when its backend starts), workload by
// workload so that the machine's load drifts over every system of a row alike; medians
// of ≥ 5 after a warm-up. The machine's load average is printed before and after: on a
// shared machine compare the ratios within a run, not figures across runs.
//
// Env: BENCH_WORKLOADS (default W1,W2,W5; add W3 for GPT-2 124M's train step, tensorlm
// wasm 2 threads only: minutes per step), BENCH_SYSTEMS (default all five below),
// BENCH_SIZES (W1's N, default 1024), BENCH_REPS (default 5).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '@tensorlm/bench-harness';
import type { BenchResult, WorkloadId } from './shapes.js';

const here = dirname(fileURLToPath(import.meta.url));

interface System {
  name: string;
  script: string;
  arg: string;
}

const SYSTEMS: System[] = [
  { name: 'tensorlm wasm-1t', script: 'tensorlm-workloads.ts', arg: 'wasm-1t' },
  { name: 'tensorlm wasm-2t', script: 'tensorlm-workloads.ts', arg: 'wasm-2t' },
  { name: 'tfjs-wasm 1t', script: 'tfjs-workloads.ts', arg: '1' },
  { name: 'tfjs-wasm 2t', script: 'tfjs-workloads.ts', arg: '2' },
  { name: 'tensorlm cpu', script: 'tensorlm-workloads.ts', arg: 'cpu' },
];

const workloads = (process.env.BENCH_WORKLOADS ?? 'W1,W2,W5').split(',') as WorkloadId[];
const wanted = process.env.BENCH_SYSTEMS?.split(',');
const systems = SYSTEMS.filter((s) => !wanted || wanted.includes(s.name) || wanted.includes(s.arg));

function runChild(system: System, workload: WorkloadId): BenchResult[] | string {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, join(here, system.script), system.arg, workload],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: process.env,
    },
  );
  const results = child.stdout
    .split('\n')
    .filter((line) => line.startsWith('RESULT '))
    .map((line) => JSON.parse(line.slice(7)) as BenchResult);
  if (results.length > 0) return results;
  const why = `${child.stderr}${child.stdout}`.split('\n').filter((l) => /Error|error/.test(l));
  return why[0]?.trim().slice(0, 160) ?? `exit code ${String(child.status)}`;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
const loadBefore = load();
const started = Date.now();
const results: BenchResult[] = [];
const failures: string[] = [];
for (const workload of workloads) {
  // W3 (GPT-2 124M train step) runs on tensorlm's wasm backend with 2 threads only:
  // tfjs-wasm did not finish it (WORKLOADS.md) and the CPU backend takes hours.
  const these = workload === 'W3' ? systems.filter((s) => s.arg === 'wasm-2t') : systems;
  for (const system of these) {
    const out = runChild(system, workload);
    if (typeof out === 'string') failures.push(`${system.name} ${workload}: ${out}`);
    else {
      results.push(...out);
      for (const r of out)
        console.log(
          `${r.system} ${r.workload}${r.detail ? ` (${r.detail})` : ''}: ${r.value.toFixed(2)} ${r.unit}`,
        );
    }
  }
}

const rows: (string | number)[][] = [
  ['workload', 'unit', ...systems.map((s) => s.name), 'wasm-2t / tfjs 2t', 'wasm-1t / tfjs 1t'],
];
/** A table row: the workload, and W1's N. */
const keyOf = (r: BenchResult) => `${r.workload}${r.detail?.startsWith('N=') ? ` ${r.detail}` : ''}`;
const keys = [...new Set(results.map(keyOf))];
const resultOf = (system: string, key: string) =>
  results.find((r) => r.system === system && keyOf(r) === key);
const unitOf = (key: string) => results.find((r) => keyOf(r) === key)!.unit;
const digitsOf = (unit: string) => (unit === 'seq/s' ? 3 : unit === 'tokens/s' ? 0 : 1);
for (const key of keys) {
  const of = (system: string) => resultOf(system, key);
  const unit = unitOf(key);
  const digits = digitsOf(unit);
  const ratio = (x: string, y: string) => {
    const a = of(x);
    const b = of(y);
    return a && b ? `${(a.value / b.value).toFixed(2)}×` : '';
  };
  rows.push([
    key,
    unit,
    ...systems.map((s) => of(s.name)?.value.toFixed(digits) ?? ''),
    ratio('tensorlm wasm-2t', 'tfjs-wasm 2t'),
    ratio('tensorlm wasm-1t', 'tfjs-wasm 1t'),
  ]);
}
console.log(
  `\nmedians of ≥ 5 after a warm-up; load average (1 / 5 / 15 min) ${loadBefore} before, ${load()} after; ${Math.round((Date.now() - started) / 1000)} s`,
);
console.log(formatTable(rows));
// The same work per CPU-second (process CPU time of all its threads): other processes on
// a shared machine stretch the wall clock far more than this, so it separates a kernel's
// efficiency from the load (it cannot show a thread's gain: two threads at full speed
// read like one).
const cpuRows: (string | number)[][] = [['per CPU-second', 'unit', ...systems.map((s) => s.name)]];
for (const key of keys) {
  const unit = unitOf(key);
  const digits = digitsOf(unit);
  cpuRows.push([
    key,
    unit.replace('/s', ' per CPU-s'),
    ...systems.map((s) => {
      const r = resultOf(s.name, key);
      return r?.cpuMs ? ((r.value * r.medianMs) / r.cpuMs).toFixed(digits) : '';
    }),
  ]);
}
console.log(formatTable(cpuRows));
const w3 = results.find((r) => r.workload === 'W3');
if (w3)
  console.log(
    `W3: ${w3.value.toFixed(1)} tokens/s on ${w3.system} (PyTorch CPU, WORKLOADS.md: 55; half of it: 27.5)`,
  );
for (const f of failures) console.log(`failed: ${f}`);

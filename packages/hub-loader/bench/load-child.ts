// One timed load for bench/run.ts, in a process of its own so its peak memory is its own:
// `fromPretrained(folder)` on the cpu backend, with the resident set measured around it.
// The baseline is the RSS once everything is imported and the backend is up; the peak is
// the kernel's high-water mark (VmHWM), reset to the baseline first through
// /proc/self/clear_refs, and, as a cross-check (and where /proc is missing), the largest
// process.memoryUsage().rss seen by a 2 ms sampler. Prints one JSON line.
import '@tensorlm/backend-cpu';
import { readFileSync, writeFileSync } from 'node:fs';
import { setBackend } from '@tensorlm/tensor-core';
import { fromPretrained } from '../src/index.js';

const folder = process.argv[2];
if (!folder) throw new Error('usage: load-child.ts FOLDER');

function highWaterMarkBytes(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

await setBackend('cpu');
(globalThis as { gc?: () => void }).gc?.();
const baseline = process.memoryUsage().rss;
let hwmReset = false;
try {
  writeFileSync('/proc/self/clear_refs', '5'); // Linux ≥ 4.0: VmHWM := current RSS
  hwmReset = true;
} catch {
  // Not Linux, or not permitted: the sampler alone says the peak.
}
let sampledPeak = baseline;
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
}, 2);

const t0 = performance.now();
const loaded = await fromPretrained(folder);
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const after = process.memoryUsage().rss;
sampledPeak = Math.max(sampledPeak, after);
const hwm = hwmReset ? highWaterMarkBytes() : null;
const parameterBytes = loaded.model.numParameters() * 4;
loaded.model.dispose();

console.log(
  JSON.stringify({
    seconds,
    baseline,
    peak: Math.max(hwm ?? 0, sampledPeak),
    hwm,
    sampledPeak,
    after,
    parameterBytes,
    weights: loaded.report.weights,
  }),
);
process.exit(0);

// Profiles one cached decoding step of W4 (GPT-2 124M shape, batch 1) on the WebGPU
// backend, where GPU timestamps are unavailable (llvmpipe): counts the step's dispatches,
// submits and new bind groups; times the step with whole kernel families skipped (process
// CPU time, which a loaded machine disturbs far less than wall time: llvmpipe's threads
// are in this process); then replays each distinct dispatch alone, `REPEAT` times per
// submit (hot caches: a lower bound), for the per-kernel cost. Run from packages/decoding:
// `npx tsx --conditions=source bench/profile-step.ts` (PROFILE_MODEL=gpt2|gpt-mini,
// PROFILE_REPEAT=20, PROFILE_CAPACITY=54; PROFILE_COUNT_ONLY=1 stops after the step's
// dispatch count, listed by kernel, with no timing; PROFILE_SEQUENCE=1 adds them in order).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import '@tensorlm/backend-webgpu';
import type { WebGPUBackend } from '@tensorlm/backend-webgpu';
import { GPT2LMHeadModel, type GPTPresetName, gptConfig, type LayerPast } from '@tensorlm/nn';
import {
  disposeTensors,
  forEachTensor,
  getBackend,
  manualSeed,
  noGrad,
  setBackend,
  tensor,
  tidy,
} from '@tensorlm/tensor-core';

const REPEAT = Number(process.env.PROFILE_REPEAT ?? 20);
// Positions the cache buffers hold (generate asks for prompt + new tokens); 0: concatenated per step.
const CAPACITY = Number(process.env.PROFILE_CAPACITY ?? 54);
const preset = (process.env.PROFILE_MODEL ?? 'gpt2') as GPTPresetName;
const COUNT_ONLY = process.env.PROFILE_COUNT_ONLY === '1';

await setBackend('webgpu');
const backend = getBackend() as WebGPUBackend;
const rt = backend.runtime;
manualSeed(0);
const model = new GPT2LMHeadModel(gptConfig(preset, { vocabSize: 50257, blockSize: 1024 })).eval();
console.log(`${preset} on ${String(backend.describe().device)}, binding limit ${rt.bindingLimit}`);

interface Recorded {
  kernel: string;
  pipeline: GPUComputePipeline;
  buffers: Parameters<typeof rt.dispatch>[2];
  params: Parameters<typeof rt.dispatch>[3];
  workgroups: Parameters<typeof rt.dispatch>[4];
}
let recording: Recorded[] | null = null;
let skip: RegExp | null = null;
const dispatch = rt.dispatch.bind(rt);
rt.dispatch = (kernel, pipeline, buffers, params, workgroups) => {
  recording?.push({ kernel, pipeline, buffers, params, workgroups });
  if (skip?.test(kernel)) return;
  dispatch(kernel, pipeline, buffers, params, workgroups);
};

/** One cached step: the new token after `past` (S positions); returns the new cache. */
function step(
  past: LayerPast[] | null,
  ids: number[],
): { past: LayerPast[]; next: ReturnType<typeof tensor> } {
  return noGrad(() =>
    tidy(() => {
      const input = tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32', backend });
      const out = model.forward(input, {
        pastKeyValues: past,
        useCache: true,
        cacheCapacity: CAPACITY,
        logitsToKeep: 1,
      });
      for (const layer of out.pastKeyValues!) {
        layer.key.keep();
        layer.value.keep();
      }
      const next = out.logits.reshape([1, -1]).argmax(-1);
      return { past: out.pastKeyValues!, next };
    }),
  );
}

/** Frees the tensors of `cache` that `kept` does not share (in-place caches share buffers). */
function disposeExcept(cache: LayerPast[], kept: LayerPast[] | null): void {
  const keep = new Set<unknown>();
  forEachTensor(kept, (t) => keep.add(t));
  forEachTensor(cache, (t) => {
    if (!keep.has(t)) t.dispose();
  });
}

// Prompt (4 tokens), then 8 steps to warm pipelines, pools and bind groups.
let { past, next } = step(null, [464, 2068, 7586, 21831]);
await next.data();
for (let i = 0; i < 8; i++) {
  const old = past;
  ({ past, next } = step(past, [Number((await next.data())[0])]));
  disposeExcept(old, past);
}
const token = Number((await next.data())[0]);

// The measured step: encode time, then wall time to the readback.
const submits0 = rt.submits;
const groups0 = rt.bindGroupsCreated;
recording = [];
const t0 = performance.now();
const stepOut = step(past, [token]);
const t1 = performance.now();
await stepOut.next.data();
const t2 = performance.now();
const recorded = recording;
recording = null;
console.log(
  `step at S=${past[0]!.key.shape[2]}: ${recorded.length} dispatches, ${rt.submits - submits0} submits, ${rt.bindGroupsCreated - groups0} new bind groups; encode ${(t1 - t0).toFixed(1)} ms, wall ${(t2 - t0).toFixed(1)} ms`,
);
if (COUNT_ONLY) {
  const byKernel = new Map<string, number>();
  for (const r of recorded) byKernel.set(r.kernel, (byKernel.get(r.kernel) ?? 0) + 1);
  if (process.env.PROFILE_SEQUENCE === '1') console.log(recorded.map((r) => r.kernel).join('\n'));
  for (const [kernel, count] of [...byKernel].sort((a, b) => b[1] - a[1]))
    console.log(`  ${count}\t${kernel}`);
  process.exit(0);
}

// In-situ cost of kernel families: the step's wall time with them skipped (min of 5 steps each).
{
  const families = [null, /^matvec:T/, /^matvec:(N|split)/, /^matvec/, /^(?!matvec)/, /.*/];
  const results: string[] = [];
  for (let round = 0; round < 5; round++) {
    for (const [f, family] of families.entries()) {
      skip = family;
      const c0 = process.cpuUsage();
      const t = performance.now();
      const o = step(past, [token]);
      const te = performance.now();
      await o.next.data();
      const ms = performance.now() - t;
      const c = process.cpuUsage(c0);
      const cpu = (c.user + c.system) / 1000;
      const prev = results[f] ? Number(results[f]!.split(' ')[1]) : Infinity;
      if (cpu < prev)
        results[f] =
          `${String(family)} ${cpu.toFixed(1)} (cpu ms; wall ${ms.toFixed(1)}, encode ${(te - t).toFixed(1)})`;
      disposeExcept(o.past, past);
      o.next.dispose();
    }
  }
  skip = null;
  console.log('step wall (min of 5) with kernels skipped:');
  for (const r of results) console.log('  skip', r);
}

// Replays: each distinct (kernel, workgroups) once per group, REPEAT times in one submit.
const groups = new Map<string, { sample: Recorded; count: number }>();
for (const r of recorded) {
  const key = `${r.kernel} ${JSON.stringify(r.workgroups)}`;
  const g = groups.get(key);
  if (g) g.count++;
  else groups.set(key, { sample: r, count: 1 });
}
await rt.sync().catch(() => {});
const rows: { key: string; count: number; ms: number }[] = [];
for (const [key, { sample, count }] of groups) {
  if (/index|embedding|gather/i.test(sample.kernel)) {
    // Index kernels read recycled index buffers on replay: a bad index would be reported.
  }
  const t = performance.now();
  for (let i = 0; i < REPEAT; i++)
    dispatch(sample.kernel, sample.pipeline, sample.buffers, sample.params, sample.workgroups);
  await rt.sync().catch(() => {});
  const ms = (performance.now() - t) / REPEAT;
  rows.push({ key, count, ms });
}
// An empty submit's cost, to read the replay figures against.
const te = performance.now();
for (let i = 0; i < 5; i++) await rt.sync();
const syncMs = (performance.now() - te) / 5;
rows.sort((a, b) => b.count * b.ms - a.count * a.ms);
let total = 0;
console.log('\nkernel [workgroups] | count | ms each | ms in step');
for (const r of rows) {
  total += r.count * r.ms;
  console.log(`${r.key} | ${r.count} | ${r.ms.toFixed(3)} | ${(r.count * r.ms).toFixed(2)}`);
}
console.log(`sum of replayed kernels: ${total.toFixed(1)} ms; an empty sync: ${syncMs.toFixed(2)} ms`);
// Linux: CPU seconds per thread of this process, so llvmpipe's compute threads can be
// seen sharing the work (a step spread over every core at quiet times).
if (existsSync('/proc/self/task')) {
  const threads = readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    return { name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), seconds: ticks / 100 };
  });
  const busy = threads.filter((t) => t.seconds >= 0.5).sort((a, b) => b.seconds - a.seconds);
  console.log(
    `threads with ≥ 0.5 s CPU: ${busy.map((t) => `${t.name} ${t.seconds.toFixed(1)} s`).join(', ')}`,
  );
}
disposeExcept(stepOut.past, past);
disposeTensors(past);
process.exit(0);

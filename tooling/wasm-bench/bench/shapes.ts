// The workload shapes of ../shared/bench/WORKLOADS.md shared by the tensorlm and the
// TensorFlow.js sides of the bench, and the line protocol between the bench's child
// processes and bench/run.ts (one `RESULT {json}` line per measured workload).
import { type Measurement, measure, median } from '@tensorlm/bench-harness';

/** W2: the toy-grammar "mini GPT" (GELU tanh, pre-LN, tied head, dropout 0.1), batch 512 × 20. */
export const W2 = {
  vocab: 39,
  positions: 128,
  embd: 64,
  layers: 3,
  heads: 8,
  batch: 512,
  length: 20,
} as const;

/** W3: the GPT-2 124M shape (qkv bias off in WORKLOADS; dropout 0.1), batch 2 × 256. */
export const W3 = {
  vocab: 50257,
  positions: 1024,
  embd: 768,
  layers: 12,
  heads: 12,
  batch: 2,
  length: 256,
} as const;

/** W5: BERT-base encoder (12 × 768, 12 heads, intermediate 3072), batch 1 × 128, erf GELU. */
export const W5 = {
  vocab: 30522,
  positions: 512,
  hidden: 768,
  layers: 12,
  heads: 12,
  intermediate: 3072,
  batch: 1,
  length: 128,
} as const;

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W5';

export interface BenchResult {
  system: string;
  workload: WorkloadId;
  /** The figure WORKLOADS.md asks for (GFLOP/s, tokens/s or sequences/s). */
  value: number;
  unit: string;
  medianMs: number;
  samplesMs: number[];
  /** Median process CPU time per repetition (all threads): less sensitive to other load. */
  cpuMs?: number;
  detail?: string;
}

export function report(result: BenchResult): void {
  console.log(`RESULT ${JSON.stringify(result)}`);
}

/** Deterministic token ids in [0, vocab) (a small LCG: both sides see the same batch). */
export function tokenIds(count: number, vocab: number, seed = 1): Int32Array {
  const ids = new Int32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    ids[i] = s % vocab;
  }
  return ids;
}

/** bench-harness's `measure`, also recording each repetition's process CPU time (all threads). */
export async function measureCpu(
  fn: () => Promise<void>,
  options: { warmup: number; repetitions: number },
): Promise<Measurement & { cpuMs: number }> {
  const cpu: number[] = [];
  let timed = -options.warmup;
  const m = await measure(async () => {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    if (timed++ >= 0) cpu.push((used.user + used.system) / 1000);
  }, options);
  return { ...m, cpuMs: median(cpu) };
}

/** Timed repetitions per workload (WORKLOADS.md: medians of at least 5 after a warm-up). */
export const REPETITIONS = Math.max(5, Number(process.env.BENCH_REPS ?? 5));

// Benchmark harness shared by every package's `pnpm bench`: warm-up runs, timed
// repetitions, medians, and a plain table. Figures are medians of at least five
// repetitions, as ../shared/bench/WORKLOADS.md asks; compare only within one run.
import { performance } from 'node:perf_hooks';

export interface MeasureOptions {
  /** Untimed runs first, to let the JIT, caches and pools settle. */
  warmup?: number;
  /** Timed repetitions (at least 5). */
  repetitions?: number;
  /** Stop adding repetitions past this many milliseconds (after the minimum of 5). */
  maxMillis?: number;
}

export interface Measurement {
  medianMs: number;
  minMs: number;
  maxMs: number;
  samplesMs: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median() of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times `fn` (sync or async): warm-up, then repetitions; returns the median. */
export async function measure(fn: () => unknown, options: MeasureOptions = {}): Promise<Measurement> {
  const warmup = options.warmup ?? 1;
  const repetitions = Math.max(5, options.repetitions ?? 5);
  const maxMillis = options.maxMillis ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < warmup; i++) await fn();
  const samplesMs: number[] = [];
  const started = performance.now();
  for (let i = 0; i < repetitions; i++) {
    const t0 = performance.now();
    await fn();
    samplesMs.push(performance.now() - t0);
    if (i >= 4 && performance.now() - started > maxMillis) break;
  }
  return {
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    samplesMs,
  };
}

/** Renders rows as an aligned plain-text table (first row is the header). */
export function formatTable(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const [header, ...body] = cells;
  if (!header) return '';
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

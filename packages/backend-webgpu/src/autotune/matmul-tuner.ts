// Matmul tiles by measurement: the first time a shape class (tiles.ts' `shapeClass`)
// is multiplied, it runs with the default tile and the class is queued; at the next
// point where the caller already waits for the GPU (a readback or sync), each tile
// the device can run is timed on a product of that class (scratch buffers, one warm-up
// that also compiles, then a few runs, submit + onSubmittedWorkDone around them) and
// the fastest is used from then on — in memory, and persisted per adapter (./store.ts).
// Tiles differ in blocking only; each output still sums k in order, so a tuned tile
// changes speed, not results. Off unless asked for or on a hardware adapter outside
// tests (`autotuneEnabled`), so test runs and llvmpipe stay deterministic and cheap.
import type { MatmulParams } from '@tensorlm/tensor-core';
import { WebGPUError } from '../errors.js';
import type { TileConfig } from '../kernels/matmul/plan.js';
import { denseLayout, matmulKernel } from '../kernels/matmul/shaders.js';
import {
  candidatesFor,
  defaultTile,
  shapeClass,
  TILE_CANDIDATES,
  type TileLimits,
  tileNamed,
} from '../kernels/matmul/tiles.js';
import type { GpuRuntime } from '../runtime.js';
import type { TuneStore } from './store.js';

/**
 * Whether to autotune: the option when given, else TENSORLM_WEBGPU_AUTOTUNE (1/on/true,
 * 0/off/false), else on for a hardware adapter outside a test run (VITEST unset).
 */
export function autotuneEnabled(
  option: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
  softwareAdapter: boolean,
): boolean {
  if (option !== undefined) return option;
  const raw = env.TENSORLM_WEBGPU_AUTOTUNE?.trim().toLowerCase();
  if (raw) {
    if (['1', 'on', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'off', 'false', 'no'].includes(raw)) return false;
    throw new WebGPUError(
      'WEBGPU_BAD_OPTION',
      `TENSORLM_WEBGPU_AUTOTUNE='${env.TENSORLM_WEBGPU_AUTOTUNE}' is not one of 1, on, true, 0, off, false`,
    );
  }
  return !softwareAdapter && !env.VITEST;
}

export interface TunerOptions {
  readonly enabled: boolean;
  readonly limits: TileLimits;
  readonly store: TuneStore;
  /** The adapter's key in the store (adapter.ts' `adapterKey`). */
  readonly adapterKey: string;
  /** Tiles to choose among (default: TILE_CANDIDATES, filtered by the limits). */
  readonly candidates?: readonly TileConfig[];
  /** Wall time one shape class may spend timing candidates, compiles included (default 2 s). */
  readonly budgetMs?: number;
  /** Runs each timed candidate this many times at most (default 8). */
  readonly maxRepetitions?: number;
  /** Most loop iterations one invocation may run (the runtime's loopLimit: llvmpipe's 65,535). */
  readonly loopLimit?: number;
}

/** One tuned shape class: the winner and every candidate's mean ms (null: failed to run). */
export interface TuneResult {
  readonly shapeClass: string;
  readonly tile: string;
  readonly timings: Readonly<Record<string, number | null>>;
}

/** Loop iterations one invocation of `tile` runs for `p` (what shaders.ts checks before dispatching). */
export function tileLoops(tile: TileConfig, p: Pick<MatmulParams, 'k' | 'batchShape'>): number {
  return p.batchShape.length + Math.ceil(p.k / tile.d) * (tile.d + 1);
}

/** Batches a tuning product takes at most (a class's batch count is rounded anyway). */
const MAX_TUNE_BATCHES = 64;
/** Time each candidate runs for, in repetitions after the warm-up. */
const TARGET_MS = 10;
/**
 * A candidate replaces the default tile only when at least this much faster: timings on
 * a busy machine wobble by a few percent, and a tie should keep the tested default.
 */
export const MIN_GAIN = 0.05;

/** The winner of `timings`: the fastest, unless it beats `fallback` by less than MIN_GAIN. */
export function pickTile(timings: Readonly<Record<string, number | null>>, fallback: string): string | null {
  let best: string | null = null;
  for (const [name, ms] of Object.entries(timings))
    if (ms !== null && (best === null || ms < timings[best]!)) best = name;
  const base = timings[fallback];
  if (best !== null && typeof base === 'number' && timings[best]! > (1 - MIN_GAIN) * base) return fallback;
  return best;
}

export class MatmulTuner {
  #enabled: boolean;
  readonly #options: TunerOptions;
  readonly #candidates: readonly TileConfig[];
  readonly #decisions = new Map<string, TileConfig>();
  readonly #pending = new Map<string, MatmulParams>();
  /** Classes tuned (or given up on) in this process: never queued again. */
  readonly #settled = new Set<string>();
  readonly results: TuneResult[] = [];
  readonly #loopLimit: number;

  constructor(options: TunerOptions) {
    this.#options = options;
    this.#enabled = options.enabled;
    this.#candidates = options.candidates ?? TILE_CANDIDATES;
    this.#loopLimit = options.loopLimit ?? Number.POSITIVE_INFINITY;
    if (!this.enabled) return;
    for (const [shape, name] of Object.entries(options.store.load(options.adapterKey))) {
      const tile = tileNamed(name, this.#candidates);
      // A name this version does not know (the candidates changed) is tuned afresh.
      if (tile && candidatesFor({ m: 1 << 30, n: 1 << 30 }, options.limits, this.#candidates).includes(tile))
        this.#decisions.set(shape, tile);
    }
  }

  /** The tile for a product: the class's tuned winner, else the default (queuing the class). */
  tileFor(p: MatmulParams, splitK: boolean): TileConfig {
    const fallback = defaultTile(p, this.#options.limits);
    if (!this.enabled || splitK) return fallback;
    const shape = shapeClass(p);
    const tuned = this.#decisions.get(shape);
    // A shallower tile loops more often: past the adapter's loop limit, the default runs.
    if (tuned) return tileLoops(tuned, p) <= this.#loopLimit ? tuned : fallback;
    if (!this.#settled.has(shape) && !this.#pending.has(shape)) this.#pending.set(shape, p);
    return fallback;
  }

  /** Whether products are timed on first use (off: the default tiles, always). */
  get enabled(): boolean {
    return this.#enabled;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Stops tuning for good (after a failure): queued classes keep their default tiles. */
  stop(): void {
    this.#enabled = false;
    this.#pending.clear();
  }

  /** Tunes every queued class (called by the runtime when the caller waits anyway). */
  async runPending(rt: GpuRuntime): Promise<void> {
    while (this.#pending.size > 0) {
      const [shape, p] = this.#pending.entries().next().value as [string, MatmulParams];
      this.#pending.delete(shape);
      this.#settled.add(shape);
      const result = await this.tune(rt, p);
      if (!result) continue;
      this.results.push({ ...result, shapeClass: shape });
      const tile = tileNamed(result.tile, this.#candidates);
      if (tile) this.#decisions.set(shape, tile);
      const entries: Record<string, string> = {};
      for (const [s, t] of this.#decisions) entries[s] = t.name;
      this.#options.store.save(this.#options.adapterKey, entries);
    }
  }

  /**
   * Times each candidate on a dense product of `p`'s class (m, n, k, transposes, up to
   * 64 batches) and returns the fastest (`pickTile`); null when the scratch would not fit a binding.
   */
  async tune(rt: GpuRuntime, p: MatmulParams): Promise<Omit<TuneResult, 'shapeClass'> | null> {
    const batches = Math.min(
      MAX_TUNE_BATCHES,
      p.batchShape.reduce((a, b) => a * b, 1),
    );
    const product: MatmulParams = {
      ...p,
      batchShape: batches > 1 ? [batches] : [],
      aBatchStrides: batches > 1 ? [p.m * p.k] : [],
      bBatchStrides: batches > 1 ? [p.k * p.n] : [],
    };
    const bytes = [p.m * p.k, p.k * p.n, p.m * p.n].map((e) => e * batches * 4);
    if (Math.max(...bytes) > rt.bindingLimit) return null;
    const [a, b, c] = bytes.map((n) => rt.allocate(n));
    const timings: Record<string, number | null> = {};
    const budget = this.#options.budgetMs ?? 2000;
    const maxRepetitions = this.#options.maxRepetitions ?? 8;
    const start = performance.now();
    try {
      for (const tile of candidatesFor(p, this.#options.limits, this.#candidates)) {
        if (performance.now() - start > budget && Object.keys(timings).length > 0) break;
        if (tileLoops(tile, product) > this.#loopLimit) continue;
        const run = () =>
          matmulKernel(rt, a!.buffer, b!.buffer, c!.buffer, product, denseLayout(product), tile);
        // The warm-up compiles the pipeline; a driver that rejects it costs this candidate only.
        rt.device.pushErrorScope('validation');
        rt.device.pushErrorScope('internal');
        run();
        rt.flush();
        const internal = await rt.device.popErrorScope();
        const validation = await rt.device.popErrorScope();
        await rt.device.queue.onSubmittedWorkDone();
        if (internal || validation) {
          timings[tile.name] = null;
          continue;
        }
        let t0 = performance.now();
        run();
        rt.flush();
        await rt.device.queue.onSubmittedWorkDone();
        const once = performance.now() - t0;
        const repetitions = Math.max(
          1,
          Math.min(maxRepetitions, Math.floor(TARGET_MS / Math.max(once, 1e-3))),
        );
        t0 = performance.now();
        for (let i = 0; i < repetitions; i++) run();
        rt.flush();
        await rt.device.queue.onSubmittedWorkDone();
        timings[tile.name] = (performance.now() - t0) / repetitions;
      }
    } finally {
      for (const storage of [a, b, c]) rt.release(storage!);
    }
    const best = pickTile(timings, defaultTile(p, this.#options.limits).name);
    return best ? { tile: best, timings } : null;
  }
}

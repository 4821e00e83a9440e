// Global execution state: memory scopes (`tidy`), the grad-mode switch (`noGrad`),
// the default random stream, and live-tensor accounting (`memory`). Tensors made
// outside any `tidy` are also freed when garbage-collected, as a safety net.
import type { Backend, BackendMemory, Storage } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { TensorError } from '../errors.js';
import { countersUsed } from '../random/counter-rng.js';
import type { Tensor } from './tensor.js';
import { walkTree } from './tree-walk.js';

/** Device memory shared by a tensor and its views; freed when the last view is disposed. */
export class StorageRef {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
  ) {}

  retain(): this {
    this.refs++;
    return this;
  }

  releaseOne(): void {
    this.refs--;
    if (this.refs === 0) this.backend.release(this.storage);
  }
}

interface FinalizerToken {
  ref: StorageRef;
}

class Engine {
  readonly scopes: Set<Tensor>[] = [];
  gradEnabled = true;
  liveTensors = 0;
  nextTensorId = 1;
  rngSeed = 0x2545f491;
  rngOffset = 0;
  readonly finalizer = new FinalizationRegistry<FinalizerToken>((token) => {
    this.liveTensors--;
    token.ref.releaseOne();
  });

  track(tensor: Tensor, ref: StorageRef): void {
    this.liveTensors++;
    this.finalizer.register(tensor, { ref }, tensor);
    this.scopes.at(-1)?.add(tensor);
  }

  untrack(tensor: Tensor): void {
    this.liveTensors--;
    this.finalizer.unregister(tensor);
  }

  /** Reserves counters for one draw from the default stream. */
  nextRandom(distribution: 'uniform' | 'normal', size: number): { seed: number; offset: number } {
    const offset = this.rngOffset;
    this.rngOffset += countersUsed(distribution, size);
    return { seed: this.rngSeed, offset };
  }
}

export const engine = new Engine();

/** Seeds the default random stream (init, dropout, sampling), as torch.manual_seed. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new TensorError('manualSeed', `seed must be a non-negative safe integer, got ${seed}`);
  }
  engine.rngSeed = seed;
  engine.rngOffset = 0;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

let isTensorFn: ((v: unknown) => v is Tensor) | null = null;
/** @internal Set by tensor.ts to break the import cycle. */
export function setTensorGuard(guard: (v: unknown) => v is Tensor): void {
  isTensorFn = guard;
}

/**
 * Runs `fn` and disposes every tensor it created, except those it returns (found in
 * the result by the rules of `forEachTensor`) and those marked with `keep`.
 * `fn` must be synchronous: an await would let other work's tensors into the scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    engine.scopes.pop();
    for (const t of scope) if (!t.isKept) t.dispose();
    throw error;
  }
  engine.scopes.pop();
  if (isPromiseLike(result)) {
    for (const t of scope) if (!t.isKept) t.dispose();
    throw new TensorError(
      'tidy',
      'the function returned a Promise; tidy() only accepts synchronous functions',
    );
  }
  const returned = new Set<Tensor>();
  if (isTensorFn) walkTree(result, isTensorFn, (t) => returned.add(t));
  const parent = engine.scopes.at(-1);
  for (const t of scope) {
    if (t.isDisposed || t.isKept) continue;
    if (returned.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Runs `fn` with gradient recording off (as torch.no_grad). `fn` must be synchronous. */
export function noGrad<T>(fn: () => T): T {
  const previous = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    return fn();
  } finally {
    engine.gradEnabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return engine.gradEnabled;
}

export interface MemoryInfo {
  /** Tensor objects not yet disposed (views count separately). */
  readonly numTensors: number;
  readonly backend: string;
  readonly device: BackendMemory;
}

export function memory(): MemoryInfo {
  const backend = getBackend();
  return { numTensors: engine.liveTensors, backend: backend.name, device: backend.memory() };
}

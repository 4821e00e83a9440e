// The backend registry: backends register themselves (an instance, or a factory for
// ones that need async set-up such as WebGPU), `setBackend` picks one, `getBackend`
// returns the current one. With no explicit choice, the highest-priority backend that
// is already initialised is used. A backend is checked (its required kernels and
// capabilities) when it is registered, or for a factory when it is created.
import { TensorError } from '../errors.js';
import type { Backend } from './backend.js';
import { assertBackend } from './validate.js';

export interface BackendRegistration {
  readonly name: string;
  /** Higher wins when no backend was chosen explicitly (cpu = 1). */
  readonly priority?: number;
  readonly create: () => Backend | Promise<Backend>;
}

interface Entry {
  readonly registration: BackendRegistration;
  instance: Backend | null;
  pending: Promise<Backend> | null;
}

const entries = new Map<string, Entry>();
let current: Backend | null = null;

/** Registers a backend instance or factory under its name (replacing an earlier one). */
export function registerBackend(
  backend: Backend | BackendRegistration,
  options: { priority?: number } = {},
): void {
  if ('create' in backend) {
    entries.set(backend.name, { registration: backend, instance: null, pending: null });
    return;
  }
  assertBackend(backend, 'registerBackend');
  const registration: BackendRegistration = {
    name: backend.name,
    priority: options.priority ?? 1,
    create: () => backend,
  };
  entries.set(backend.name, { registration, instance: backend, pending: null });
}

export function listBackends(): string[] {
  return [...entries.values()]
    .sort((a, b) => (b.registration.priority ?? 1) - (a.registration.priority ?? 1))
    .map((e) => e.registration.name);
}

/** Creates (once) and returns the named backend without making it current. */
export async function initBackend(name: string): Promise<Backend> {
  const entry = entries.get(name);
  if (!entry) {
    const known = listBackends();
    throw new TensorError(
      'setBackend',
      `no backend named '${name}' is registered (registered: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  if (entry.instance) return entry.instance;
  entry.pending ??= Promise.resolve(entry.registration.create())
    .then((backend) => {
      assertBackend(backend, 'setBackend');
      return backend;
    })
    .then(
      (backend) => {
        entry.instance = backend;
        return backend;
      },
      (error: unknown) => {
        entry.pending = null;
        throw error;
      },
    );
  return entry.pending;
}

/** Makes the named backend current; tensors created afterwards live on it. */
export async function setBackend(name: string): Promise<Backend> {
  const backend = await initBackend(name);
  current = backend;
  return backend;
}

/** Sets an already-created backend as current without awaiting (for synchronous backends). */
export function useBackend(name: string): Backend {
  const entry = entries.get(name);
  if (!entry?.instance) {
    throw new TensorError(
      'useBackend',
      `backend '${name}' is not initialised; await setBackend('${name}') instead`,
    );
  }
  current = entry.instance;
  return current;
}

export function getBackend(): Backend {
  if (current) return current;
  let best: Entry | null = null;
  for (const entry of entries.values()) {
    if (!entry.instance) continue;
    if (!best || (entry.registration.priority ?? 1) > (best.registration.priority ?? 1)) best = entry;
  }
  if (!best?.instance) {
    throw new TensorError(
      'getBackend',
      "no backend is available: import '@tensorlm/backend-cpu' (or another backend) and call setBackend()",
    );
  }
  current = best.instance;
  return current;
}

/** Removes a backend (tests and plugins that unload). */
export function removeBackend(name: string): void {
  const entry = entries.get(name);
  if (entry?.instance && current === entry.instance) current = null;
  entries.delete(name);
}

export interface SelectBackendOptions {
  /** A backend name, or 'auto' (default: $TENSORLM_BACKEND, else 'auto'). */
  preferred?: string;
  /** Where the fallback notice goes (default console.warn). */
  notice?: (line: string) => void;
  /** With 'auto': receives one line on why the chosen backend won (default: not said). */
  explain?: (line: string) => void;
}

/**
 * Makes the best available backend current: the one named by `preferred` or
 * $TENSORLM_BACKEND (an error if it cannot start), otherwise ('auto') the best that
 * starts, with a one-line notice per backend that could not start. 'auto' ranks a
 * backend with its own device memory (a real GPU) above every backend whose storages
 * live in host memory (`capabilities.hostMemory`: cpu, wasm, and a GPU backend on a
 * software adapter such as llvmpipe or SwiftShader, which emulates the GPU on the same
 * CPU cores), then by priority within each group; registration priorities order
 * backends of one kind. `explain` gets one line on why the choice won.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<Backend> {
  // Read through globalThis so browser builds type-check without Node's types.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const fromEnv = env?.TENSORLM_BACKEND;
  const requested = options.preferred ?? fromEnv ?? 'auto';
  if (requested !== 'auto') return setBackend(requested);
  const notice = options.notice ?? ((line: string) => console.warn(line));
  const started: { name: string; backend: Backend; priority: number }[] = [];
  for (const name of listBackends()) {
    try {
      const backend = await initBackend(name);
      const priority = entries.get(name)?.registration.priority ?? 1;
      // Listed by priority: the first with device memory wins outright.
      if (!backend.capabilities.hostMemory) {
        options.explain?.(`${name} has its own device memory (${String(backend.describe().device)})`);
        return setBackend(name);
      }
      started.push({ name, backend, priority });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      notice(`tensorlm: backend '${name}' is unavailable (${reason}); trying the next one`);
    }
  }
  const best = started[0];
  if (!best) {
    throw new TensorError('selectBackend', 'no registered backend could start; import @tensorlm/backend-cpu');
  }
  const others = started.slice(1).map((o) => `${o.name} (${String(o.backend.describe().device)})`);
  options.explain?.(
    others.length === 0
      ? `the only backend that started`
      : `no backend with its own device memory started; ${others.join(' and ')} also compute on this CPU's memory, and ${best.name} ranks first of those`,
  );
  return setBackend(best.name);
}

// The one open architecture registry: what turns a config.json into a model and back, and
// how a checkpoint's tensor names map onto the model's. `fromPretrained` picks the entry
// by config.json's `architectures` (then `model_type`), `savePretrained` by the model's
// class. GPT-2 and BERT are registered by ./builtin.ts; a user adds an architecture with
// `registerArchitecture` without editing this package.
import type { Module } from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';
import { registerBuiltinArchitectures } from './builtin.js';
import type { KeyRules } from './key-rules.js';

/** A registered architecture. `C` is the model's own (validated) config. */
export interface Architecture<C = unknown, M extends Module = Module> {
  /** The Hugging Face class name written to config.json's `architectures` (`GPT2LMHeadModel`). */
  readonly name: string;
  /** config.json's `model_type` (`gpt2`, `bert`). */
  readonly modelType: string;
  /** The model class: `savePretrained` finds a model's architecture by it (exact class). */
  readonly modelClass: abstract new (
    ...args: never[]
  ) => M;
  /** Builds the model (called inside `onMeta` when loading: shapes only, no init). */
  build(config: C): M;
  /**
   * Validates a config.json object into the model's config. Fields the model cannot honour
   * must throw (`unsupportedConfigField`), never be dropped silently.
   */
  configFromHF(json: Record<string, unknown>): C;
  /** The config.json a model of this architecture is saved with (as transformers writes it). */
  configToHF(config: C): Record<string, unknown>;
  /** The model's config (what `configToHF` takes). */
  configOf(model: M): C;
  /** How stored tensor names map onto the model's (prefixes, legacy names, ignored buffers). */
  readonly keyRules: KeyRules;
  /** When true, this entry is the one a bare `model_type` (no `architectures`) selects. */
  readonly defaultForModelType?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: entries differ in their config type.
type AnyArchitecture = Architecture<any, any>;

const REGISTRY = new Map<string, AnyArchitecture>();

/** The built-ins are registered on first use (the package has no import side effects). */
function ensureBuiltins(): void {
  registerBuiltinArchitectures();
}

/** Registers an architecture; a name already taken throws unless `replace` is set. */
export function registerArchitecture<C, M extends Module>(
  architecture: Architecture<C, M>,
  options: { replace?: boolean } = {},
): void {
  ensureBuiltins();
  if (!architecture.name || !architecture.modelType) {
    throw new ModelFolderError(
      'MODEL_REGISTRY_INVALID',
      'registerArchitecture: name and modelType are required',
    );
  }
  if (REGISTRY.has(architecture.name) && !options.replace) {
    throw new ModelFolderError(
      'MODEL_REGISTRY_INVALID',
      `registerArchitecture: '${architecture.name}' is already registered (pass { replace: true } to replace it)`,
    );
  }
  REGISTRY.set(architecture.name, architecture);
}

/** Removes an architecture (tests, or a user replacing a built-in). */
export function unregisterArchitecture(name: string): boolean {
  ensureBuiltins();
  return REGISTRY.delete(name);
}

/** Registered architecture names, in registration order. */
export function listArchitectures(): string[] {
  ensureBuiltins();
  return [...REGISTRY.keys()];
}

export function getArchitecture(name: string): AnyArchitecture | undefined {
  ensureBuiltins();
  return REGISTRY.get(name);
}

/**
 * The architecture a config.json selects: the first of its `architectures` that is
 * registered, else the default entry for its `model_type`. `where` names the file in errors.
 */
export function architectureForConfig(json: Record<string, unknown>, where: string): AnyArchitecture {
  ensureBuiltins();
  const named = Array.isArray(json.architectures) ? json.architectures.map(String) : [];
  for (const name of named) {
    const found = REGISTRY.get(name);
    if (found) return found;
  }
  const modelType = typeof json.model_type === 'string' ? json.model_type : null;
  if (named.length === 0 && modelType !== null) {
    const candidates = [...REGISTRY.values()].filter((a) => a.modelType === modelType);
    const chosen = candidates.find((a) => a.defaultForModelType) ?? candidates[0];
    if (chosen) return chosen;
  }
  const asked =
    named.length > 0
      ? `architectures ${JSON.stringify(named)}`
      : modelType !== null
        ? `model_type '${modelType}'`
        : 'neither architectures nor model_type';
  throw new ModelFolderError(
    'MODEL_ARCHITECTURE_UNKNOWN',
    `${where} names ${asked}; registered: ${listArchitectures().join(', ')} ` +
      "(fromPretrained's `architecture` option picks one of the same model_type; registerArchitecture adds one)",
    { path: where },
  );
}

/** The architecture of a model instance (its exact class); errors list what is registered. */
export function architectureOfModel(model: Module): AnyArchitecture {
  ensureBuiltins();
  for (const architecture of REGISTRY.values()) {
    if (model.constructor === architecture.modelClass) return architecture;
  }
  throw new ModelFolderError(
    'MODEL_ARCHITECTURE_UNKNOWN',
    `no registered architecture for a ${model.typeName} (registered: ${listArchitectures().join(', ')}); registerArchitecture adds one`,
  );
}

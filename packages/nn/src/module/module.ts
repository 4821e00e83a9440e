// The Module base class, as torch.nn.Module: a tree of named children, each owning its
// parameters (trainable leaf tensors) and buffers, with train/eval, state dicts, parameter
// counts and PyTorch-style printing. Subclasses add a `forward`.
import {
  type Backend,
  detach,
  formatShape,
  noGrad,
  type Shape,
  shapesEqual,
  sizeOf,
  type Tensor,
  tensor,
  tidy,
} from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import type { HostTensor } from '../safetensors/read.js';
import { addIndent, formatCount } from './format.js';

let metaDepth = 0;

/**
 * Builds modules inside `fn` with shape-only parameters, as PyTorch's meta device: no
 * memory is allocated and no random init runs. Such a module can be printed, counted and
 * filled by `loadStateDict` (which allocates each parameter from the loaded value); using
 * an unfilled parameter throws.
 */
export function onMeta<T>(fn: () => T): T {
  metaDepth++;
  try {
    return fn();
  } finally {
    metaDepth--;
  }
}

/** True while inside `onMeta`. */
export function isMetaInit(): boolean {
  return metaDepth > 0;
}

/**
 * Where a parameter lives: its shape and, once allocated, its tensor. Two modules holding
 * the same slot share the parameter (tied weights), as two attributes pointing at one
 * torch.nn.Parameter.
 */
export class ParameterSlot {
  constructor(
    readonly shape: Shape,
    public tensor: Tensor | null,
  ) {}
}

interface BufferSlot {
  tensor: Tensor;
  /** Persistent buffers are part of the state dict (torch's register_buffer default). */
  persistent: boolean;
}

/** Parameter and persistent-buffer tensors by dotted name, in registration order. */
export type StateDict = Map<string, Tensor>;
export type StateDictLike = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

export interface LoadStateDictOptions {
  /** Throw (before changing anything) on missing, unexpected or mis-shaped keys. Default true. */
  strict?: boolean;
}

export interface ShapeMismatch {
  readonly key: string;
  readonly expected: Shape;
  readonly got: Shape;
}

export interface LoadStateDictReport {
  readonly loadedKeys: string[];
  /** Keys the module has that the state dict lacks (tied parameters loaded through another name do not count). */
  readonly missingKeys: string[];
  /** Keys the state dict has that the module does not. */
  readonly unexpectedKeys: string[];
  /** Keys present on both sides with different shapes (not loaded). */
  readonly mismatchedKeys: ShapeMismatch[];
}

/**
 * Tensors a state dict is streamed from (a checkpoint's files, shard by shard): every key
 * and shape up front, each value on request. `get` may return a backend tensor (the loader
 * disposes it) or host data (uploaded, then let go).
 */
export interface StateDictSource {
  keys(): Iterable<string>;
  /** The stored shape, known without reading the value. */
  shape(key: string): Shape;
  get(key: string): Promise<Tensor | HostTensor>;
}

export interface StreamingLoadOptions {
  /** Throw (before loading any value) on missing, unexpected or mis-shaped keys. Default true. */
  strict?: boolean;
  /** The module key a source key loads into (default: the same); returning another name is reported as a rename. */
  rename?: (sourceKey: string) => string;
  /** Why a source key is deliberately not loaded (reported), or null to load it. Applied after `rename`. */
  ignore?: (moduleKey: string, sourceKey: string) => string | null;
  /** Backend that host values are uploaded to (default: the current one). */
  backend?: Backend;
  /** Called after each tensor is loaded (for progress). */
  onLoaded?: (moduleKey: string, done: number, total: number) => void;
}

export interface StreamingLoadReport extends LoadStateDictReport {
  /** Source keys loaded under another name. */
  readonly renamed: { readonly from: string; readonly to: string }[];
  /** Source keys not loaded, and why (a rule's reason, or a stored copy of a tied weight). */
  readonly ignored: { readonly key: string; readonly reason: string }[];
  /** Module keys filled through a tied parameter loaded under another name. */
  readonly tied: { readonly key: string; readonly from: string }[];
}

export interface SummaryOptions {
  /** How many levels of children to show (1 = direct children only). Default: all. */
  depth?: number;
}

type StateEntry =
  | { readonly kind: 'parameter'; readonly slot: ParameterSlot }
  | { readonly kind: 'buffer'; readonly buffer: BufferSlot };

/** Creates a parameter: a kept (never tidied) f32 leaf tensor that requires grad. */
function allocateParameter(owner: string, shape: Shape, init: () => Tensor): Tensor {
  const t = noGrad(() => tidy(init));
  if (!shapesEqual(t.shape, shape) || t.dtype !== 'f32') {
    throw new NnError(
      `${owner}: init gave ${t.dtype} ${formatShape(t.shape)}, expected f32 ${formatShape(shape)}`,
    );
  }
  t.keep();
  t.requiresGrad = true;
  return t;
}

const LIST_NAME = /^\d+$/;

export abstract class Module {
  /** The class name printed by `toString()` (explicit, so minified bundles still print it). */
  static readonly typeName: string = 'Module';

  /** Training mode: dropout is active. Switch with `train()` / `eval()`. */
  training = true;

  readonly #parameters = new Map<string, ParameterSlot>();
  readonly #buffers = new Map<string, BufferSlot>();
  readonly #children = new Map<string, Module>();

  get typeName(): string {
    const ctor = this.constructor as { typeName?: string; name: string };
    return Object.hasOwn(ctor, 'typeName') && ctor.typeName ? ctor.typeName : ctor.name;
  }

  // ---------------------------------------------------------------------------------
  // registration (for subclasses)

  /**
   * Registers a parameter of `shape`, initialised by `init` (run under noGrad in its own
   * tidy; it may create temporaries). Inside `onMeta` only the shape is recorded.
   */
  protected addParameter(name: string, shape: Shape, init: () => Tensor): void {
    this.#assertFreeName(name);
    const tensor = metaDepth > 0 ? null : allocateParameter(`${this.typeName}.${name}`, shape, init);
    this.#parameters.set(name, new ParameterSlot([...shape], tensor));
  }

  /** Registers a buffer: state that is not trained (a fixed table, running statistics). */
  protected addBuffer(name: string, init: () => Tensor, options: { persistent?: boolean } = {}): void {
    this.#assertFreeName(name);
    const tensor = noGrad(() => tidy(init)).keep();
    this.#buffers.set(name, { tensor, persistent: options.persistent ?? true });
  }

  /** Registers a child module under `name` and returns it. */
  protected addModule<M extends Module>(name: string, module: M): M {
    this.#assertFreeName(name);
    this.#children.set(name, module);
    return module;
  }

  #assertFreeName(name: string): void {
    if (name === '' || name.includes('.'))
      throw new NnError(`${this.typeName}: invalid member name '${name}' (empty or contains '.')`);
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new NnError(`${this.typeName}: '${name}' is already registered`);
    }
  }

  /** The tensor of an own parameter; throws if it was built with `onMeta` and not loaded yet. */
  protected param(name: string): Tensor {
    const slot = this.#parameters.get(name);
    if (!slot) throw new NnError(`${this.typeName} has no parameter '${name}'`);
    if (!slot.tensor) {
      throw new NnError(
        `${this.typeName}.${name} ${formatShape(slot.shape)} was built with onMeta() (shape only): ` +
          'load a state dict before running the module',
      );
    }
    return slot.tensor;
  }

  /** The tensor of an own buffer. */
  protected buffer(name: string): Tensor {
    const slot = this.#buffers.get(name);
    if (!slot) throw new NnError(`${this.typeName} has no buffer '${name}'`);
    return slot.tensor;
  }

  /**
   * Makes this module's parameter `name` the very same parameter as `source`'s
   * `sourceName` (tied weights, as `lm_head.weight = wte.weight` in PyTorch). The old
   * tensor is disposed.
   */
  tieParameter(name: string, source: Module, sourceName = name): void {
    const mine = this.#parameters.get(name);
    const theirs = source.#parameters.get(sourceName);
    if (!mine || !theirs) {
      throw new NnError(
        `tieParameter: ${mine ? `${source.typeName} has no parameter '${sourceName}'` : `${this.typeName} has no parameter '${name}'`}`,
      );
    }
    if (!shapesEqual(mine.shape, theirs.shape)) {
      throw new NnError(
        `tieParameter: ${this.typeName}.${name} ${formatShape(mine.shape)} and ${source.typeName}.${sourceName} ${formatShape(theirs.shape)} differ in shape`,
      );
    }
    if (mine !== theirs) mine.tensor?.dispose();
    this.#parameters.set(name, theirs);
  }

  // ---------------------------------------------------------------------------------
  // traversal

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.#children];
  }

  children(): Module[] {
    return [...this.#children.values()];
  }

  /** This module ('') and all descendants with dotted names, parents before children. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.#children) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    }
    return out;
  }

  /** The descendant at a dotted path (`transformer.h.0.attn`). */
  getSubmodule(path: string): Module {
    let module: Module = this;
    for (const part of path === '' ? [] : path.split('.')) {
      const child = module.#children.get(part);
      if (!child) throw new NnError(`${module.typeName} has no child '${part}' (looking up '${path}')`);
      module = child;
    }
    return module;
  }

  /** Every parameter slot with its dotted name; tied slots appear under each name. */
  #namedSlots(): [string, ParameterSlot][] {
    const out: [string, ParameterSlot][] = [];
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, slot] of module.#parameters) out.push([prefix ? `${prefix}.${name}` : name, slot]);
    }
    return out;
  }

  /** Unique parameter slots (tied ones once, under their first name). */
  #uniqueSlots(): [string, ParameterSlot][] {
    const seen = new Set<ParameterSlot>();
    const out: [string, ParameterSlot][] = [];
    for (const [name, slot] of this.#namedSlots()) {
      if (seen.has(slot)) continue;
      seen.add(slot);
      out.push([name, slot]);
    }
    return out;
  }

  /** Parameters with dotted names; a tied parameter appears once, under its first name (as PyTorch). */
  namedParameters(): [string, Tensor][] {
    return this.#uniqueSlots().map(([name, slot]) => {
      if (!slot.tensor) throw new NnError(`parameter '${name}' was built with onMeta() and is not loaded`);
      return [name, slot.tensor];
    });
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameter names and shapes, without touching tensors (works for `onMeta` modules). */
  namedParameterShapes(): [string, Shape][] {
    return this.#uniqueSlots().map(([name, slot]) => [name, slot.shape]);
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, slot] of module.#buffers)
        out.push([prefix ? `${prefix}.${name}` : name, slot.tensor]);
    }
    return out;
  }

  /** Number of scalars in the parameters, tied ones counted once. */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    return this.#uniqueSlots()
      .filter(([, slot]) => !options.trainableOnly || (slot.tensor?.requiresGrad ?? true))
      .reduce((n, [, slot]) => n + sizeOf(slot.shape), 0);
  }

  /** True when some parameter has a shape but no tensor yet (built with `onMeta`). */
  get isMeta(): boolean {
    return this.#namedSlots().some(([, slot]) => slot.tensor === null);
  }

  // ---------------------------------------------------------------------------------
  // modes

  /** Sets training mode on this module and every descendant (dropout on). */
  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  /** Evaluation mode: dropout off. */
  eval(): this {
    return this.train(false);
  }

  /** Turns gradient tracking of every parameter on or off (freezing, as requires_grad_). */
  requireGrad(value = true): this {
    for (const p of this.parameters()) p.requiresGrad = value;
    return this;
  }

  /** Frees and clears the accumulated gradients of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Calls `fn` on every module, children before parents (as torch's apply). */
  apply(fn: (module: Module) => void): this {
    for (const child of this.#children.values()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---------------------------------------------------------------------------------
  // state dicts

  #stateEntries(): [string, StateEntry][] {
    const out: [string, StateEntry][] = [];
    for (const [prefix, module] of this.namedModules()) {
      const full = (name: string) => (prefix ? `${prefix}.${name}` : name);
      for (const [name, slot] of module.#parameters) out.push([full(name), { kind: 'parameter', slot }]);
      for (const [name, buffer] of module.#buffers) {
        if (buffer.persistent) out.push([full(name), { kind: 'buffer', buffer }]);
      }
    }
    return out;
  }

  /**
   * Parameters and persistent buffers by dotted name (HF names for the models here).
   * Values are detached views sharing the module's storage, as torch's state_dict; a
   * tied parameter appears under each of its names unless `dedupeTied`.
   */
  stateDict(options: { dedupeTied?: boolean } = {}): StateDict {
    const out: StateDict = new Map();
    const seen = new Set<ParameterSlot>();
    for (const [name, entry] of this.#stateEntries()) {
      if (entry.kind === 'parameter') {
        // With dedupeTied, a tied parameter is kept under its first name only (as HF files store it).
        if (options.dedupeTied && seen.has(entry.slot)) continue;
        seen.add(entry.slot);
      }
      const tensor = entry.kind === 'parameter' ? entry.slot.tensor : entry.buffer.tensor;
      if (!tensor) throw new NnError(`stateDict: '${name}' was built with onMeta() and is not loaded`);
      out.set(name, detach(tensor));
    }
    return out;
  }

  /** Names and shapes of the state dict, without tensors (works for `onMeta` modules). */
  stateDictShapes(): Map<string, Shape> {
    return new Map(
      this.#stateEntries().map(([name, e]) => [
        name,
        e.kind === 'parameter' ? e.slot.shape : e.buffer.tensor.shape,
      ]),
    );
  }

  /**
   * Copies values into the parameters and buffers (under noGrad). Everything is checked
   * first: with `strict` (the default) any missing, unexpected or mis-shaped key throws
   * before a single value is written, so a failed load never leaves a half-loaded model.
   * Parameters built with `onMeta` are allocated from the values here.
   */
  loadStateDict(stateDict: StateDictLike, options: LoadStateDictOptions = {}): LoadStateDictReport {
    const strict = options.strict ?? true;
    const given: ReadonlyMap<string, Tensor> =
      stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict as Record<string, Tensor>));
    const entries = this.#stateEntries();
    const known = new Set(entries.map(([name]) => name));
    const plan: [string, StateEntry, Tensor][] = [];
    const absent: [string, StateEntry][] = [];
    const mismatchedKeys: ShapeMismatch[] = [];
    for (const [name, entry] of entries) {
      const value = given.get(name);
      const expected = entry.kind === 'parameter' ? entry.slot.shape : entry.buffer.tensor.shape;
      if (!value) absent.push([name, entry]);
      else if (!shapesEqual(value.shape, expected))
        mismatchedKeys.push({ key: name, expected, got: value.shape });
      else plan.push([name, entry, value]);
    }
    // A tied parameter is complete when any of its names was given (HF files store it once).
    const filled = new Set(plan.map(([, e]) => (e.kind === 'parameter' ? e.slot : e.buffer)));
    const missingKeys = absent
      .filter(([, e]) => !filled.has(e.kind === 'parameter' ? e.slot : e.buffer))
      .map(([name]) => name);
    const unexpectedKeys = [...given.keys()].filter((k) => !known.has(k));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0 || mismatchedKeys.length > 0)) {
      throw new NnError(describeLoadProblems(this.typeName, missingKeys, unexpectedKeys, mismatchedKeys));
    }
    noGrad(() => {
      for (const [name, entry, value] of plan) {
        if (entry.kind === 'buffer') entry.buffer.tensor.assign(value);
        else if (entry.slot.tensor) entry.slot.tensor.assign(value);
        else entry.slot.tensor = allocateParameter(name, entry.slot.shape, () => value.cast('f32').clone());
      }
    });
    return { loadedKeys: plan.map(([name]) => name), missingKeys, unexpectedKeys, mismatchedKeys };
  }

  /**
   * `loadStateDict` streamed from a source: keys are mapped (`rename`, `ignore`) and the
   * whole plan is checked — missing, unexpected and mis-shaped keys across every file of
   * the source — before a single value is read; then values are read, uploaded and
   * assigned one at a time, so host memory stays near one tensor. A tied parameter stored
   * under several names is loaded once; its other copies are read and must be equal. An
   * error while reading (I/O, a corrupt value) can leave the module partly loaded: the
   * caller disposes it.
   */
  async loadStateDictFrom(
    source: StateDictSource,
    options: StreamingLoadOptions = {},
  ): Promise<StreamingLoadReport> {
    const strict = options.strict ?? true;
    const entries = new Map(this.#stateEntries());
    const renamed: { from: string; to: string }[] = [];
    const ignored: { key: string; reason: string }[] = [];
    const unexpectedKeys: string[] = [];
    const mismatchedKeys: ShapeMismatch[] = [];
    /** Module key → source key, in source order. */
    const chosen = new Map<string, string>();
    for (const sourceKey of source.keys()) {
      const key = options.rename?.(sourceKey) ?? sourceKey;
      const reason = options.ignore?.(key, sourceKey) ?? null;
      if (reason !== null) {
        ignored.push({ key: sourceKey, reason });
        continue;
      }
      if (key !== sourceKey) renamed.push({ from: sourceKey, to: key });
      const entry = entries.get(key);
      if (!entry) {
        unexpectedKeys.push(key === sourceKey ? key : `${sourceKey} (as ${key})`);
        continue;
      }
      if (chosen.has(key)) {
        throw new NnError(
          `loadStateDictFrom into ${this.typeName}: '${sourceKey}' and '${chosen.get(key)}' both load into '${key}'`,
        );
      }
      const expected = entry.kind === 'parameter' ? entry.slot.shape : entry.buffer.tensor.shape;
      const got = source.shape(sourceKey);
      if (!shapesEqual(got, expected)) mismatchedKeys.push({ key, expected, got });
      else chosen.set(key, sourceKey);
    }
    // One load per storage slot; further names of a tied slot are checked copies.
    const slotOf = (e: StateEntry) => (e.kind === 'parameter' ? e.slot : e.buffer);
    const loads: [string, string, StateEntry][] = [];
    const copies: [string, string, string][] = [];
    const firstKeyOfSlot = new Map<unknown, string>();
    for (const [key, sourceKey] of chosen) {
      const entry = entries.get(key)!;
      const first = firstKeyOfSlot.get(slotOf(entry));
      if (first === undefined) {
        firstKeyOfSlot.set(slotOf(entry), key);
        loads.push([key, sourceKey, entry]);
      } else copies.push([key, sourceKey, first]);
    }
    const missingKeys: string[] = [];
    const tied: { key: string; from: string }[] = [];
    for (const [key, entry] of entries) {
      if (chosen.has(key)) continue;
      const from = firstKeyOfSlot.get(slotOf(entry));
      if (from === undefined) missingKeys.push(key);
      else tied.push({ key, from });
    }
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0 || mismatchedKeys.length > 0)) {
      throw new NnError(describeLoadProblems(this.typeName, missingKeys, unexpectedKeys, mismatchedKeys));
    }
    const total = loads.length + copies.length;
    let done = 0;
    for (const [key, sourceKey, entry] of loads) {
      const value = await source.get(sourceKey);
      const uploaded = toTensor(value, options.backend);
      try {
        assertShape(this.typeName, sourceKey, uploaded.shape, source.shape(sourceKey));
        noGrad(() => {
          if (entry.kind === 'buffer') entry.buffer.tensor.assign(uploaded);
          else if (entry.slot.tensor) entry.slot.tensor.assign(uploaded);
          else {
            entry.slot.tensor = allocateParameter(key, entry.slot.shape, () =>
              uploaded.dtype === 'f32' ? uploaded : uploaded.cast('f32'),
            );
          }
        });
      } finally {
        // The new parameter may be the uploaded tensor itself (kept); anything else goes.
        if (entry.kind === 'buffer' || entry.slot.tensor !== uploaded) uploaded.dispose();
      }
      options.onLoaded?.(key, ++done, total);
    }
    for (const [key, sourceKey, first] of copies) {
      const value = await source.get(sourceKey);
      const stored = isHostTensor(value) ? value.data : await value.data();
      if (!isHostTensor(value)) value.dispose();
      const held = entries.get(first)!;
      const loaded = await (held.kind === 'parameter' ? held.slot.tensor! : held.buffer.tensor).data();
      if (!sameValues(stored, loaded)) {
        throw new NnError(
          `loadStateDictFrom into ${this.typeName}: '${sourceKey}' is stored with values different from '${chosen.get(first)}', ` +
            `but the model ties '${key}' to '${first}' (untie them in the config, or drop one copy from the file)`,
        );
      }
      ignored.push({ key: sourceKey, reason: `stored copy of the tied weight '${first}' (checked equal)` });
      tied.push({ key, from: first });
      options.onLoaded?.(key, ++done, total);
    }
    return {
      loadedKeys: loads.map(([key]) => key),
      missingKeys,
      unexpectedKeys,
      mismatchedKeys,
      renamed,
      ignored,
      tied,
    };
  }

  // ---------------------------------------------------------------------------------
  // printing

  /** Extra information on this module's line (`in_features=768, …`), as PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }

  /** The child lines of `toString()`; ModuleList overrides it to fold repeated blocks. */
  protected childReprLines(): string[] {
    return [...this.#children].map(([name, child]) => `(${name}): ${addIndent(child.toString(), 2)}`);
  }

  /** The module tree as PyTorch's `print(model)`. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.childReprLines();
    const lines = [...extraLines, ...childLines];
    let text = `${this.typeName}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) text += extraLines[0];
      else text += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${text})`;
  }

  /** `console.log(model)` in Node prints the tree, as `print(model)` does in PyTorch. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** This module's label in `summary()`: `Embedding(50257, 768)`, `GPT2Block`, `ModuleList len=12`. */
  protected summaryLabel(): string {
    if (this.#children.size === 0) return `${this.typeName}(${this.extraRepr()})`;
    return [...this.#children.keys()].every((k) => LIST_NAME.test(k))
      ? `${this.typeName} len=${this.#children.size}`
      : this.typeName;
  }

  /**
   * The module tree, one module a line with its parameter count, down to `depth` levels
   * (as the seeds' recursive_print). Runs of identical list entries fold into one line
   * (`(0-11): 12 x GPT2Block`).
   */
  summary(options: SummaryOptions = {}): string {
    const depth = options.depth ?? Number.POSITIVE_INFINITY;
    const total = this.numParameters();
    const trainable = this.isMeta ? total : this.numParameters({ trainableOnly: true });
    const lines = [
      `${this.typeName}: ${formatCount(total)} parameters` +
        (trainable !== total ? ` (${formatCount(trainable)} trainable)` : ''),
    ];
    // A parameter tied into several modules is counted where it first appears and marked
    // "(tied)" on the modules that reuse it (lm_head after wte).
    const firstOwner = new Map<ParameterSlot, Module>();
    for (const [, module] of this.namedModules()) {
      for (const slot of module.#parameters.values()) if (!firstOwner.has(slot)) firstOwner.set(slot, module);
    }
    const visit = (module: Module, level: number): void => {
      if (level > depth) return;
      const indent = '  '.repeat(level - 1);
      for (const group of groupRepeats(module)) {
        const first = group.modules[0]!;
        const repeated = group.modules.length > 1;
        const label = repeated ? `${group.modules.length} x ${first.summaryLabel()}` : first.summaryLabel();
        const tied = [...first.#parameters.values()].some((slot) => firstOwner.get(slot) !== first);
        const count = `${formatCount(first.numParameters())}${repeated ? ' each' : ''}${tied ? ' (tied)' : ''}`;
        lines.push(`${indent}(${group.name}): ${label} · ${count}`);
        visit(first, level + 1);
      }
    };
    visit(this, 1);
    return lines.join('\n');
  }

  // ---------------------------------------------------------------------------------
  // memory

  /** Frees every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const child of this.#children.values()) child.dispose();
    for (const slot of this.#parameters.values()) slot.tensor?.dispose();
    for (const slot of this.#buffers.values()) slot.tensor.dispose();
  }
}

function isHostTensor(value: Tensor | HostTensor): value is HostTensor {
  return ArrayBuffer.isView((value as HostTensor).data);
}

function toTensor(value: Tensor | HostTensor, backend: Backend | undefined): Tensor {
  if (!isHostTensor(value)) return value;
  return tensor(
    value.data,
    [...value.shape],
    backend ? { dtype: value.dtype, backend } : { dtype: value.dtype },
  );
}

function assertShape(owner: string, key: string, got: Shape, declared: Shape): void {
  if (!shapesEqual(got, declared)) {
    throw new NnError(
      `loadStateDictFrom into ${owner}: '${key}' was declared ${formatShape(declared)} but read as ${formatShape(got)}`,
    );
  }
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && a[i] !== b[i]) return false;
  return true;
}

/** Consecutive children whose printed form is identical, folded (list entries only). */
function groupRepeats(module: Module): { name: string; modules: Module[] }[] {
  const named = module.namedChildren();
  const groups: { names: string[]; modules: Module[]; repr: string }[] = [];
  for (const [name, child] of named) {
    const repr = LIST_NAME.test(name) ? child.toString() : '';
    const last = groups.at(-1);
    if (last && repr !== '' && last.repr === repr) {
      last.names.push(name);
      last.modules.push(child);
    } else groups.push({ names: [name], modules: [child], repr });
  }
  return groups.map((g) => ({
    name: g.names.length > 1 ? `${g.names[0]}-${g.names.at(-1)}` : g.names[0]!,
    modules: g.modules,
  }));
}

function describeLoadProblems(
  owner: string,
  missing: readonly string[],
  unexpected: readonly string[],
  mismatched: readonly ShapeMismatch[],
): string {
  const list = (keys: readonly string[]) =>
    keys.length <= 8 ? keys.join(', ') : `${keys.slice(0, 8).join(', ')} … (${keys.length} in all)`;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing keys: ${list(missing)}`);
  if (unexpected.length > 0) parts.push(`unexpected keys: ${list(unexpected)}`);
  if (mismatched.length > 0) {
    parts.push(
      `shape mismatches: ${list(mismatched.map((m) => `${m.key} (model ${formatShape(m.expected)}, given ${formatShape(m.got)})`))}`,
    );
  }
  return `loadStateDict into ${owner} failed, nothing was loaded: ${parts.join('; ')}`;
}

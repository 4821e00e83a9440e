// The Optimizer base class, as torch.optim.Optimizer: parameter groups with their own
// hyperparameters, per-parameter state (tensors + a step count), zeroGrad, and a state
// dict of tensors plus JSON scalars that a checkpoint stores and `loadStateDict` restores.
// Subclasses implement `step()` and name their per-parameter state tensors.
import { clone, noGrad, parseOrThrow, type Tensor, tidy, zeros } from '@tensorlm/tensor-core';
import type { z } from 'zod';
import { parseWith, TrainerError } from '../errors.js';
import type { JsonObject, JsonValue } from '../util/json.js';

/** Parameters: plain tensors, `[name, tensor]` pairs (`model.namedParameters()`), or groups. */
export type ParamsInput<H> =
  | readonly Tensor[]
  | readonly (readonly [string, Tensor])[]
  | readonly ParamGroupInput<H>[];

/** A group of parameters with hyperparameters that override the optimizer's defaults. */
export type ParamGroupInput<H> = {
  params: readonly Tensor[] | readonly (readonly [string, Tensor])[];
  /** Multiplies the lr a schedule sets with `setLr` (default 1). */
  lrScale?: number;
} & Partial<H>;

export interface ParamGroup<H> {
  readonly params: readonly Tensor[];
  /** One key per parameter: its name when given, else its global index (as PyTorch). */
  readonly keys: readonly string[];
  /** Current hyperparameters (lr changes under a schedule). */
  hyper: H;
  lrScale: number;
}

/** Per-parameter state: named tensors (moments, momentum) and the number of updates. */
export interface ParamState {
  step: number;
  readonly tensors: Map<string, Tensor>;
}

/**
 * An optimizer's state as a checkpoint stores it: tensors named
 * `state.<param key>.<slot>` and JSON scalars (kind, groups with hyperparameters and
 * parameter keys, per-parameter step counts).
 */
export interface OptimizerStateDict {
  readonly tensors: Map<string, Tensor>;
  readonly meta: JsonObject;
}

function isNamedPair(value: unknown): value is readonly [string, Tensor] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string';
}

function isGroupInput<H>(value: unknown): value is ParamGroupInput<H> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'params' in value;
}

export abstract class Optimizer<H extends { lr: number } = { lr: number }> {
  /** 'adamw', 'adam' or 'sgd': checked when a state dict is loaded. */
  abstract readonly kind: string;
  readonly paramGroups: ParamGroup<H>[];
  readonly defaults: H;
  protected readonly state = new Map<Tensor, ParamState>();

  /**
   * @param schema validates the defaults and each group's hyperparameters, so an error
   *   names the field (`groups[1].weightDecay: …`).
   */
  protected constructor(params: ParamsInput<H>, defaults: H, schema: z.ZodType<H>, what: string) {
    this.defaults = parseWith(schema, defaults, `${what} options`);
    const list = params as readonly unknown[];
    if (!Array.isArray(list) || list.length === 0) {
      throw new TrainerError(
        `${what}: params must be a non-empty list of tensors, [name, tensor] pairs or groups`,
      );
    }
    const groups: ParamGroupInput<H>[] = isGroupInput<H>(list[0])
      ? (list as ParamGroupInput<H>[])
      : [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>];
    const seen = new Set<Tensor>();
    const keys = new Set<string>();
    let index = 0;
    this.paramGroups = groups.map((group, g) => {
      if (!isGroupInput<H>(group)) throw new TrainerError(`${what}: groups.${g} has no 'params'`);
      const { params: groupParams, lrScale, ...overrides } = group;
      const merged = parseOrThrow(
        schema,
        { ...this.defaults, ...overrides },
        `${what} options`,
        (message) => new TrainerError(message),
        { pathPrefix: ['groups', g] },
      );
      if (lrScale !== undefined && !(Number.isFinite(lrScale) && lrScale >= 0)) {
        throw new TrainerError(
          `invalid ${what} groups.${g}.lrScale: must be a finite number ≥ 0, got ${lrScale}`,
        );
      }
      const tensors: Tensor[] = [];
      const groupKeys: string[] = [];
      groupParams.forEach((item, i) => {
        const [name, t] = isNamedPair(item) ? item : [String(index), item as Tensor];
        index++;
        if (t === null || typeof t !== 'object' || !('shape' in t)) {
          throw new TrainerError(`${what}: groups.${g}.params.${i} is not a tensor`);
        }
        if (!t.requiresGrad) {
          throw new TrainerError(
            `${what}: parameter '${name}' does not require grad (groups.${g}.params.${i})`,
          );
        }
        if (seen.has(t)) throw new TrainerError(`${what}: parameter '${name}' appears more than once`);
        if (keys.has(name)) throw new TrainerError(`${what}: two parameters share the name '${name}'`);
        seen.add(t);
        keys.add(name);
        tensors.push(t);
        groupKeys.push(name);
      });
      return { params: tensors, keys: groupKeys, hyper: merged, lrScale: lrScale ?? 1 };
    });
  }

  /** One update of every parameter that has a gradient (work is enqueued; nothing is read back). */
  abstract step(): void;

  /** Names of the per-parameter state tensors (`exp_avg`, `momentum_buffer`, …). */
  protected abstract readonly slots: readonly string[];

  /** The learning rate of the first group. */
  get lr(): number {
    return this.paramGroups[0]!.hyper.lr;
  }

  /** Sets every group's lr to `lr × lrScale` (what a schedule calls each step). */
  setLr(lr: number): void {
    if (!Number.isFinite(lr) || lr < 0)
      throw new TrainerError(`setLr: lr must be a finite number ≥ 0, got ${lr}`);
    for (const group of this.paramGroups) group.hyper = { ...group.hyper, lr: lr * group.lrScale };
  }

  /** Every parameter, in group order. */
  params(): Tensor[] {
    return this.paramGroups.flatMap((g) => [...g.params]);
  }

  /** Frees and clears the gradients of every parameter (as `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.params()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The state of `p`, created with zeroed slots on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      const tensors = new Map<string, Tensor>();
      for (const slot of this.slots) tensors.set(slot, zeros(p.shape, { backend: p.backend }).keep());
      s = { step: 0, tensors };
      this.state.set(p, s);
    }
    return s;
  }

  /** The number of updates applied to the first parameter that has state (0 before any). */
  get stepCount(): number {
    for (const s of this.state.values()) return s.step;
    return 0;
  }

  /**
   * The state as tensors (views sharing the optimizer's storage; dispose them when done)
   * and JSON scalars; see `OptimizerStateDict`.
   */
  stateDict(): OptimizerStateDict {
    const tensors = new Map<string, Tensor>();
    const steps: Record<string, JsonValue> = {};
    this.paramGroups.forEach((group) => {
      group.params.forEach((p, i) => {
        const s = this.state.get(p);
        if (!s) return;
        const key = group.keys[i]!;
        steps[key] = s.step;
        for (const [slot, t] of s.tensors) tensors.set(`state.${key}.${slot}`, t.withShape(t.shape));
      });
    });
    const groups = this.paramGroups.map((g) => ({
      ...(g.hyper as unknown as JsonObject),
      lrScale: g.lrScale,
      params: [...g.keys],
    }));
    return { tensors, meta: { kind: this.kind, slots: [...this.slots], groups, steps } };
  }

  /**
   * Restores a state dict made by `stateDict()` of an optimizer of the same kind over the
   * same parameters (same keys and shapes). Everything is checked before anything is
   * changed; hyperparameters are restored too, as in PyTorch. Values are copied.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.kind}.loadStateDict`;
    const meta = stateDict.meta;
    if (meta.kind !== this.kind) {
      throw new TrainerError(
        `${where}: the state is of a '${String(meta.kind)}' optimizer, not '${this.kind}'`,
      );
    }
    const groups = meta.groups;
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new TrainerError(
        `${where}: the state has ${Array.isArray(groups) ? groups.length : 'no'} parameter groups, this optimizer ${this.paramGroups.length}`,
      );
    }
    const steps = (meta.steps ?? {}) as Record<string, JsonValue>;
    const plan: { p: Tensor; step: number; values: Map<string, Tensor> }[] = [];
    const hypers: { hyper: H; lrScale: number }[] = [];
    this.paramGroups.forEach((group, g) => {
      const saved = groups[g] as JsonObject;
      const savedKeys = saved.params as JsonValue[];
      if (!Array.isArray(savedKeys) || savedKeys.join('\u0000') !== group.keys.join('\u0000')) {
        throw new TrainerError(
          `${where}: group ${g} holds parameters [${Array.isArray(savedKeys) ? savedKeys.slice(0, 4).join(', ') : '?'}…], this optimizer [${group.keys.slice(0, 4).join(', ')}…]`,
        );
      }
      const { params: _keys, lrScale, ...hyper } = saved;
      hypers.push({
        hyper: { ...group.hyper, ...(hyper as unknown as Partial<H>) },
        lrScale: Number(lrScale ?? 1),
      });
      group.params.forEach((p, i) => {
        const key = group.keys[i]!;
        const step = steps[key];
        if (step === undefined) return; // no update yet for this parameter
        if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
          throw new TrainerError(
            `${where}: steps.${key} must be a non-negative integer, got ${String(step)}`,
          );
        }
        const values = new Map<string, Tensor>();
        for (const slot of this.slots) {
          const name = `state.${key}.${slot}`;
          const t = stateDict.tensors.get(name);
          if (!t) throw new TrainerError(`${where}: the state lacks tensor '${name}'`);
          if (t.shape.join(',') !== p.shape.join(',')) {
            throw new TrainerError(
              `${where}: '${name}' has shape [${t.shape.join(', ')}], the parameter [${p.shape.join(', ')}]`,
            );
          }
          values.set(slot, t);
        }
        plan.push({ p, step, values });
      });
    });
    // Checks passed: replace the state.
    this.disposeState();
    this.paramGroups.forEach((group, g) => {
      group.hyper = hypers[g]!.hyper;
      group.lrScale = hypers[g]!.lrScale;
    });
    noGrad(() => {
      for (const { p, step, values } of plan) {
        const tensors = new Map<string, Tensor>();
        for (const [slot, t] of values) {
          const onDevice = t.backend === p.backend ? t : null;
          if (!onDevice) {
            throw new TrainerError(
              `${where}: state tensor for '${slot}' lives on another backend than its parameter`,
            );
          }
          tensors.set(slot, tidy(() => clone(t.dtype === 'f32' ? t : t.cast('f32'))).keep());
        }
        this.state.set(p, { step, tensors });
      }
    });
  }

  /** Frees the optimizer's state tensors (parameters are not touched). */
  disposeState(): void {
    for (const s of this.state.values()) for (const t of s.tensors.values()) t.dispose();
    this.state.clear();
  }

  /** Frees the state; the optimizer starts afresh if stepped again. */
  dispose(): void {
    this.disposeState();
  }
}

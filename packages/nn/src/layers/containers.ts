// Containers: Sequential (children applied in order) and ModuleList (an indexable list
// of modules, e.g. the transformer blocks `h.0 … h.11`), as in torch.nn.
import type { Tensor } from '@tensorlm/tensor-core';
import { NnError } from '../errors.js';
import { addIndent } from '../module/format.js';
import { Module } from '../module/module.js';

/** A module with a single-tensor forward, what Sequential can chain. */
export interface TensorModule extends Module {
  forward(x: Tensor): Tensor;
}

export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  static override readonly typeName: string = 'ModuleList';
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: M): this {
    this.addModule(String(this.#items.length), module);
    this.#items.push(module);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const item = this.#items.at(index);
    if (!item)
      throw new NnError(`ModuleList: index ${index} is out of range for length ${this.#items.length}`);
    return item;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  /** As PyTorch's ModuleList repr: consecutive identical entries fold into `(0-11): 12 x Block(`. */
  protected override childReprLines(): string[] {
    const lines: string[] = [];
    let start = 0;
    const reprs = this.#items.map((m) => m.toString());
    for (let i = 1; i <= reprs.length; i++) {
      if (i < reprs.length && reprs[i] === reprs[start]) continue;
      const body = reprs[start]!;
      const count = i - start;
      lines.push(addIndent(count > 1 ? `(${start}-${i - 1}): ${count} x ${body}` : `(${start}): ${body}`, 2));
      start = i;
    }
    return lines;
  }
}

export class Sequential extends Module {
  static override readonly typeName: string = 'Sequential';
  readonly #items: TensorModule[] = [];

  constructor(...modules: TensorModule[]) {
    super();
    modules.forEach((m, i) => {
      this.addModule(String(i), m);
      this.#items.push(m);
    });
  }

  get length(): number {
    return this.#items.length;
  }

  at(index: number): TensorModule {
    const item = this.#items.at(index);
    if (!item)
      throw new NnError(`Sequential: index ${index} is out of range for length ${this.#items.length}`);
    return item;
  }

  forward(x: Tensor): Tensor {
    return this.#items.reduce((h, m) => m.forward(h), x);
  }
}

// Splitting a model's parameters into a weight-decay group and a no-decay group, as
// minGPT's `configure_optimizers`: the weights of Linear / Conv1D layers decay; biases,
// LayerNorm and Embedding weights do not. (Decaying a LayerNorm gain pulls it to 0 and
// decaying embeddings shrinks rare tokens' rows, which is why minGPT exempts them.)
// nanoGPT's simpler rule — decay every tensor of rank ≥ 2 — is the 'rank' option.
import { Conv1D, Embedding, LayerNorm, Linear, type Module } from '@tensorlm/nn';
import type { Tensor } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { parseWith, TrainerError } from '../errors.js';

const optionsSchema = z
  .object({
    weightDecay: z.number().finite().nonnegative(),
    /** 'module' (minGPT, default) or 'rank' (nanoGPT: every tensor of rank ≥ 2 decays). */
    rule: z.enum(['module', 'rank']).default('module'),
    /** Extra parameter names (exact, or ending in `.name`) never to decay. */
    noDecay: z.array(z.string()).default([]),
  })
  .strict();

export type WeightDecayGroupsOptions = z.input<typeof optionsSchema>;

/** A parameter group with its weight decay, accepted by AdamW, Adam and SGD. */
export interface WeightDecayGroup {
  params: [string, Tensor][];
  weightDecay: number;
}

export interface WeightDecayGroups {
  /** [decay group, no-decay group] — pass straight to an optimizer. */
  groups: [WeightDecayGroup, WeightDecayGroup];
  decay: string[];
  noDecay: string[];
}

const DECAYING_LAYERS = [Linear, Conv1D] as const;
const EXEMPT_LAYERS = [LayerNorm, Embedding] as const;

/** Named parameter groups of `model`: weights of linear layers decay, everything else does not. */
export function weightDecayGroups(model: Module, options: WeightDecayGroupsOptions): WeightDecayGroups {
  const o = parseWith(optionsSchema, options, 'weightDecayGroups options');
  // The module owning each parameter: a module's own parameters are those without a '.'.
  const owner = new Map<string, Module>();
  for (const [prefix, module] of model.namedModules()) {
    for (const [name] of module.namedParameters()) {
      const full = prefix ? `${prefix}.${name}` : name;
      if (!name.includes('.')) owner.set(full, module);
    }
  }
  const decay: [string, Tensor][] = [];
  const noDecay: [string, Tensor][] = [];
  for (const [name, p] of model.namedParameters()) {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    const module = owner.get(name);
    const forced = o.noDecay.some((n) => name === n || name.endsWith(`.${n}`));
    let decays: boolean;
    if (forced) decays = false;
    else if (o.rule === 'rank') decays = p.rank >= 2;
    else if (module && EXEMPT_LAYERS.some((cls) => module instanceof cls)) decays = false;
    else if (module && DECAYING_LAYERS.some((cls) => module instanceof cls)) decays = leaf === 'weight';
    else decays = p.rank >= 2 && !leaf.startsWith('bias'); // layers minGPT did not list: by shape
    (decays ? decay : noDecay).push([name, p]);
  }
  if (decay.length + noDecay.length === 0)
    throw new TrainerError('weightDecayGroups: the model has no parameters');
  return {
    groups: [
      { params: decay, weightDecay: o.weightDecay },
      { params: noDecay, weightDecay: 0 },
    ],
    decay: decay.map(([n]) => n),
    noDecay: noDecay.map(([n]) => n),
  };
}

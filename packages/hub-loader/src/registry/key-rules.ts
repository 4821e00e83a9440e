// How a checkpoint's tensor names map onto a model's: the base-model prefix (the official
// `gpt2` file stores `h.0…` where GPT2LMHeadModel has `transformer.h.0…`, a BertForMaskedLM
// file stores `bert.…` where BertModel has none), legacy renames (`LayerNorm.gamma`), and
// stored tensors deliberately not loaded (attention-mask buffers, `position_ids`, heads the
// model lacks). Every rename and every ignored tensor is reported with its reason; a
// stored tensor no rule accounts for stays an error.

/** A rename of stored names: `pattern` is replaced by `replacement` (as String.replace). */
export interface RenameRule {
  readonly pattern: RegExp;
  readonly replacement: string;
  /** Why, for the report (`legacy LayerNorm name`). */
  readonly reason: string;
}

/** Stored tensors not loaded. With `onlyIfUnknown`, only when the model has no such key. */
export interface IgnoreRule {
  readonly pattern: RegExp;
  readonly reason: string;
  readonly onlyIfUnknown?: boolean;
}

export interface KeyRules {
  /**
   * transformers' `base_model_prefix` (`transformer`, `bert`): a file of the bare base
   * model stores names without it, a file of a model with a head stores them with it.
   */
  readonly basePrefix?: string;
  readonly renames?: readonly RenameRule[];
  readonly ignore?: readonly IgnoreRule[];
}

/** A stored name's fate, as the loader reports it. */
export interface KeyMapping {
  /** Source key → module key and why, when they differ. */
  rename(sourceKey: string): string;
  /** Why the (mapped) key is not loaded, or null. */
  ignore(moduleKey: string, sourceKey: string): string | null;
  /** Why a source key was renamed (the rules applied, joined), for the report. */
  renameReason(sourceKey: string): string;
}

/** The mapping of `storedKeys` onto a model with `modelKeys` under `rules`. */
export function keyMapping(
  rules: KeyRules,
  storedKeys: readonly string[],
  modelKeys: ReadonlySet<string>,
): KeyMapping {
  const reasons = new Map<string, string[]>();
  const legacy = (key: string): string => {
    let out = key;
    for (const rule of rules.renames ?? []) {
      const next = out.replace(rule.pattern, rule.replacement);
      if (next !== out) {
        const list = reasons.get(key) ?? [];
        list.push(rule.reason);
        reasons.set(key, list);
        out = next;
      }
    }
    return out;
  };
  const renamed = new Map(storedKeys.map((k) => [k, legacy(k)]));
  const prefix = rules.basePrefix ? `${rules.basePrefix}.` : null;
  let direction: 'add' | 'strip' | null = null;
  if (prefix) {
    const modelHas = [...modelKeys].some((k) => k.startsWith(prefix));
    const storedHas = [...renamed.values()].some((k) => k.startsWith(prefix));
    if (modelHas && !storedHas) direction = 'add';
    else if (!modelHas && storedHas) direction = 'strip';
  }
  const note = (key: string, reason: string) => {
    const list = reasons.get(key) ?? [];
    list.push(reason);
    reasons.set(key, list);
  };
  const finalName = new Map<string, string>();
  for (const [stored, legacyName] of renamed) {
    let out = legacyName;
    if (prefix && direction === 'add' && modelKeys.has(prefix + legacyName)) {
      out = prefix + legacyName;
      note(stored, `stored without the base-model prefix '${prefix}'`);
    } else if (prefix && direction === 'strip' && legacyName.startsWith(prefix)) {
      out = legacyName.slice(prefix.length);
      note(stored, `stored with the base-model prefix '${prefix}'`);
    }
    finalName.set(stored, out);
  }
  return {
    rename: (sourceKey) => finalName.get(sourceKey) ?? sourceKey,
    ignore: (moduleKey, sourceKey) => {
      for (const rule of rules.ignore ?? []) {
        if (!rule.pattern.test(moduleKey) && !rule.pattern.test(sourceKey)) continue;
        if (rule.onlyIfUnknown && modelKeys.has(moduleKey)) continue;
        return rule.reason;
      }
      return null;
    },
    renameReason: (sourceKey) => (reasons.get(sourceKey) ?? []).join('; '),
  };
}

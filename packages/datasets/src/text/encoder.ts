// The structural tokenizer this package accepts wherever text becomes ids, so that any
// tokenizer (@tensorlm/tokenizers, js-tiktoken, your own) plugs in without a dependency.

/** Anything with `encode(text) → ids`. Named so as not to clash with the DOM's TextEncoder. */
export interface TokenEncoder {
  encode(text: string): ArrayLike<number>;
}

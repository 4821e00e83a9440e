// Seeds derived from (seed, key, index) with tensor-core's 32-bit mixer, so streams for
// different steps or batches are independent and each is a pure function of its index —
// what makes a resumed run replay exactly the same randomness.
import { rng } from '@tensorlm/tensor-core';

/** A non-negative 31-bit integer seed from a base seed and keys (strings or integers). */
export function deriveIntSeed(seed: number, ...keys: (number | string)[]): number {
  let h = rng.mix32((seed >>> 0) ^ 0x9e3779b9);
  h = rng.mix32((h ^ Math.floor(seed / 2 ** 32)) >>> 0);
  for (const key of keys) {
    if (typeof key === 'number') {
      h = rng.mix32((h ^ (key >>> 0)) + 0x85ebca6b);
      h = rng.mix32((h ^ Math.floor(key / 2 ** 32)) + 0x27d4eb2f);
    } else {
      for (let i = 0; i < key.length; i++) h = rng.mix32((h ^ key.charCodeAt(i)) + 0x165667b1);
    }
  }
  return h & 0x7fffffff;
}

/** A seeded permutation of 0…n−1 (Fisher–Yates on the counter-based stream). */
export function permutation(n: number, seed: number): number[] {
  const key = rng.keyFromSeed(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniformAt(key, n - 1 - i) * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

// The seeded PRNG behind every random choice in this package (shuffles, grammar
// sampling, HMM draws, char windows): xoshiro128** (Blackman & Vigna, 2018) on four
// 32-bit words, seeded through splitmix32. Pure 32-bit integer math, so one seed gives
// the same stream on every JavaScript engine; not for cryptography.

/** A seed: an integer, a string, or a list of them (hashed together, so keys derive streams). */
export type Seed = number | string | readonly (number | string)[];

const GOLDEN = 0x9e3779b9;

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function mixInto(h: number, word: number): number {
  return fmix32((h ^ word) + GOLDEN);
}

/** Hashes a seed to 32 bits; integers up to 2^53 keep both halves, strings go code unit by unit. */
export function hashSeed(seed: Seed): number {
  const parts = Array.isArray(seed) ? seed : [seed as number | string];
  let h = 0x12345678;
  for (const part of parts) {
    if (typeof part === 'number') {
      if (!Number.isSafeInteger(part)) throw new RangeError(`seed must be a safe integer, got ${part}`);
      const lo = part >>> 0;
      const hi = Math.floor(part / 2 ** 32) >>> 0;
      h = mixInto(mixInto(mixInto(h, 1), lo), hi);
    } else {
      h = mixInto(mixInto(h, 2), part.length);
      for (let i = 0; i < part.length; i++) h = mixInto(h, part.charCodeAt(i));
    }
  }
  return h;
}

/** The seed extended by keys: `deriveSeed(7, 'shuffle', 3)` names an independent stream. */
export function deriveSeed(seed: Seed, ...keys: (number | string)[]): (number | string)[] {
  return [...(Array.isArray(seed) ? seed : [seed as number | string]), ...keys];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: Seed = 0) {
    // splitmix32 spreads the 32-bit hash over the 128-bit state (never all zero).
    let x = hashSeed(seed);
    const next = () => {
      x = (x + GOLDEN) | 0;
      return fmix32(x) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator with the raw xoshiro128** state (for reference vectors). */
  static fromState(state: readonly [number, number, number, number]): Rng {
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.map((v) => v | 0) as [number, number, number, number];
    if ((rng.s0 | rng.s1 | rng.s2 | rng.s3) === 0)
      throw new RangeError('xoshiro128** state must not be all zero');
    return rng;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
      throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    }
    // Reject the top partial block of 2^32 so every residue is equally likely.
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A uniformly chosen element. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choice() from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** A random ordering of 0 … n-1. */
  permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    return this.shuffle(order);
  }

  /** An index drawn with the given probabilities (which must sum to about 1). */
  categorical(probs: ArrayLike<number>): number {
    const u = this.float();
    let acc = 0;
    for (let i = 0; i < probs.length; i++) {
      acc += probs[i]!;
      if (u < acc) return i;
    }
    // Rounding can leave acc a hair under 1: fall back to the last non-zero entry.
    for (let i = probs.length - 1; i >= 0; i--) if (probs[i]! > 0) return i;
    throw new RangeError('categorical() needs at least one positive probability');
  }
}

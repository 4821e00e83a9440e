// The counter-based random number generator every backend implements identically:
// element i of a draw with (seed, offset) is a pure function of (seed, offset + i), so
// results do not depend on thread order, batch size or backend. The mixer is a 32-bit
// integer hash (xor-shift-multiply, "lowbias32"), chosen because WGSL has exactly the
// 32-bit wrapping multiply it needs; JS uses Math.imul. Counters are 53-bit integers,
// split into two 32-bit words.

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_24 = 1 / 16777216;

export function mix32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export interface RandomKey {
  readonly k0: number;
  readonly k1: number;
}

/** Derives the two key words from a user seed (an integer below 2^53). */
export function keyFromSeed(seed: number): RandomKey {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  const k0 = mix32(lo ^ 0x9e3779b9);
  const k1 = mix32((hi ^ k0 ^ 0x85ebca6b) >>> 0);
  return { k0, k1 };
}

/** 32 random bits for counter (lo, hi). */
export function randomBits(key: RandomKey, counterLo: number, counterHi: number): number {
  const a = mix32((counterLo ^ key.k0) >>> 0);
  const b = mix32((counterHi ^ key.k1) >>> 0);
  return mix32((a + b) >>> 0) ^ mix32(a ^ 0x68e31da4);
}

function bitsAt(key: RandomKey, counter: number): number {
  return randomBits(key, counter >>> 0, Math.floor(counter / TWO_POW_32) >>> 0);
}

/** Uniform in [0, 1) with 24 bits of precision (exact in f32). */
export function uniformAt(key: RandomKey, counter: number): number {
  return (bitsAt(key, counter) >>> 8) * INV_TWO_POW_24;
}

/**
 * Standard normal for element i of a draw, by Box–Muller on counters 2i and 2i+1
 * (relative to the draw's offset): a normal draw of n elements consumes 2n counters.
 */
export function normalAt(key: RandomKey, offset: number, i: number): number {
  const u1 = ((bitsAt(key, offset + 2 * i) >>> 8) + 1) * INV_TWO_POW_24; // (0, 1]
  const u2 = (bitsAt(key, offset + 2 * i + 1) >>> 8) * INV_TWO_POW_24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Counters a draw of `size` elements consumes, so the next draw starts after it. */
export function countersUsed(distribution: 'uniform' | 'normal', size: number): number {
  return distribution === 'normal' ? 2 * size : size;
}

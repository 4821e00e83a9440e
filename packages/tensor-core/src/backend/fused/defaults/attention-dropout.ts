// Attention dropout's keep mask as a pure function of (seed, head, query, key), so no
// kernel stores it: the backward pass regenerates exactly the mask its forward pass
// used, and every backend (the fused WebGPU kernels, the composed default here, the
// f64 reference in testing/) draws the same mask from the same seed. The mixer is the
// counter RNG's 32-bit hash (mix32, "lowbias32"), which WGSL computes with the same
// wrapping u32 multiplies. `head` is the flat index b·H + h; `query` and `key` index
// the call's rows (0 … T−1, 0 … S−1), not absolute positions.
import { mix32 } from '../../../random/counter-rng.js';
import type { AttentionParams } from '../../backend.js';

const TWO_POW_32 = 4294967296;

/**
 * The u32 a score's bits must reach to be kept: ⌊p·2³²⌋, so P(keep) = 1 − p up to
 * 2⁻³² (p = 0 keeps every score).
 */
export function dropoutThreshold(p: number): number {
  return Math.min(TWO_POW_32 - 1, Math.floor(p * TWO_POW_32));
}

/** The per-row half of the hash: shared by every key of query `query` in flat head `head`. */
export function dropoutRowHash(seed: number, head: number, query: number): number {
  return mix32((mix32((mix32((seed ^ 0x9e3779b9) >>> 0) ^ head) >>> 0) ^ query) >>> 0);
}

/** The per-key half of the hash: shared by every query. */
export function dropoutKeyHash(key: number): number {
  return mix32((key ^ 0x85ebca6b) >>> 0);
}

/** 32 bits for score (head, query, key) from its two halves. */
export function dropoutBits(rowHash: number, keyHash: number): number {
  return mix32((rowHash ^ keyHash) >>> 0);
}

/** Whether attention dropout with `p` and `seed` keeps score (head, query, key). */
export function dropoutKeeps(p: number, seed: number, head: number, query: number, key: number): boolean {
  return dropoutBits(dropoutRowHash(seed, head, query), dropoutKeyHash(key)) >= dropoutThreshold(p);
}

/**
 * The (B·H, T, S) dropout factors of `p`: 1/(1 − p) where a score is kept, 0 where it is
 * dropped. Built on the host for the composed default (the fused kernels hash in place).
 */
export function attentionDropoutFactors(p: AttentionParams): Float32Array {
  const { queries: t, keys: s } = p;
  const heads = p.batch * p.heads;
  const threshold = dropoutThreshold(p.dropout);
  const keepScale = Math.fround(1 / (1 - p.dropout));
  const keyHashes = Uint32Array.from({ length: s }, (_, j) => dropoutKeyHash(j));
  const factors = new Float32Array(heads * t * s);
  for (let head = 0; head < heads; head++) {
    for (let i = 0; i < t; i++) {
      const row = dropoutRowHash(p.dropoutSeed, head, i);
      const base = (head * t + i) * s;
      for (let j = 0; j < s; j++) {
        if (dropoutBits(row, keyHashes[j]!) >= threshold) factors[base + j] = keepScale;
      }
    }
  }
  return factors;
}

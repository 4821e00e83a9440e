// How the attention kernels are shaped for a problem and a device: threads per
// workgroup, rows per workgroup-memory tile (two f32 tiles of D each must fit the
// device's workgroup storage), and whether the fused path applies at all. Pure
// functions of sizes and limits, unit-tested without a GPU.

/** Head sizes above this take the composed path (each thread holds up to 4 rows of D in registers). */
export const MAX_HEAD_SIZE = 256;

const pow2Floor = (n: number) => 2 ** Math.floor(Math.log2(Math.max(n, 1)));
const pow2Ceil = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));
const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

export interface AttentionTiles {
  /** Query rows per workgroup (forward, dQ): one thread each. */
  readonly queryRows: number;
  /** Key / value rows per workgroup-memory tile (forward, dQ). */
  readonly keyTile: number;
  /** Key rows per workgroup (dK, dV): one thread each. */
  readonly keyRows: number;
  /** Query rows (q, dO and 4 statistics each) per workgroup-memory tile (dK, dV). */
  readonly queryTile: number;
}

/**
 * Tiles for T queries, S keys and head size D under `workgroupStorageBytes`. Few
 * queries (decoding: T = 1) take a small workgroup instead of 63 idle threads.
 */
export function attentionTiles(
  t: number,
  s: number,
  d: number,
  workgroupStorageBytes: number,
): AttentionTiles {
  const floats = Math.floor(workgroupStorageBytes / 4);
  return {
    queryRows: clamp(pow2Ceil(t), 8, 64),
    keyTile: clamp(pow2Floor(floats / (2 * d)), 4, 64),
    keyRows: clamp(pow2Ceil(s), 8, 64),
    queryTile: clamp(pow2Floor(floats / (2 * d + 4)), 4, 64),
  };
}

/** Why the fused kernels cannot run a problem (the composed default runs instead), or null. */
export function unsupportedReason(
  d: number,
  tiles: AttentionTiles,
  workgroupStorageBytes: number,
  rowElements: number,
  usableBindingElements: number,
): string | null {
  if (d > MAX_HEAD_SIZE) return `head size ${d} > ${MAX_HEAD_SIZE}`;
  if (tiles.keyTile * 2 * d * 4 > workgroupStorageBytes) return 'workgroup storage too small';
  if (tiles.queryTile * (2 * d + 4) * 4 > workgroupStorageBytes) return 'workgroup storage too small';
  if (rowElements > usableBindingElements) return "one head's rows exceed a storage binding";
  return null;
}

/**
 * Element strides of a dense (B|1, H|1, T|1, S|1) bias over (B, H, T, S): 0 along
 * broadcast dimensions.
 */
export function biasStrides(shape: readonly number[]): [number, number, number, number] {
  const [b, h, t, s] = shape as [number, number, number, number];
  const strides: [number, number, number, number] = [h * t * s, t * s, s, 1];
  return [b, h, t, s].map((n, i) => (n === 1 ? 0 : strides[i]!)) as [number, number, number, number];
}

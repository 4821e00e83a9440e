// How the attention kernels are shaped for a problem and a device: threads per
// workgroup, rows per workgroup-memory tile (two f32 tiles of D each must fit the
// device's workgroup storage), and whether the fused path applies at all. Pure
// functions of sizes and limits, unit-tested without a GPU.

/** Head sizes above this take the composed path (each thread holds up to 4 rows of D in registers). */
export const MAX_HEAD_SIZE = 256;

const pow2Floor = (n: number) => 2 ** Math.floor(Math.log2(Math.max(n, 1)));
const pow2Ceil = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));
const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** One pass's workgroup shape: threads, and the rows each owns. */
export interface PassShape {
  /** Threads per workgroup. */
  readonly threads: number;
  /**
   * Rows each thread owns (query rows in the forward and dQ passes, key rows in dK/dV),
   * so each vector it reads from workgroup memory serves them all.
   */
  readonly rowsPerThread: number;
}

export interface AttentionTiles {
  readonly forward: PassShape;
  readonly dq: PassShape;
  readonly dkv: PassShape;
  /** Key / value rows per workgroup-memory tile (forward, dQ). */
  readonly keyTile: number;
  /** Query rows (q, dO and 4 statistics each) per workgroup-memory tile (dK, dV). */
  readonly queryTile: number;
}

/**
 * Private floats a thread may hold on a software adapter: rows per thread × the pass's
 * row arrays (forward: q and its accumulator; dQ: q, dO, dQ; dK/dV: k, v, dK, dV) × D.
 * More rows per thread share each workgroup-memory read (llvmpipe, CPU time against 1
 * row: the forward at BERT-base's shape 1.5×, forward + backward at W2's 2.2× and at
 * GPT-2's 1.3× faster), but llvmpipe's compile time grows steeply with the unrolled
 * state (D64 forward + backward, no shader cache: 30 s with 4 rows in every pass; this
 * budget's 4/2/2 rows compile in 2.6× the time of 1 row, a few seconds).
 */
export const SOFTWARE_THREAD_FLOATS = 512;
const MAX_ROWS_PER_THREAD = 4;

/** Benches and tests set `rowsPerThread` to compare schedules in one process; null: the plan's choice. */
export const attentionScheduleOverride: { rowsPerThread: number | null } = { rowsPerThread: null };

/**
 * Rows per thread of a pass keeping `arrays` rows of D floats per owned row: 1 on a
 * GPU (a thread's registers hold one row's state at most), up to 4 on a software
 * adapter within SOFTWARE_THREAD_FLOATS.
 */
export function rowsPerThread(arrays: number, d: number, software: boolean): number {
  if (attentionScheduleOverride.rowsPerThread !== null) return attentionScheduleOverride.rowsPerThread;
  if (!software) return 1;
  return clamp(pow2Floor(SOFTWARE_THREAD_FLOATS / (arrays * d)), 1, MAX_ROWS_PER_THREAD);
}

/** `rows` rows in workgroups of 8 … 64 threads, each thread owning `perThread`. */
const passShape = (rows: number, perThread: number): PassShape => ({
  threads: clamp(pow2Ceil(Math.ceil(rows / perThread)), 8, 64),
  rowsPerThread: perThread,
});

/**
 * Tiles for T queries, S keys and head size D under `workgroupStorageBytes`. Few
 * queries (decoding: T = 1) take a small workgroup instead of 63 idle threads.
 */
export function attentionTiles(
  t: number,
  s: number,
  d: number,
  workgroupStorageBytes: number,
  software = false,
): AttentionTiles {
  const floats = Math.floor(workgroupStorageBytes / 4);
  return {
    forward: passShape(t, rowsPerThread(2, d, software)),
    dq: passShape(t, rowsPerThread(3, d, software)),
    dkv: passShape(s, rowsPerThread(4, d, software)),
    keyTile: clamp(pow2Floor(floats / (2 * d)), 4, 64),
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

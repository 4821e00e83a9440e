// The interface every vector index of semantic search implements — exact (./exact-index.ts,
// one matmul on the backend) or approximate (./approximate.node.ts, HNSW) — so a
// SearchIndex swaps one for the other. Vectors are unit rows: inner product = cosine.
import type { RankedId } from './bm25.js';

export interface VectorIndex {
  /** 'exact' or 'hnsw' (recorded in the index manifest). */
  readonly kind: string;
  readonly dimension: number;
  readonly size: number;
  /** Adds unit vectors (row-major n × dimension) under new ids. */
  add(ids: readonly string[], vectors: Float32Array): void;
  /** Removes ids; returns how many were present. */
  delete(ids: readonly string[]): number;
  /** For each query row (row-major q × dimension): the k nearest ids by cosine, best first. */
  search(queries: Float32Array, k: number): Promise<RankedId[][]>;
  /** Every stored vector in insertion order (for saving). */
  entries(): { ids: string[]; data: Float32Array };
  /** Frees device memory and native handles; the index is unusable after. */
  dispose(): void;
}

/** Makes an empty vector index of a width (how SearchIndex picks exact or approximate). */
export type VectorIndexFactory = (dimension: number) => VectorIndex | Promise<VectorIndex>;

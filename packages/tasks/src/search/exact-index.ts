// Exact nearest neighbours: every stored unit vector is one row of an (N, D) matrix kept
// on the current backend; a batch of queries is one matmul (Q, D)·(N, D)ᵀ → (Q, N)
// cosines, then the backend's top-k. The matrix is uploaded once and again only after
// add/delete change it, so a query costs one matmul, one top-k and the readback of k
// values per query row.
import { matmul, noGrad, type Tensor, tensor, topk } from '@tensorlm/tensor-core';
import { checkK, type RankedId } from './bm25.js';
import { SearchError } from './errors.js';
import type { VectorIndex } from './vector-index.js';

export class ExactVectorIndex implements VectorIndex {
  readonly kind = 'exact';
  readonly dimension: number;
  private ids: string[] = [];
  private rowOf = new Map<string, number>();
  private data: Float32Array;
  private count = 0;
  /** The (N, D) matrix on the backend, or null until the next search after a change. */
  private onDevice: Tensor | null = null;

  constructor(dimension: number) {
    if (!Number.isInteger(dimension) || dimension < 1)
      throw new SearchError('SEARCH_INVALID', `vector width must be a positive integer, got ${dimension}`);
    this.dimension = dimension;
    this.data = new Float32Array(dimension * 16);
  }

  get size(): number {
    return this.count;
  }

  add(ids: readonly string[], vectors: Float32Array): void {
    const d = this.dimension;
    if (vectors.length !== ids.length * d)
      throw new SearchError(
        'SEARCH_INVALID',
        `${ids.length} ids need ${ids.length * d} values (width ${d}), got ${vectors.length}`,
      );
    const fresh = new Set<string>();
    for (const id of ids) {
      if (this.rowOf.has(id) || fresh.has(id))
        throw new SearchError('SEARCH_INVALID', `vector '${id}' is already in the index`);
      fresh.add(id);
    }
    const needed = (this.count + ids.length) * d;
    if (needed > this.data.length) {
      const grown = new Float32Array(Math.max(needed, this.data.length * 2));
      grown.set(this.data.subarray(0, this.count * d));
      this.data = grown;
    }
    this.data.set(vectors, this.count * d);
    for (const id of ids) {
      this.rowOf.set(id, this.count++);
      this.ids.push(id);
    }
    this.invalidate();
  }

  delete(ids: readonly string[]): number {
    const gone = new Set(ids.filter((id) => this.rowOf.has(id)));
    if (gone.size === 0) return 0;
    const d = this.dimension;
    // Compact in order, so the survivors keep their insertion order (ties stay stable).
    let write = 0;
    const kept: string[] = [];
    for (let read = 0; read < this.count; read++) {
      const id = this.ids[read]!;
      if (gone.has(id)) continue;
      if (write !== read) this.data.copyWithin(write * d, read * d, (read + 1) * d);
      kept.push(id);
      write++;
    }
    this.ids = kept;
    this.count = write;
    this.rowOf = new Map(kept.map((id, row) => [id, row]));
    this.invalidate();
    return gone.size;
  }

  async search(queries: Float32Array, k: number): Promise<RankedId[][]> {
    checkK(k);
    const d = this.dimension;
    if (queries.length % d !== 0)
      throw new SearchError(
        'SEARCH_INVALID',
        `queries must be rows of width ${d}, got ${queries.length} values`,
      );
    const q = queries.length / d;
    const take = Math.min(k, this.count);
    if (q === 0) return [];
    if (take === 0) return Array.from({ length: q }, () => []);
    const matrix = this.matrix();
    const { values, indices } = noGrad(() => {
      const query = tensor(queries, [q, d]);
      const scores = matmul(query, matrix, { transposeB: true }); // (Q, N)
      const best = topk(scores, take); // (Q, take)
      query.dispose();
      scores.dispose();
      return best;
    });
    try {
      const [scoreData, rowData] = await Promise.all([values.data(), indices.data()]);
      return Array.from({ length: q }, (_, i) =>
        Array.from({ length: take }, (_, j) => ({
          id: this.ids[rowData[i * take + j]!]!,
          score: scoreData[i * take + j]!,
        })),
      );
    } finally {
      values.dispose();
      indices.dispose();
    }
  }

  entries(): { ids: string[]; data: Float32Array } {
    return { ids: [...this.ids], data: this.data.slice(0, this.count * this.dimension) };
  }

  dispose(): void {
    this.invalidate();
  }

  private matrix(): Tensor {
    if (!this.onDevice) {
      this.onDevice = tensor(this.data.subarray(0, this.count * this.dimension), [
        this.count,
        this.dimension,
      ]);
    }
    return this.onDevice;
  }

  private invalidate(): void {
    this.onDevice?.dispose();
    this.onDevice = null;
  }
}

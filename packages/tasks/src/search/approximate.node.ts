// Approximate nearest neighbours for corpora that outgrow exact search: an HNSW graph
// (usearch, Unum's single-file vector search engine; its npm package carries prebuilt
// N-API binaries for Linux, macOS and Windows, so installing downloads nothing else and
// compiles nothing). Behind the same VectorIndex interface as ExactVectorIndex; inner
// product on unit vectors = cosine. Node only (a native addon). usearch keys are 64-bit
// integers, so this file keeps the string id ↔ key table, and the vectors themselves
// (for saving the index as safetensors like the exact one; the graph is rebuilt on load).
import { checkK, type RankedId } from './bm25.js';
import { SearchError } from './errors.js';
import type { VectorIndex, VectorIndexFactory } from './vector-index.js';

type Usearch = typeof import('usearch');
type UsearchIndex = InstanceType<Usearch['Index']>;

export interface HnswOptions {
  /** Graph degree M (default 16). */
  connectivity?: number;
  /** Candidate list while inserting, efConstruction (default 128). */
  expansionAdd?: number;
  /**
   * Candidate list while searching, ef (default 128; at least k is used); higher: better
   * recall, slower. Measured at 1M sentence-embedding-like vectors of width 128 (M 16,
   * efConstruction 128; bench/ann.ts): recall@10 0.943 at ef 64, 0.974 at 128, 0.980 at 256.
   */
  expansionSearch?: number;
  /** Threads for batch insert and search (default 0: usearch decides). */
  threads?: number;
}

async function loadUsearch(): Promise<Usearch> {
  try {
    const module = (await import('usearch')) as Usearch & { default?: Usearch };
    return module.default ?? module;
  } catch (error) {
    throw new SearchError(
      'SEARCH_APPROXIMATE',
      `the approximate index needs the npm package 'usearch' (a prebuilt native addon), which did not load: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export class HnswVectorIndex implements VectorIndex {
  readonly kind = 'hnsw';
  readonly dimension: number;
  private readonly index: UsearchIndex;
  private readonly threads: number;
  private readonly keyOf = new Map<string, bigint>();
  private readonly idOf = new Map<bigint, string>();
  private readonly vectorOf = new Map<string, Float32Array>();
  private nextKey = 0n;
  private disposed = false;

  private constructor(usearch: Usearch, dimension: number, options: HnswOptions) {
    this.dimension = dimension;
    this.threads = options.threads ?? 0;
    this.index = new usearch.Index({
      dimensions: dimension,
      metric: usearch.MetricKind.IP,
      quantization: usearch.ScalarKind.F32,
      connectivity: options.connectivity ?? 16,
      expansion_add: options.expansionAdd ?? 128,
      expansion_search: options.expansionSearch ?? 128,
      multi: false,
    });
  }

  static async create(dimension: number, options: HnswOptions = {}): Promise<HnswVectorIndex> {
    if (!Number.isInteger(dimension) || dimension < 1)
      throw new SearchError('SEARCH_INVALID', `vector width must be a positive integer, got ${dimension}`);
    return new HnswVectorIndex(await loadUsearch(), dimension, options);
  }

  get size(): number {
    return this.keyOf.size;
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
      if (this.keyOf.has(id) || fresh.has(id))
        throw new SearchError('SEARCH_INVALID', `vector '${id}' is already in the index`);
      fresh.add(id);
    }
    if (ids.length === 0) return;
    const keys = new BigUint64Array(ids.length);
    ids.forEach((id, i) => {
      const key = this.nextKey++;
      keys[i] = key;
      this.keyOf.set(id, key);
      this.idOf.set(key, id);
      this.vectorOf.set(id, vectors.slice(i * d, (i + 1) * d));
    });
    this.index.add(keys, vectors, this.threads);
  }

  delete(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const key = this.keyOf.get(id);
      if (key === undefined) continue;
      this.index.remove(key);
      this.keyOf.delete(id);
      this.idOf.delete(key);
      this.vectorOf.delete(id);
      removed++;
    }
    return removed;
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
    const take = Math.min(k, this.size);
    if (take === 0) return Array.from({ length: q }, () => []);
    const out: RankedId[][] = [];
    for (let i = 0; i < q; i++) {
      const matches = this.index.search(queries.subarray(i * d, (i + 1) * d), take, this.threads);
      const hits: RankedId[] = [];
      matches.keys.forEach((key, j) => {
        const id = this.idOf.get(key);
        // usearch's IP "distance" is 1 − dot.
        if (id !== undefined) hits.push({ id, score: 1 - matches.distances[j]! });
      });
      out.push(hits);
    }
    return out;
  }

  entries(): { ids: string[]; data: Float32Array } {
    const ids = [...this.keyOf.keys()];
    const data = new Float32Array(ids.length * this.dimension);
    for (const [i, id] of ids.entries()) data.set(this.vectorOf.get(id)!, i * this.dimension);
    return { ids, data };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.keyOf.clear();
    this.idOf.clear();
    this.vectorOf.clear();
  }
}

/** A VectorIndexFactory for SearchIndex.build / loadSearchIndex: HNSW instead of exact search. */
export function hnswIndex(options: HnswOptions = {}): VectorIndexFactory {
  return (dimension) => HnswVectorIndex.create(dimension, options);
}

/** Share of the exact top-k ids that the approximate top-k found, averaged over queries. */
export function recallAtK(exact: readonly RankedId[][], approximate: readonly RankedId[][]): number {
  if (exact.length === 0) return 1;
  let sum = 0;
  exact.forEach((truth, i) => {
    const found = new Set((approximate[i] ?? []).map((h) => h.id));
    sum += truth.length === 0 ? 1 : truth.filter((h) => found.has(h.id)).length / truth.length;
  });
  return sum / exact.length;
}

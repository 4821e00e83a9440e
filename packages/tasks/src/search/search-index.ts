// SearchIndex: documents searchable by meaning (dense vectors from an Embedder, cosine by
// an exact or approximate VectorIndex), by words (BM25) or both (./fusion.ts: weighted
// reciprocal-rank or relative-score fusion). Optional token weights for mean pooling
// (SIF, ./token-weights.ts) and post-processing (centering or whitening,
// ./post-processing.ts) are fitted on the documents the index is built from and applied
// to every later document and query, so all vectors live in one space.
// Built in batches with progress; documents are added and deleted by id; the model's
// identity is part of the index, so a query embedded by another model is refused. Saving
// and loading are ./persist.node.ts's (Node) over ./index-files.ts's formats (anywhere).
import { z } from 'zod';
import { Bm25Index, type Bm25Options, checkK } from './bm25.js';
import { type Embedder, type EmbedProgress, embedInBatches, type ModelIdentity } from './embedder.js';
import { SearchError } from './errors.js';
import { ExactVectorIndex } from './exact-index.js';
import { FUSIONS, hybridWeights, reciprocalRankFusion, relativeScoreFusion } from './fusion.js';
import {
  applyVectorTransform,
  fitVectorTransform,
  type PostProcessing,
  type VectorTransform,
} from './post-processing.js';
import { fitTokenWeights, type TokenWeighting, type TokenWeights } from './token-weights.js';
import type { VectorIndex, VectorIndexFactory } from './vector-index.js';

/** JSON values a document's metadata may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

export const searchDocumentSchema = z
  .object({
    id: z.string().min(1, 'must not be empty'),
    text: z.string().refine((t) => t.trim().length > 0, 'must not be blank'),
    metadata: z.record(z.string(), jsonValue).optional(),
  })
  .strict();

export type SearchDocument = z.infer<typeof searchDocumentSchema>;

export type SearchMode = 'dense' | 'bm25' | 'hybrid';

const queryOptionsSchema = z
  .object({
    k: z.number().int().positive().default(10),
    mode: z.enum(['dense', 'bm25', 'hybrid']).default('dense'),
    /** Hybrid: how many of each ranker's best documents are fused (default max(k, 100)). */
    candidates: z.number().int().positive().optional(),
    /** Hybrid: RRF's k (default 60). */
    rrfK: z.number().nonnegative().default(60),
    /** Hybrid: 'rrf' (default: reciprocal ranks) or 'relative-score' (min-max normalised scores). */
    fusion: z.enum(FUSIONS).default('rrf'),
    /** Hybrid: the dense ranker's share, 0 (BM25 only) … 1 (dense only); default ½, both alike. */
    alpha: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export type QueryOptions = z.input<typeof queryOptionsSchema>;

export interface SearchHit {
  id: string;
  text: string;
  metadata?: Record<string, JsonValue>;
  /** 1 for the best hit. */
  rank: number;
  /** Cosine (dense), BM25 score (bm25) or the fused score (hybrid: RRF or relative score). */
  score: number;
  /** The scores behind a hybrid hit (absent where that ranker did not list the document). */
  parts?: { dense?: number; bm25?: number };
}

export interface AddOptions {
  /** Texts per embedder call (default 32). */
  batchSize?: number;
  onProgress?: EmbedProgress;
}

export interface AddReport {
  added: number;
  /** Ids of documents longer than the model reads (their vectors cover the first maxTokens). */
  truncated: string[];
}

export interface BuildOptions extends AddOptions {
  embedder: Embedder;
  bm25?: Bm25Options;
  /** Default: exact search (one matmul). */
  vectorIndex?: VectorIndexFactory;
  /**
   * Fitted on these documents' vectors and kept for later documents and queries: 'none'
   * (default), 'center' or 'whiten' ({ kind: 'whiten', dims } keeps the top dims).
   */
  postProcessing?: PostProcessing;
  /**
   * Token weights for mean pooling, counted on these documents: 'none' (default) or 'sif'
   * (a / (a + p(w))); needs an embedder with `tokenIds` and `vocabSize`.
   */
  tokenWeighting?: TokenWeighting;
}

function describe(error: z.ZodError, where: string): string {
  return error.issues
    .map((i) => `${where}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`)
    .join('; ');
}

export class SearchIndex {
  readonly identity: ModelIdentity;
  readonly bm25: Bm25Index;
  private readonly docs = new Map<string, SearchDocument>();
  private embedder: Embedder | null;
  private vectors: VectorIndex | null;
  private readonly makeVectors: VectorIndexFactory;
  private fitted: VectorTransform | null = null;
  private weights: TokenWeights | null = null;

  private constructor(
    identity: ModelIdentity,
    embedder: Embedder | null,
    vectors: VectorIndex | null,
    makeVectors: VectorIndexFactory,
    bm25: Bm25Options,
  ) {
    this.identity = identity;
    this.embedder = embedder;
    this.vectors = vectors;
    this.makeVectors = makeVectors;
    this.bm25 = new Bm25Index(bm25);
  }

  /** Embeds and indexes `documents` (at least one) with `options.embedder`. */
  static async build(
    documents: readonly SearchDocument[],
    options: BuildOptions,
  ): Promise<{
    index: SearchIndex;
    report: AddReport;
  }> {
    if (documents.length === 0)
      throw new SearchError('SEARCH_EMPTY_CORPUS', 'cannot build a search index from no documents');
    const index = new SearchIndex(
      options.embedder.identity,
      options.embedder,
      null,
      options.vectorIndex ?? ((d) => new ExactVectorIndex(d)),
      options.bm25 ?? {},
    );
    const checked = index.validate(documents);
    const weighting = options.tokenWeighting ?? 'none';
    if (weighting !== 'none') {
      const { ids, vocabSize } = tokenIdsOf(options.embedder, checked);
      index.weights = fitTokenWeights(ids, vocabSize, weighting);
    }
    const vectors = await index.embedChecked(options.embedder, checked, options);
    index.fitted = fitVectorTransform(vectors.data, vectors.dimension, options.postProcessing ?? 'none');
    const report = await index.addEmbedded(options.embedder, checked, vectors.data);
    return { index, report };
  }

  /**
   * An index from saved parts (see ./persist.node.ts): documents and their unit vectors
   * in the same order. `embedder` may be left out for BM25-only use; if given, its
   * identity must be the saved one.
   */
  static async restore(parts: {
    identity: ModelIdentity;
    documents: readonly SearchDocument[];
    vectors: Float32Array;
    dimension: number;
    bm25?: Bm25Options;
    embedder?: Embedder | null;
    vectorIndex?: VectorIndexFactory;
    /** The post-processing the vectors went through (applied to queries and new documents). */
    transform?: VectorTransform | null;
    /** The token weights the vectors were pooled with (used for queries and new documents). */
    tokenWeights?: TokenWeights | null;
  }): Promise<SearchIndex> {
    const makeVectors = parts.vectorIndex ?? ((d: number) => new ExactVectorIndex(d));
    const index = new SearchIndex(parts.identity, null, null, makeVectors, parts.bm25 ?? {});
    const transform = parts.transform ?? null;
    if (transform && transform.outputDimension !== parts.dimension)
      throw new SearchError(
        'SEARCH_INVALID',
        `the post-processing outputs width ${transform.outputDimension}, the vectors have width ${parts.dimension}`,
      );
    index.fitted = transform;
    index.weights = parts.tokenWeights ?? null;
    if (parts.embedder) index.useEmbedder(parts.embedder);
    index.insert(parts.documents);
    const vectors = await makeVectors(parts.dimension);
    vectors.add(
      parts.documents.map((d) => d.id),
      parts.vectors,
    );
    index.vectors = vectors;
    return index;
  }

  get size(): number {
    return this.docs.size;
  }

  /** The stored vectors' width (0 before the first document); the model's, unless whitening cut it. */
  get dimension(): number {
    return this.vectors?.dimension ?? 0;
  }

  /** The post-processing fitted at build time (null: vectors as the model gives them). */
  get transform(): VectorTransform | null {
    return this.fitted;
  }

  /** The token weights fitted at build time (null: plain mean pooling). */
  get tokenWeights(): TokenWeights | null {
    return this.weights;
  }

  get vectorIndexKind(): string {
    return this.vectors?.kind ?? 'exact';
  }

  /** Attaches the model that embeds queries; refuses one that is not the model of the index. */
  useEmbedder(embedder: Embedder): void {
    const want = this.identity;
    const got = embedder.identity;
    if (got.fingerprint !== want.fingerprint)
      throw new SearchError(
        'SEARCH_MODEL_MISMATCH',
        `this index was built with the model '${want.name}' (fingerprint ${want.fingerprint.slice(0, 12)}), ` +
          `not '${got.name}' (fingerprint ${got.fingerprint.slice(0, 12)}): their vectors are not comparable. ` +
          `Query with the index's model, or build the index again with this one.`,
      );
    if (this.weights && !embedder.tokenIds)
      throw new SearchError(
        'SEARCH_EMBEDDER',
        `this index pools with token weights, and the embedder '${got.name}' cannot take them`,
      );
    this.embedder = embedder;
  }

  has(id: string): boolean {
    return this.docs.has(id);
  }

  get(id: string): SearchDocument | undefined {
    return this.docs.get(id);
  }

  /** The documents in insertion order. */
  documents(): SearchDocument[] {
    return [...this.docs.values()];
  }

  /** The unit vectors, row-major in the order of `documents()`. */
  vectorData(): Float32Array {
    if (!this.vectors) return new Float32Array(0);
    const { ids, data } = this.vectors.entries();
    const order = this.documents().map((d) => d.id);
    if (ids.every((id, i) => id === order[i])) return data;
    // An approximate index may return its own order; put rows back in document order.
    const d = this.dimension;
    const rowOf = new Map(ids.map((id, row) => [id, row]));
    const out = new Float32Array(order.length * d);
    order.forEach((id, i) => {
      const row = rowOf.get(id)!;
      out.set(data.subarray(row * d, (row + 1) * d), i * d);
    });
    return out;
  }

  /**
   * Embeds and adds documents whose ids are new; nothing is added if any is invalid. The
   * post-processing fitted at build time (if any) applies to them as it is, not refitted.
   */
  async add(documents: readonly SearchDocument[], options: AddOptions = {}): Promise<AddReport> {
    const embedder = this.requireEmbedder('add documents');
    const checked = this.validate(documents);
    const { data } = await this.embedChecked(embedder, checked, options);
    return this.addEmbedded(embedder, checked, data);
  }

  /** The width the model's vectors must have (before post-processing), once known. */
  private get modelDimension(): number | undefined {
    return this.fitted?.inputDimension ?? this.vectors?.dimension;
  }

  /** Unit vectors in the model's space, row-major in the order of `checked`. */
  private embedChecked(embedder: Embedder, checked: readonly SearchDocument[], options: AddOptions) {
    const dimension = this.modelDimension;
    return embedInBatches(
      embedder,
      checked.map((d) => d.text),
      {
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(dimension === undefined ? {} : { dimension }),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...this.embedOptions(),
      },
    );
  }

  private embedOptions(): { embed?: { tokenWeights: Float32Array } } {
    return this.weights ? { embed: { tokenWeights: this.weights.weights } } : {};
  }

  /** Post-processes `modelVectors` (the model's unit rows) and stores them with the documents. */
  private async addEmbedded(
    embedder: Embedder,
    checked: readonly SearchDocument[],
    modelVectors: Float32Array,
  ): Promise<AddReport> {
    const data = this.fitted ? await applyVectorTransform(this.fitted, modelVectors) : modelVectors;
    const dimension = this.fitted?.outputDimension ?? modelVectors.length / Math.max(checked.length, 1);
    if (!this.vectors) this.vectors = await this.makeVectors(dimension);
    this.vectors.add(
      checked.map((d) => d.id),
      data,
    );
    this.insert(checked);
    const { maxTokens, countTokens } = embedder;
    const truncated =
      maxTokens !== undefined && countTokens
        ? checked.filter((d) => countTokens.call(embedder, d.text) > maxTokens).map((d) => d.id)
        : [];
    return { added: checked.length, truncated };
  }

  /** Deletes documents by id; returns how many were present. */
  delete(ids: readonly string[]): number {
    const present = ids.filter((id) => this.docs.has(id));
    for (const id of present) {
      this.docs.delete(id);
      this.bm25.delete(id);
    }
    this.vectors?.delete(present);
    return present.length;
  }

  /** The k best documents for `text`: by cosine (dense), BM25, or both fused (hybrid). */
  async query(text: string, options: QueryOptions = {}): Promise<SearchHit[]> {
    const parsed = queryOptionsSchema.safeParse(options);
    if (!parsed.success) throw new SearchError('SEARCH_INVALID', describe(parsed.error, 'query options'));
    const { k, mode, rrfK, fusion, alpha } = parsed.data;
    checkK(k);
    if (mode === 'bm25') return this.hits(this.bm25.search(text, k), 'bm25');
    const dense = await this.denseSearch(
      text,
      mode === 'dense' ? k : Math.max(k, parsed.data.candidates ?? 100),
    );
    if (mode === 'dense') return this.hits(dense, 'dense');
    const lexical = this.bm25.search(text, Math.max(k, parsed.data.candidates ?? 100));
    const denseScore = new Map(dense.map((h) => [h.id, h.score]));
    const lexicalScore = new Map(lexical.map((h) => [h.id, h.score]));
    const weights = hybridWeights(alpha);
    const fused = (
      fusion === 'rrf'
        ? reciprocalRankFusion([dense.map((h) => h.id), lexical.map((h) => h.id)], rrfK, weights)
        : relativeScoreFusion([dense, lexical], weights)
    ).slice(0, k);
    return fused.map((f, i) => {
      const doc = this.docs.get(f.id)!;
      const parts: { dense?: number; bm25?: number } = {};
      if (denseScore.has(f.id)) parts.dense = denseScore.get(f.id)!;
      if (lexicalScore.has(f.id)) parts.bm25 = lexicalScore.get(f.id)!;
      return { ...doc, rank: i + 1, score: f.score, parts };
    });
  }

  /** Frees the vectors' device memory (the documents stay readable). */
  dispose(): void {
    this.vectors?.dispose();
  }

  private async denseSearch(text: string, k: number): Promise<{ id: string; score: number }[]> {
    const embedder = this.requireEmbedder('search by meaning');
    if (!this.vectors || this.size === 0) return [];
    const { data } = await embedInBatches(embedder, [text], {
      dimension: this.modelDimension!,
      ...this.embedOptions(),
    });
    const query = this.fitted ? await applyVectorTransform(this.fitted, data) : data;
    const [hits] = await this.vectors.search(query, Math.min(k, this.size));
    return hits ?? [];
  }

  private hits(ranked: readonly { id: string; score: number }[], _mode: SearchMode): SearchHit[] {
    return ranked.map((r, i) => ({ ...this.docs.get(r.id)!, rank: i + 1, score: r.score }));
  }

  private requireEmbedder(what: string): Embedder {
    if (!this.embedder)
      throw new SearchError(
        'SEARCH_INVALID',
        `to ${what}, load the index with its model ('${this.identity.name}'); without it only BM25 works`,
      );
    return this.embedder;
  }

  private validate(documents: readonly SearchDocument[]): SearchDocument[] {
    const seen = new Set<string>();
    return documents.map((doc, i) => {
      const parsed = searchDocumentSchema.safeParse(doc);
      const label = `document ${i}${typeof doc?.id === 'string' ? ` ('${doc.id}')` : ''}`;
      if (!parsed.success) throw new SearchError('SEARCH_INVALID', describe(parsed.error, label));
      const { id } = parsed.data;
      if (this.docs.has(id) || seen.has(id))
        throw new SearchError('SEARCH_INVALID', `${label}: the id '${id}' is already in the index`);
      seen.add(id);
      return parsed.data;
    });
  }

  private insert(documents: readonly SearchDocument[]): void {
    for (const doc of documents) {
      this.docs.set(doc.id, doc);
      this.bm25.add(doc.id, doc.text);
    }
  }
}

/** Each document's token ids and the vocabulary size, from an embedder that can weight tokens. */
function tokenIdsOf(
  embedder: Embedder,
  documents: readonly SearchDocument[],
): { ids: number[][]; vocabSize: number } {
  const { tokenIds, vocabSize } = embedder;
  if (!tokenIds || vocabSize === undefined)
    throw new SearchError(
      'SEARCH_INVALID',
      `token weighting needs an embedder that tokenises (tokenIds, vocabSize); '${embedder.identity.name}' does not`,
    );
  return { ids: documents.map((d) => tokenIds.call(embedder, d.text)), vocabSize };
}

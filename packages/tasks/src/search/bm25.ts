// A lexical ranker: Okapi BM25 over an inverted index, with Lucene's non-negative idf
//   idf(t) = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))
//   score(q, d) = Σ_{t ∈ q} idf(t) · f(t, d) · (k1 + 1) / (f(t, d) + k1 · (1 − b + b · |d| / avgdl))
// (k1 = 1.2, b = 0.75 by default). A term repeated in the query counts once per
// occurrence, as rank_bm25 does. Documents are added and deleted by id; statistics (N,
// n(t), avgdl) always describe the documents present now.
import { SearchError } from './errors.js';

export interface Bm25Options {
  /** Term-frequency saturation (default 1.2). */
  k1?: number;
  /** Length normalisation, 0 (none) … 1 (full) (default 0.75). */
  b?: number;
}

export interface RankedId {
  id: string;
  score: number;
}

/** Lower-cased runs of letters and digits (any script): the terms BM25 counts. */
export function bm25Terms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  /** term → (document id → frequency of the term in it) */
  private readonly postings = new Map<string, Map<string, number>>();
  /** document id → its length in terms; insertion order breaks score ties. */
  private readonly lengths = new Map<string, number>();
  private readonly terms = new Map<string, string[]>();
  private totalLength = 0;

  constructor(options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    if (!(this.k1 >= 0) || !Number.isFinite(this.k1))
      throw new SearchError('SEARCH_INVALID', `BM25: k1 must be a finite number ≥ 0, got ${this.k1}`);
    if (!(this.b >= 0 && this.b <= 1))
      throw new SearchError('SEARCH_INVALID', `BM25: b must be in [0, 1], got ${this.b}`);
  }

  get size(): number {
    return this.lengths.size;
  }

  /** Mean document length in terms (0 when empty). */
  get averageLength(): number {
    return this.size === 0 ? 0 : this.totalLength / this.size;
  }

  has(id: string): boolean {
    return this.lengths.has(id);
  }

  add(id: string, text: string): void {
    if (this.lengths.has(id))
      throw new SearchError('SEARCH_INVALID', `BM25: document '${id}' is already indexed`);
    const terms = bm25Terms(text);
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    for (const [term, count] of counts) {
      let posting = this.postings.get(term);
      if (!posting) this.postings.set(term, (posting = new Map()));
      posting.set(id, count);
    }
    this.lengths.set(id, terms.length);
    this.terms.set(id, [...counts.keys()]);
    this.totalLength += terms.length;
  }

  /** Removes a document; false if it was not indexed. */
  delete(id: string): boolean {
    const length = this.lengths.get(id);
    if (length === undefined) return false;
    for (const term of this.terms.get(id) ?? []) {
      const posting = this.postings.get(term)!;
      posting.delete(id);
      if (posting.size === 0) this.postings.delete(term);
    }
    this.lengths.delete(id);
    this.terms.delete(id);
    this.totalLength -= length;
    return true;
  }

  /** Documents containing the term. */
  documentFrequency(term: string): number {
    return this.postings.get(term)?.size ?? 0;
  }

  idf(term: string): number {
    const n = this.documentFrequency(term);
    return Math.log(1 + (this.size - n + 0.5) / (n + 0.5));
  }

  /** The BM25 score of every document that shares a term with the query (others score 0). */
  scores(query: string): Map<string, number> {
    const out = new Map<string, number>();
    const avgdl = this.averageLength;
    for (const term of bm25Terms(query)) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      const idf = this.idf(term);
      for (const [id, f] of posting) {
        const dl = this.lengths.get(id)!;
        const norm = this.k1 * (1 - this.b + (this.b * dl) / avgdl);
        out.set(id, (out.get(id) ?? 0) + (idf * f * (this.k1 + 1)) / (f + norm));
      }
    }
    return out;
  }

  /** The score of one document (0 when it shares no term or is absent). */
  score(query: string, id: string): number {
    return this.scores(query).get(id) ?? 0;
  }

  /**
   * The k best documents with a positive score, best first; ties go to the document
   * indexed first.
   */
  search(query: string, k: number): RankedId[] {
    checkK(k);
    const order = new Map<string, number>();
    let i = 0;
    for (const id of this.lengths.keys()) order.set(id, i++);
    return [...this.scores(query)]
      .filter(([, score]) => score > 0)
      .sort((a, b) => b[1] - a[1] || order.get(a[0])! - order.get(b[0])!)
      .slice(0, k)
      .map(([id, score]) => ({ id, score }));
  }
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1)
    throw new SearchError('SEARCH_INVALID', `k must be a positive integer, got ${k}`);
}

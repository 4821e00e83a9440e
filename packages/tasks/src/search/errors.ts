// The one error type of semantic search, with stable codes: programs branch on `code`,
// messages name the file, option or document at fault.
import { TensorlmError } from '@tensorlm/tensor-core';

export type SearchErrorCode =
  /** Bad arguments or options (k ≤ 0, a document without text, a duplicate id). */
  | 'SEARCH_INVALID'
  /** Building an index from no documents. */
  | 'SEARCH_EMPTY_CORPUS'
  /** The embedder returned something other than one vector of the index's width per text. */
  | 'SEARCH_EMBEDDER'
  /** Querying (or extending) an index with another model than the one that built it. */
  | 'SEARCH_MODEL_MISMATCH'
  /** An index file that is missing, truncated, edited or of another format. */
  | 'SEARCH_INDEX_CORRUPT'
  /** A folder that is not a search index where one is about to be written. */
  | 'SEARCH_NOT_AN_INDEX'
  /** The approximate index's library is missing or failed. */
  | 'SEARCH_APPROXIMATE';

export class SearchError extends TensorlmError {
  declare readonly code: SearchErrorCode;
  constructor(code: SearchErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SearchError';
  }
}

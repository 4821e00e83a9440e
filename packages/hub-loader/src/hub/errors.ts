// What a Hub download or a cache look-up can fail with. One class, `HubError`, whose
// stable `code` says which failure (programs branch on it) and whose message names the
// repo, revision, file, URL or cache path at fault and what to do about it.
import { TensorlmError } from '@tensorlm/tensor-core/errors';

export type HubErrorCode =
  /** A repo id, revision or file name that is malformed or could escape the cache. */
  | 'HUB_INVALID_NAME'
  /** 401 / 403: a private or gated repo without a (valid) token. */
  | 'HUB_UNAUTHORIZED'
  /** The repo does not exist (or is private and no token was sent). */
  | 'HUB_REPO_NOT_FOUND'
  /** The repo exists but the revision (branch, tag, commit) does not. */
  | 'HUB_REVISION_NOT_FOUND'
  /** 404 for one file of an existing repo and revision. */
  | 'HUB_FILE_NOT_FOUND'
  /** Offline (HF_HUB_OFFLINE / offline option) and the cache lacks a file. */
  | 'HUB_OFFLINE_MISSING'
  /** The downloaded bytes do not hash to the sha256 the Hub announced. */
  | 'HUB_CHECKSUM_MISMATCH'
  /** The downloaded file is not the size the Hub announced. */
  | 'HUB_SIZE_MISMATCH'
  /** The server could not be reached or the connection broke. */
  | 'HUB_NETWORK'
  /** The server answered something the Hub never answers (no commit, no ETag, a 5xx…). */
  | 'HUB_BAD_RESPONSE'
  /** The repo has none of the weight files tensorlm reads. */
  | 'HUB_NO_WEIGHTS'
  /** A shard index (`*.index.json`) that is not JSON with a `weight_map` of file names. */
  | 'HUB_BAD_INDEX'
  /** An option of resolveSnapshot that is the wrong type or out of range. */
  | 'HUB_INVALID_OPTIONS'
  /** The cache on disk is damaged (a ref that is not a commit, a shard index that is not JSON…). */
  | 'HUB_CACHE_DAMAGED';

export class HubError extends TensorlmError {
  declare readonly code: HubErrorCode;

  constructor(code: HubErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'HubError';
  }
}

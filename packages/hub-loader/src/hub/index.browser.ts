// The Hub for browsers: resolveBrowserSnapshot (fetch + Cache Storage) and the names and
// errors shared with Node, without a single `node:` import (a test walks the import graph).
export { HubError, type HubErrorCode } from './errors.js';
export type { FetchLike } from './http.js';
export {
  checkRepoFile,
  checkRepoId,
  checkRevision,
  DEFAULT_REVISION,
  isCommitHash,
  repoFolderName,
  resolveUrl,
} from './names.js';
export { CONFIG_FILE, OPTIONAL_FILES, WEIGHT_LAYOUTS } from './plan.js';
export {
  type BrowserDownloadProgress,
  type BrowserSnapshot,
  type BrowserSnapshotOptions,
  DEFAULT_CACHE_NAME,
  resolveBrowserSnapshot,
} from './resolve-snapshot.browser.js';

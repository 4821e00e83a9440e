// The Hub and the Hugging Face cache, for Node: `resolveSnapshot` (a repo id → its local
// snapshot folder, downloaded when needed), the cache layout, the environment settings
// and the errors. The browser twin is ./index.browser.ts.
export { type CachedFileState, RepoCache } from './cache.node.js';
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
  type DownloadProgress,
  type ResolveSnapshotOptions,
  resolveSnapshot,
} from './resolve-snapshot.node.js';
export { hfHome, hubCacheDir, hubEndpoint, hubOffline, hubToken } from './settings.node.js';

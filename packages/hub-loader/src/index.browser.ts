// @tensorlm/hub-loader for browsers (the package's `browser` export condition):
// ./index.shared.ts plus `fromPretrained` from a Hub repo id (fetch + Cache Storage) or from
// the files of a model folder the page holds (dropped / picked `File`s, name → Blob). No
// `node:` import is reachable from here (tooling/browser bundles it and checks). Writing
// folders (savePretrained), the Hugging Face cache on disk and tensorlm runs are Node's.

export {
  type BrowserDownloadProgress,
  type BrowserSnapshot,
  type BrowserSnapshotOptions,
  DEFAULT_CACHE_NAME,
  resolveBrowserSnapshot,
} from './hub/resolve-snapshot.browser.js';
export * from './index.shared.js';
export {
  type BrowserFromPretrainedOptions,
  type BrowserFromPretrainedOptions as FromPretrainedOptions,
  type BrowserLoadProgress,
  type BrowserModelSource,
  fromPretrained,
} from './load/from-pretrained.browser.js';

// What both entries of @tensorlm/hub-loader export (./index.ts for Node, ./index.browser.ts
// for browsers): the errors, the weight formats over Blobs and their names, the
// architecture registry and key rules, the load report, and the Hub names. Each entry adds
// its own `fromPretrained` and where files come from. Add new exports here unless they need
// `node:` (a test in tooling/browser bundles the browser entry and checks).
export { ModelFolderError, type ModelFolderErrorCode } from './errors.js';
export {
  type BlobFolder,
  blobReader,
  openBlobWeights,
  openSafetensorsBlobSource,
  openTorchBlobSource,
} from './formats/files.js';
export {
  PYTORCH_INDEX,
  PYTORCH_WEIGHTS,
  pickWeightFile,
  SAFETENSORS_INDEX,
  SAFETENSORS_WEIGHTS,
  WEIGHT_FILE_NAMES,
  type WeightFileNames,
  weightFileNames,
} from './formats/layout.js';
export { combineShards, parseShardIndex, type ShardFolder, type ShardIndex } from './formats/shard-index.js';
export type { WeightFileOpener, WeightInfo, WeightSource } from './formats/source.js';
export { HubError, type HubErrorCode } from './hub/errors.js';
export type { FetchLike } from './hub/http.js';
export { checkRepoFile, checkRepoId, checkRevision, isCommitHash, repoFolderName } from './hub/names.js';
export { folderOfFiles, type ModelFiles } from './load/blob-folder.js';
export {
  CONFIG_FILE,
  type CommonPretrainedOptions,
  GENERATION_CONFIG_FILE,
  type LoadTensorProgress,
  type Pretrained,
} from './load/pretrained.js';
export { formatLoadReport, type LoadReport, type WeightsReport } from './load/report.js';
export { parseWith, requireOneOf, unsupportedConfigField } from './registry/config-fields.js';
export {
  type IgnoreRule,
  type KeyMapping,
  type KeyRules,
  keyMapping,
  type RenameRule,
} from './registry/key-rules.js';
export {
  type Architecture,
  architectureForConfig,
  architectureOfModel,
  getArchitecture,
  listArchitectures,
  registerArchitecture,
  unregisterArchitecture,
} from './registry/registry.js';

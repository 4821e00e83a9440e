// @tensorlm/hub-loader: the owner of model folders, in both directions — Hugging Face
// layouts (config.json, safetensors, sharded, pytorch_model.bin through a restricted
// unpickler, tokenizer files), the architecture registry, the Hugging Face cache and
// Hub downloads, and savePretrained folders that `transformers` loads as they are.
export { ModelFolderError, type ModelFolderErrorCode } from './errors.js';
export {
  findWeights,
  openWeights,
  PYTORCH_INDEX,
  PYTORCH_WEIGHTS,
  SAFETENSORS_INDEX,
  SAFETENSORS_WEIGHTS,
  WEIGHT_FORMATS,
  type WeightFormat,
  weightFileNames,
} from './formats/open.js';
export { openSafetensorsSource } from './formats/safetensors/safetensors-source.js';
export { openShardedSource, readShardIndex } from './formats/sharded.js';
export type { WeightFileOpener, WeightInfo, WeightSource } from './formats/source.js';
// The Hub and the Hugging Face cache (src/hub, Node; the browser twin is src/hub/index.browser.ts).
export {
  checkRepoFile,
  checkRepoId,
  checkRevision,
  type DownloadProgress,
  type FetchLike,
  HubError,
  type HubErrorCode,
  hfHome,
  hubCacheDir,
  hubEndpoint,
  hubOffline,
  hubToken,
  isCommitHash,
  RepoCache,
  type ResolveSnapshotOptions,
  repoFolderName,
  resolveSnapshot,
} from './hub/index.js';
export {
  type FromPretrainedOptions,
  fromPretrained,
  GENERATION_CONFIG_FILE,
  type LoadProgress,
  type Pretrained,
} from './load/from-pretrained.js';
export { CONFIG_FILE, type LocatedModel, locateModel } from './load/locate.js';
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
export {
  BEST_POINTER,
  CHECKPOINT_NAME,
  type CheckpointPointer,
  LATEST_POINTER,
  pointerPath,
  RUN_MANIFEST,
  readRunPointer,
  runCheckpoint,
} from './run/pointers.js';
export { storedBytes, writeSafetensorsStreaming } from './save/safetensors-writer.js';
export {
  DEFAULT_MAX_SHARD_BYTES,
  SAVED_FILES_MANIFEST,
  type SavePretrainedOptions,
  type SavePretrainedResult,
  savePretrained,
} from './save/save-pretrained.js';
export { loadFolderTokenizer, TOKENIZER_FILES } from './tokenizer/load-tokenizer.js';

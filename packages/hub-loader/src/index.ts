// @tensorlm/hub-loader: the owner of model folders, in both directions — Hugging Face
// layouts (config.json, safetensors, sharded, pytorch_model.bin through a restricted
// unpickler, tokenizer files), the architecture registry, the Hugging Face cache and
// Hub downloads, and savePretrained folders that `transformers` loads as they are.
// This is the Node entry: ./index.shared.ts plus files on disk, the Hugging Face cache and
// runs; browsers get ./index.browser.ts through the package's `browser` export condition.

export { findWeights, openWeights, WEIGHT_FORMATS, type WeightFormat } from './formats/open.js';
export { openSafetensorsSource } from './formats/safetensors/safetensors-source.js';
export { openShardedSource, readShardIndex } from './formats/sharded.js';
// The Hub and the Hugging Face cache (src/hub, Node; the browser twin is src/hub/index.browser.ts).
export {
  type DownloadProgress,
  hfHome,
  hubCacheDir,
  hubEndpoint,
  hubOffline,
  hubToken,
  RepoCache,
  type ResolveSnapshotOptions,
  resolveSnapshot,
} from './hub/index.js';
export * from './index.shared.js';
export { type FromPretrainedOptions, fromPretrained, type LoadProgress } from './load/from-pretrained.js';
export { type LocatedModel, locateModel } from './load/locate.js';
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

// The errors of reading and writing model folders. One class, `ModelFolderError`, whose
// stable `code` says which failure (programs branch on it) and whose message names the
// folder, file, tensor or config field at fault. Hub downloads have their own `HubError`
// (src/hub), weight-file parsers theirs (nn's SafetensorsError, the pickle reader's).
import { TensorlmError } from '@tensorlm/tensor-core/errors';

export type ModelFolderErrorCode =
  /** The source is neither a folder on disk nor a repo id that could be resolved. */
  | 'MODEL_SOURCE_NOT_FOUND'
  /** A folder without config.json (and not a run folder). */
  | 'MODEL_CONFIG_MISSING'
  /** config.json is not JSON, or misses / mistypes a field. */
  | 'MODEL_CONFIG_INVALID'
  /** config.json asks for something the model cannot do (the field is named). */
  | 'MODEL_CONFIG_UNSUPPORTED'
  /** config.json names an architecture no registered builder knows. */
  | 'MODEL_ARCHITECTURE_UNKNOWN'
  /** No weights file in the folder (every name looked for is listed). */
  | 'MODEL_WEIGHTS_MISSING'
  /** A shard index that is not valid, or names a shard that is missing. */
  | 'MODEL_INDEX_INVALID'
  /** The weights do not fit the model: missing, unexpected or mis-shaped tensors. */
  | 'MODEL_WEIGHTS_MISMATCH'
  /** No tokenizer file the loader can read (every name looked for is listed). */
  | 'MODEL_TOKENIZER_MISSING'
  /** A run folder's latest.json / best.json that is malformed or points outside the run. */
  | 'MODEL_RUN_POINTER_INVALID'
  /** savePretrained refuses a folder holding files it did not write. */
  | 'MODEL_FOLDER_NOT_OURS'
  /** An architecture registered twice, or a registration that is not well-formed. */
  | 'MODEL_REGISTRY_INVALID';

export class ModelFolderError extends TensorlmError {
  declare readonly code: ModelFolderErrorCode;
  /** The folder or file at fault, when there is one. */
  readonly path: string | null;

  constructor(
    code: ModelFolderErrorCode,
    message: string,
    options: { path?: string | null; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.name = 'ModelFolderError';
    this.path = options.path ?? null;
  }
}

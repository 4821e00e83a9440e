// The errors of run folders. Each has a stable `code` (programs branch on it) and a
// message naming the folder or file at fault and what the user can do about it.
import { TrainerError } from '../errors.js';

export type RunFolderErrorCode =
  /** The folder holds files but no tensorlm run: nothing in it is touched. */
  | 'RUN_FOLDER_NOT_A_RUN'
  /** The folder holds a run and neither resume nor overwrite was asked for. */
  | 'RUN_FOLDER_HOLDS_RUN'
  /** Another live process trains into the folder. */
  | 'RUN_FOLDER_LOCKED'
  /** A pointer (latest.json / best.json) names something outside the run or malformed. */
  | 'RUN_FOLDER_BAD_POINTER'
  /** The manifest or a checkpoint is damaged beyond what a fallback can fix. */
  | 'RUN_FOLDER_DAMAGED'
  /** The options contradict each other (resume and overwrite). */
  | 'RUN_FOLDER_OPTIONS';

export class RunFolderError extends TrainerError {
  /** The folder or file at fault. */
  readonly path: string;

  constructor(code: RunFolderErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, { code, cause: options?.cause });
    this.name = 'RunFolderError';
    this.path = path;
  }
}

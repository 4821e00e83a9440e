// The errors of reading `pytorch_model.bin`: one class, `TorchFormatError`, whose stable
// `code` says which failure and whose message starts with the file (and names the zip
// entry, pickle byte offset, global, opcode or tensor at fault).
import { TensorlmError } from '@tensorlm/tensor-core/errors';

export type TorchFormatErrorCode =
  /** Not a zip, a malformed zip, an entry escaping the archive or past its end, a storage larger than its entry. */
  | 'TORCH_ARCHIVE_INVALID'
  /** Saved by torch < 1.6 (raw pickle stream or tar), without the zip format. */
  | 'TORCH_LEGACY_FORMAT'
  /** The pickle is truncated or malformed (stack underflow, missing mark, bad memo index…). */
  | 'TORCH_PICKLE_INVALID'
  /** A byte that is not a pickle opcode at all. */
  | 'TORCH_UNKNOWN_OPCODE'
  /** A real pickle opcode that `torch.load(weights_only=True)` does not allow (INST, OBJ, NEWOBJ…). */
  | 'TORCH_FORBIDDEN_OPCODE'
  /** A global outside the allow-list (os.system, builtins.eval, subprocess.Popen…). */
  | 'TORCH_FORBIDDEN_GLOBAL'
  /** The pickle holds something other than a flat {name: tensor} state dict. */
  | 'TORCH_NOT_A_STATE_DICT'
  /** A storage type whose dtype tensorlm cannot read (complex, quantized…). */
  | 'TORCH_UNSUPPORTED_DTYPE'
  /** A tensor whose shape / stride / offset leaves its storage, or whose values do not fit. */
  | 'TORCH_TENSOR_INVALID'
  /** `read` of a name the checkpoint does not hold. */
  | 'TORCH_NO_SUCH_TENSOR';

export class TorchFormatError extends TensorlmError {
  declare readonly code: TorchFormatErrorCode;
  /** The file (or label) being read. */
  readonly file: string;

  constructor(code: TorchFormatErrorCode, file: string, message: string, options: { cause?: unknown } = {}) {
    super(code, `${file}: ${message}`, options);
    this.name = 'TorchFormatError';
    this.file = file;
  }
}

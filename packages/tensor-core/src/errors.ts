// The error types of tensorlm. Every package's errors extend `TensorlmError`, whose
// `code` is stable across releases (programs branch on it; messages may improve), and
// tensor-core's own `TensorError` carries the op's name so a failure deep in a model
// says which op and which shapes were at fault.

export class TensorlmError extends Error {
  /** A stable, machine-readable identifier such as 'TENSOR_OP' or 'RUN_FOLDER_NOT_A_RUN'. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TensorlmError';
    this.code = code;
  }
}

export class TensorError extends TensorlmError {
  readonly op: string;

  constructor(op: string, message: string, options?: { cause?: unknown }) {
    super('TENSOR_OP', `${op}: ${message}`, options);
    this.name = 'TensorError';
    this.op = op;
  }
}

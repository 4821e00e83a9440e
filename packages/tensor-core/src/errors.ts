// One error type for everything tensor-core rejects: it carries the op's name so a
// failure deep in a model says which op and which shapes were at fault.

export class TensorError extends Error {
  readonly op: string;

  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'TensorError';
    this.op = op;
  }
}

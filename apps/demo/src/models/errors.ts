// The demo's own errors: a stable code for each thing the page refuses (a folder that is
// not a model, a model too large for this adapter), with a message the page shows as it is.
import { TensorlmError } from '@tensorlm/tensor-core';

export type DemoErrorCode =
  | 'DEMO_NOT_A_MODEL_FOLDER'
  | 'DEMO_MODEL_TOO_LARGE'
  | 'DEMO_NO_MODEL'
  | 'DEMO_UNSUPPORTED_MODEL'
  | 'DEMO_BAD_ARCHIVE'
  | 'DEMO_STORAGE';

export class DemoError extends TensorlmError {
  declare readonly code: DemoErrorCode;
  constructor(code: DemoErrorCode, message: string) {
    super(code, message);
    this.name = 'DemoError';
  }
}

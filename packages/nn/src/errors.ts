// Errors @tensorlm/nn throws, on tensor-core's `TensorlmError`: `NnError` (code
// 'NN_MODULE') for misuse of modules (a meta parameter read, a state dict that does not
// fit, a model folder that cannot be read), `ConfigError` ('NN_CONFIG') for a bad config,
// naming every bad field.
import { type FieldIssue, formatFieldIssues, TensorlmError } from '@tensorlm/tensor-core';

export class NnError extends TensorlmError {
  /** `code` lets a subclass name its own failure (SafetensorsError: 'SAFETENSORS_INVALID'). */
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'NN_MODULE', message, { cause: options.cause });
    this.name = 'NnError';
  }
}

export class ConfigError extends NnError {
  /** The offending fields as key paths (`nEmbd`, `layers[2].p`); '' for the config as a whole. */
  readonly fields: readonly string[];

  constructor(what: string, issues: readonly FieldIssue[]) {
    super(`invalid ${what}: ${formatFieldIssues(issues)}`, { code: 'NN_CONFIG' });
    this.name = 'ConfigError';
    this.fields = issues.map((i) => i.path);
  }
}

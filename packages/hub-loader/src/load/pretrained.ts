// What `fromPretrained` returns and the options it takes on every platform (Node's
// ./from-pretrained.ts and the browser's ./from-pretrained.browser.ts add where the files
// come from). No `node:` import.
import type { Module } from '@tensorlm/nn';
import type { Backend } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import type { LoadReport } from './report.js';

export const CONFIG_FILE = 'config.json';
export const GENERATION_CONFIG_FILE = 'generation_config.json';

/** Progress of the upload: one event per tensor put on the backend. */
export interface LoadTensorProgress {
  phase: 'load';
  tensor: string;
  done: number;
  total: number;
}

export interface CommonPretrainedOptions {
  /** Hub revision (branch, tag or commit); default 'main'. Ignored for local folders and files. */
  revision?: string;
  /** Backend the weights are uploaded to (default: the current one). */
  backend?: Backend;
  /** The parameters' dtype; only 'float32' today (F16 / BF16 files are converted to it). */
  dtype?: 'float32' | 'f32';
  /**
   * Build this registered architecture instead of config.json's (same model_type):
   * `GPT2Model` from the `gpt2` checkpoint, `BertModel` from a BertForMaskedLM folder.
   */
  architecture?: string;
  signal?: AbortSignal;
}

export interface Pretrained<M extends Module = Module> {
  model: M;
  /** null when the folder has no tokenizer file. */
  tokenizer: Tokenizer | null;
  /** The model's own validated config (GPTConfig, BertConfig, …). */
  config: unknown;
  /** config.json as stored. */
  rawConfig: Record<string, unknown>;
  /** generation_config.json as stored, or null. */
  generationConfig: Record<string, unknown> | null;
  report: LoadReport;
}

// The messages between the page and the training worker (src/worker/worker.ts), which owns
// the model: the page sends commands, the worker reports progress, samples, embeddings and
// generated tokens. Plain structured-clone data only.
import type { AttentionMaps, FillMaskCandidate } from '@tensorlm/tasks';
import type { PickedFile } from '../models/folder.js';
import type { CheckpointSummary } from '../models/storage.js';
import type { MlmSettings, TrainSettings } from '../state/settings.js';

/** Which model a view uses: the grammar GPT trained in the page, the masked LM trained in the page, or the loaded one. */
export type ModelChoice = 'trained' | 'mlm' | 'loaded';

/** Where a model to load comes from. */
export type LoadSource =
  | { kind: 'files'; files: PickedFile[] }
  | { kind: 'hub'; repo: string }
  | { kind: 'stored'; name: string };

/** What the page shows about a loaded model. */
export interface LoadedInfo {
  label: string;
  source: 'folder' | 'run folder' | 'browser storage' | 'Hugging Face Hub';
  architecture: string;
  parameters: number;
  tokenizer: string;
  vocabSize: number;
  /** hub-loader's load report (key mapping, ignored tensors). */
  report: string;
}

/** Requests answered by one 'reply' with the same id (a value, or an error message). */
export type Request =
  | { type: 'attention'; model: ModelChoice; text: string }
  | { type: 'fill-mask'; model: 'mlm' | 'loaded'; text: string; topK: number }
  | { type: 'load'; source: LoadSource }
  | { type: 'save'; model: 'trained' | 'mlm'; name: string }
  | { type: 'download'; model: 'trained' | 'mlm' | 'loaded'; folder: string }
  | { type: 'list-stored' }
  | { type: 'delete-stored'; name: string };

export interface Replies {
  attention: AttentionMaps;
  'fill-mask': FillMaskCandidate[][];
  load: LoadedInfo;
  save: CheckpointSummary[];
  download: Uint8Array;
  'list-stored': CheckpointSummary[];
  'delete-stored': CheckpointSummary[];
}

export interface GenerateRequest {
  prompt: string;
  maxNewTokens: number;
  /** false: greedy. */
  doSample: boolean;
  temperature: number;
  /** 0: off. */
  topK: number;
  topP: number;
  seed: number;
  /** Stop when the model writes [End] (else always maxNewTokens tokens). */
  stopAtEnd: boolean;
  /** The grammar GPT trained here, or the loaded model. */
  model: 'trained' | 'loaded';
}

export type PageMessage =
  /** Builds (or rebuilds) the backend, model and optimizer; answered by 'ready'. */
  | { type: 'reset'; settings: TrainSettings }
  | { type: 'run' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'generate'; id: number; request: GenerateRequest }
  | { type: 'mlm-run'; settings: MlmSettings }
  | { type: 'mlm-pause' }
  | { type: 'request'; id: number; request: Request };

export interface Alternative {
  token: string;
  prob: number;
}

export interface EmbeddingPoint {
  word: string;
  /** The grammar's word category (its part of speech). */
  pos: string;
  x: number;
  y: number;
}

export type WorkerMessage =
  | {
      type: 'ready';
      backend: 'webgpu' | 'wasm' | 'cpu';
      adapter: string | null;
      /** Why WebGPU is not used although it was wanted; null when nothing fell back. */
      fallback: string | null;
      parameters: number;
      /** Largest single buffer of the backend in bytes (WebGPU's maxBufferSize); null: no limit. */
      maxStorageBytes: number | null;
    }
  | {
      type: 'step';
      step: number;
      loss: number;
      tokensSeen: number;
      /** Over the last few steps (training only). */
      tokensPerSecond: number;
      /** Over every step so far (training only). */
      meanTokensPerSecond: number;
    }
  | { type: 'eval'; step: number; loss: number; tokensSeen: number }
  | { type: 'samples'; step: number; sentences: string[]; accepted: number; total: number }
  | {
      type: 'embeddings';
      step: number;
      points: EmbeddingPoint[];
      clusters: string[][];
      explained: [number, number];
    }
  | { type: 'state'; running: boolean; step: number; steps: number }
  /**
   * `at`: the worker's clock when the token was made (performance.now(), ms); `prob`: null
   * when not computed (a large loaded model); `text`: a loaded model's whole text so far.
   */
  | {
      type: 'token';
      id: number;
      token: string;
      prob: number | null;
      alternatives: Alternative[];
      at: number;
      text?: string;
    }
  | { type: 'generated'; id: number; finish: 'eos' | 'length' | 'error'; error?: string; text?: string }
  | { type: 'mlm-step'; step: number; steps: number; loss: number; tokensPerSecond: number; running: boolean }
  | { type: 'mlm-error'; message: string }
  | { type: 'load-progress'; text: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; code: string | null }
  | { type: 'error'; message: string };

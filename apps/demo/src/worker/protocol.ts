// The messages between the page and the training worker (src/worker/worker.ts), which owns
// the model: the page sends commands, the worker reports progress, samples, embeddings and
// generated tokens. Plain structured-clone data only.
import type { TrainSettings } from '../state/settings.js';

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
}

export type PageMessage =
  /** Builds (or rebuilds) the backend, model and optimizer; answered by 'ready'. */
  | { type: 'reset'; settings: TrainSettings }
  | { type: 'run' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'generate'; id: number; request: GenerateRequest };

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
      backend: 'webgpu' | 'cpu';
      adapter: string | null;
      /** Why the CPU runs although WebGPU was wanted; null when nothing fell back. */
      fallback: string | null;
      parameters: number;
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
  /** `at`: the worker's clock when the token was made (performance.now(), ms). */
  | { type: 'token'; id: number; token: string; prob: number; alternatives: Alternative[]; at: number }
  | { type: 'generated'; id: number; finish: 'eos' | 'length' | 'error'; error?: string }
  | { type: 'error'; message: string };

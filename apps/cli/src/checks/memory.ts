// Will this GPT train here? An estimate of the memory a training step needs, made from
// the model config and the batch shape before anything is allocated, compared with what
// the backend can hold: `gpt2-xl --backend cpu` is refused with the figure at once rather
// than growing memory for minutes until the kernel kills it. A backend with a total
// limit of its own (wasm: one 4 GiB linear memory, `capabilities.maxTotalBytes`) is
// held to it whatever the machine has.
//
// The estimate (4-byte floats throughout, as every tensorlm backend trains in f32), from
// the tensors the autograd graph holds until the backward pass, op by op as nn's GPT2
// builds them:
//   parameters P          counted from the config (GPT-2 124M: 124,439,808)
//   training state        4·P: weights, gradients and AdamW's two moments
//   activations per layer 21·B·T·C + 2·B·T·F + 6·B·H·T²
//       B·T·C: ln_1 1, c_attn 3, its split 3, heads made contiguous 3, attention output 1,
//       heads merged 1, c_proj 1, dropout output and mask 2, residual 1, ln_2 1, MLP c_proj
//       1, dropout 2, residual 1; B·T·F: c_fc 1, GELU 1; B·H·T²: scores, scaled, masked,
//       softmax, dropout output and mask. Counted for L + 1 layers: the extra one is the
//       gradients in flight while the backward pass walks the stack.
//   embeddings and ln_f   5·B·T·C (token + position sum and dropout, final LN in/out)
//   logits                3·B·T·V (logits, log-softmax and their gradient)
// with B batch, T context, C width, F feed-forward width (4·C), H heads, L layers, V vocab.
// Allocator slack and the runtime come on top: a CPU run of gpt-micro at 32 × 256
// (estimate 1.7 GB) peaked at 2.26 GB resident. So "needs about X" is a floor, and a
// refusal means the run cannot fit.
import os from 'node:os';
import { type BackendCapabilities, getBackend } from '@tensorlm/tensor-core';
import type { CommandIO } from '../command.js';
import { CommandFailure } from '../errors.js';

const FLOAT_BYTES = 4;

/** The config fields the estimate reads (a GPTConfig has them all). */
export interface GptShape {
  vocabSize: number;
  blockSize: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nInner?: number | null;
  qkvBias?: boolean;
  tieWordEmbeddings?: boolean;
}

export interface TrainingShape {
  config: GptShape;
  batchSize: number;
  /** Tokens per training sequence (≤ blockSize). */
  context: number;
}

export interface TrainingMemoryEstimate {
  parameters: number;
  /** Bytes of each part; `total` is their sum. */
  bytes: {
    trainingState: number;
    activations: number;
    embeddings: number;
    logits: number;
    total: number;
  };
  /** The largest single tensor, in bytes (a WebGPU buffer must hold it whole). */
  largestTensor: { name: string; bytes: number };
}

/** Parameters of a GPT-2-style model (tied head unless `tieWordEmbeddings` is false). */
export function gptParameterCount(config: GptShape): number {
  const { vocabSize: V, blockSize, nEmbd: C, nLayer: L } = config;
  const F = config.nInner ?? 4 * C;
  const block =
    2 * C + // ln_1
    C * 3 * C +
    (config.qkvBias === false ? 0 : 3 * C) + // c_attn
    C * C +
    C + // attention c_proj
    2 * C + // ln_2
    C * F +
    F + // mlp c_fc
    F * C +
    C; // mlp c_proj
  const head = config.tieWordEmbeddings === false ? V * C : 0;
  return V * C + blockSize * C + L * block + 2 * C + head;
}

export function estimateTrainingMemory({
  config,
  batchSize: B,
  context: T,
}: TrainingShape): TrainingMemoryEstimate {
  const { vocabSize: V, nEmbd: C, nLayer: L, nHead: H } = config;
  const F = config.nInner ?? 4 * C;
  const parameters = gptParameterCount(config);
  const perLayer = 21 * B * T * C + 2 * B * T * F + 6 * B * H * T * T;
  const floats = {
    trainingState: 4 * parameters,
    activations: (L + 1) * perLayer,
    embeddings: 5 * B * T * C,
    logits: 3 * B * T * V,
  };
  const bytes = {
    trainingState: floats.trainingState * FLOAT_BYTES,
    activations: floats.activations * FLOAT_BYTES,
    embeddings: floats.embeddings * FLOAT_BYTES,
    logits: floats.logits * FLOAT_BYTES,
    total: 0,
  };
  bytes.total = bytes.trainingState + bytes.activations + bytes.embeddings + bytes.logits;
  const tensors = [
    { name: `the logits (${B} × ${T} × ${V})`, bytes: B * T * V * FLOAT_BYTES },
    { name: `the attention scores (${B} × ${H} × ${T} × ${T})`, bytes: B * H * T * T * FLOAT_BYTES },
    { name: `the token embedding (${V} × ${C})`, bytes: V * C * FLOAT_BYTES },
    { name: `the MLP activations (${B} × ${T} × ${F})`, bytes: B * T * F * FLOAT_BYTES },
  ];
  const largestTensor = tensors.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return { parameters, bytes, largestTensor };
}

/** "31.2 GB" / "412 MB": decimal units, as `free -h --si` and GPU vendors count. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e12) return `${(bytes / 1e12).toFixed(1)} TB`;
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

export interface SystemMemory {
  /** What the process may use at most: RAM, or a container's limit when lower. */
  totalBytes: number;
  /** What is free now. */
  availableBytes: number;
  /** Whether `totalBytes` is a container (cgroup) limit. */
  constrained: boolean;
}

export function systemMemory(): SystemMemory {
  const total = os.totalmem();
  // 0 or 2^64 when no cgroup limit applies.
  const limit = process.constrainedMemory?.() ?? 0;
  const constrained = limit > 0 && limit < total;
  const available = typeof process.availableMemory === 'function' ? process.availableMemory() : os.freemem();
  return { totalBytes: constrained ? limit : total, availableBytes: Math.min(available, total), constrained };
}

/** Share of the machine's memory a run may plan to use: the OS and the runtime need the rest. */
export const HOST_MEMORY_SHARE = 0.9;

export interface MemoryBudget {
  /** Bytes training may use, or null when the backend cannot say (a hardware GPU). */
  capacity: number | null;
  /** Bytes free now, when known: above this (but under capacity) is a warning. */
  available: number | null;
  /** How the capacity is described in messages: "this machine has 23.4 GB". */
  describe: string;
  /** The largest single buffer the device can allocate (WebGPU), when it has one. */
  maxBufferSize: number | null;
  /** Most bytes the backend can hold in all, whatever the machine has (wasm32: 4 GiB), when it has a limit. */
  maxTotalBytes: number | null;
}

/**
 * What the check needs to know of a backend: its capabilities say whether storages live
 * in the host's RAM (cpu, wasm, a software GPU adapter such as llvmpipe), the largest
 * single storage, and the most all storages may hold together (wasm's one memory).
 */
export interface MemoryTarget {
  /** The backend as named in messages ('wasm'). */
  name?: string;
  capabilities: Pick<BackendCapabilities, 'hostMemory' | 'maxStorageBytes' | 'maxTotalBytes'>;
}

/** Environment variable naming a hardware GPU's memory in GB, which WebGPU cannot report. */
export const GPU_MEMORY_ENV = 'TENSORLM_GPU_MEMORY_GB';

export function memoryBudget(
  target: MemoryTarget,
  system: SystemMemory = systemMemory(),
  env: Record<string, string | undefined> = process.env,
): MemoryBudget {
  const maxBufferSize = target.capabilities.maxStorageBytes ?? null;
  const maxTotalBytes = target.capabilities.maxTotalBytes ?? null;
  if (target.capabilities.hostMemory)
    return {
      capacity: system.totalBytes * HOST_MEMORY_SHARE,
      available: system.availableBytes,
      describe: `this machine has ${formatBytes(system.totalBytes)}${system.constrained ? ' (its container limit)' : ''}`,
      maxBufferSize,
      maxTotalBytes,
    };
  const declared = Number(env[GPU_MEMORY_ENV]);
  if (Number.isFinite(declared) && declared > 0)
    return {
      capacity: declared * 1e9 * HOST_MEMORY_SHARE,
      available: null,
      describe: `the GPU has ${declared} GB (${GPU_MEMORY_ENV})`,
      maxBufferSize,
      maxTotalBytes,
    };
  return { capacity: null, available: null, describe: 'the GPU', maxBufferSize, maxTotalBytes };
}

/** "4 GiB" when whole, else decimal: a backend's fixed limit is usually a power of two. */
function formatLimit(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return Number.isInteger(gib) ? `${formatBytes(bytes)} (${gib} GiB)` : formatBytes(bytes);
}

/**
 * Share of a backend's total limit above which the estimate gets a warning: a measured
 * run peaked at 1.3× its estimate (allocator slack), so an estimate over 1 / 1.3 of the
 * limit may not fit.
 */
export const TOTAL_LIMIT_WARNING_SHARE = 1 / 1.3;

/** Above this, a GPU of unknown size gets a warning: many consumer cards have 8 GB. */
export const UNKNOWN_GPU_WARNING_BYTES = 8e9;

export interface TrainingMemoryCheck extends TrainingShape {
  /** The model as named in messages: 'gpt2-xl', 'the mini GPT'. */
  model: string;
  backend: MemoryTarget;
  warn(line: string): void;
  system?: SystemMemory;
  env?: Record<string, string | undefined>;
}

/**
 * Throws a CommandFailure ('CLI_MODEL_TOO_LARGE') when the estimate cannot fit the
 * backend (its largest tensor over the largest storage, the total over the machine's
 * memory or over the backend's own total limit), warns when it is close (near that
 * limit, above what is free now, or above 8 GB on a GPU whose size is unknown), and
 * returns the estimate.
 */
export function checkTrainingMemory(check: TrainingMemoryCheck): TrainingMemoryEstimate {
  const estimate = estimateTrainingMemory(check);
  const budget = memoryBudget(check.backend, check.system, check.env);
  const need = estimate.bytes.total;
  const what = `${check.model} at batch ${check.batchSize} × ${check.context}`;
  const smaller = 'use a smaller --config, --batch-size or --context';
  if (budget.maxBufferSize !== null && estimate.largestTensor.bytes > budget.maxBufferSize)
    throw new CommandFailure(
      'CLI_MODEL_TOO_LARGE',
      `${what}: ${estimate.largestTensor.name} would be one buffer of ${formatBytes(estimate.largestTensor.bytes)}, ` +
        `more than the largest this device allows (${formatBytes(budget.maxBufferSize)}); ${smaller}`,
    );
  if (budget.capacity !== null && need > budget.capacity)
    throw new CommandFailure(
      'CLI_MODEL_TOO_LARGE',
      `${what} needs about ${formatBytes(need)} for training; ${budget.describe}; ${smaller}`,
    );
  const backend = check.backend.name ? `the ${check.backend.name} backend` : 'this backend';
  if (budget.maxTotalBytes !== null && need > budget.maxTotalBytes)
    throw new CommandFailure(
      'CLI_MODEL_TOO_LARGE',
      `${what} needs about ${formatBytes(need)} for training, more than ${backend} can hold in all ` +
        `(${formatLimit(budget.maxTotalBytes)}, whatever this machine has); ${smaller}, or another --backend`,
    );
  if (budget.maxTotalBytes !== null && need > budget.maxTotalBytes * TOTAL_LIMIT_WARNING_SHARE)
    check.warn(
      `warning: ${what} needs about ${formatBytes(need)} for training, close to the most ${backend} can ` +
        `hold in all (${formatLimit(budget.maxTotalBytes)}); it may run out of memory part-way`,
    );
  else if (budget.available !== null && need > budget.available * HOST_MEMORY_SHARE)
    check.warn(
      `warning: ${what} needs about ${formatBytes(need)} for training and only ` +
        `${formatBytes(budget.available)} is free now; it may swap or be stopped by the system`,
    );
  else if (budget.capacity === null && need > UNKNOWN_GPU_WARNING_BYTES)
    check.warn(
      `warning: ${what} needs about ${formatBytes(need)} of GPU memory for training; WebGPU cannot ` +
        `say how much the GPU has (set ${GPU_MEMORY_ENV} to check it before training)`,
    );
  return estimate;
}

/** `checkTrainingMemory` on the current backend, warnings to the command's stderr. */
export function checkMemoryBeforeTraining(
  model: string,
  config: GptShape,
  batchSize: number,
  context: number,
  io: CommandIO,
): TrainingMemoryEstimate {
  const warn = io.err ?? ((line: string) => console.error(line));
  return checkTrainingMemory({ model, config, batchSize, context, backend: memoryTarget(), warn });
}

/** The current backend as the memory check sees it. */
function memoryTarget(): MemoryTarget {
  const backend = getBackend();
  return { name: backend.name, capabilities: backend.capabilities };
}

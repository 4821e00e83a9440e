// Whether a model fits this page's backend, decided from the weight files' headers before
// a byte of weights is read: safetensors headers (one file, or the shards an index names)
// give every tensor's shape, so the largest tensor is checked against the adapter's
// largest buffer (WebGPU's maxBufferSize) and the whole against the page's memory budget.
// Weights are held in f32 once loaded, so F16 / BF16 files count double. Runs in the worker.
import { DemoError } from './errors.js';

export interface WeightSizes {
  /** Bytes of all weights as f32. */
  total: number;
  largest: { name: string; shape: number[]; bytes: number };
  tensors: number;
}

export interface BackendLimits {
  /** The adapter's or backend's name, for the message. */
  device: string;
  /** Largest single buffer in bytes; undefined: bounded only by memory. */
  maxStorageBytes: number | undefined;
  /** What the page lets the weights take in all. */
  budgetBytes: number;
}

/** Safetensors headers are at most this long (the format's own limit is 100 MB). */
const MAX_HEADER = 100_000_000;

async function headerOf(blob: Blob, name: string): Promise<Record<string, unknown>> {
  const first = new DataView(await blob.slice(0, 8).arrayBuffer());
  if (first.byteLength < 8)
    throw new DemoError(
      'DEMO_NOT_A_MODEL_FOLDER',
      `${name} is ${first.byteLength} bytes: not a safetensors file`,
    );
  const length = Number(first.getBigUint64(0, true));
  if (length > MAX_HEADER || length > blob.size - 8)
    throw new DemoError(
      'DEMO_NOT_A_MODEL_FOLDER',
      `${name} claims a ${length}-byte header in a ${blob.size}-byte file: not a safetensors file`,
    );
  try {
    return JSON.parse(await blob.slice(8, 8 + length).text()) as Record<string, unknown>;
  } catch {
    throw new DemoError('DEMO_NOT_A_MODEL_FOLDER', `${name}'s header is not JSON: not a safetensors file`);
  }
}

/**
 * pytorch_model.bin (one file or the shards its index names) has no header to read
 * cheaply: its files' sizes stand for the weights (a floor: f16 files double once loaded).
 */
async function pickleSizes(files: ReadonlyMap<string, Blob>): Promise<WeightSizes | null> {
  let names: string[] = [];
  const index = files.get('pytorch_model.bin.index.json');
  if (files.has('pytorch_model.bin')) names = ['pytorch_model.bin'];
  else if (index) {
    const json = JSON.parse(await index.text()) as { weight_map?: Record<string, string> };
    names = [...new Set(Object.values(json.weight_map ?? {}))];
  }
  const blobs = names.map((name) => files.get(name)).filter((b): b is Blob => b !== undefined);
  if (blobs.length === 0) return null;
  return {
    total: blobs.reduce((n, b) => n + b.size, 0),
    largest: { name: '', shape: [], bytes: 0 },
    tensors: 0,
  };
}

/** The weights' sizes from their safetensors headers (else the pickle files' sizes), or null when there are no weights. */
export async function weightSizes(files: ReadonlyMap<string, Blob>): Promise<WeightSizes | null> {
  let names: string[];
  const index = files.get('model.safetensors.index.json');
  if (files.has('model.safetensors')) names = ['model.safetensors'];
  else if (index) {
    const json = JSON.parse(await index.text()) as { weight_map?: Record<string, string> };
    names = [...new Set(Object.values(json.weight_map ?? {}))];
  } else return pickleSizes(files);
  const sizes: WeightSizes = { total: 0, largest: { name: '', shape: [], bytes: 0 }, tensors: 0 };
  for (const name of names) {
    const blob = files.get(name);
    if (!blob) continue; // hub-loader names the missing shard when it loads.
    for (const [tensor, info] of Object.entries(await headerOf(blob, name))) {
      if (tensor === '__metadata__') continue;
      const shape = (info as { shape?: unknown }).shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) continue;
      const bytes = 4 * shape.reduce((n: number, d: number) => n * d, 1);
      sizes.total += bytes;
      sizes.tensors += 1;
      if (bytes > sizes.largest.bytes) sizes.largest = { name: tensor, shape, bytes };
    }
  }
  return sizes;
}

const gb = (bytes: number) =>
  bytes < 1e9 ? `${(bytes / 1e6).toFixed(0)} MB` : `${(bytes / 1e9).toFixed(2)} GB`;

/** Why the weights cannot be loaded here, or null when they fit. */
export function tooLarge(sizes: WeightSizes, limits: BackendLimits): string | null {
  const { largest } = sizes;
  if (limits.maxStorageBytes !== undefined && largest.bytes > limits.maxStorageBytes)
    return (
      `the model is too large for this adapter: its largest tensor, ${largest.name} [${largest.shape.join(', ')}], ` +
      `takes ${gb(largest.bytes)} as f32, and ${limits.device} holds at most ${gb(limits.maxStorageBytes)} in one buffer`
    );
  if (sizes.total > limits.budgetBytes)
    return (
      `the model is too large for this page: its ${sizes.tensors > 0 ? `${sizes.tensors} tensors take` : 'weight files take'} ${gb(sizes.total)}${sizes.tensors > 0 ? ' as f32' : ''}, ` +
      `more than the ${gb(limits.budgetBytes)} the demo allows on ${limits.device}`
    );
  return null;
}

/** Throws DEMO_MODEL_TOO_LARGE when the weights cannot fit (see `tooLarge`). */
export async function checkWeightsFit(
  files: ReadonlyMap<string, Blob>,
  limits: BackendLimits,
): Promise<void> {
  const sizes = await weightSizes(files);
  const problem = sizes ? tooLarge(sizes, limits) : null;
  if (problem) throw new DemoError('DEMO_MODEL_TOO_LARGE', problem);
}

// Which weights a model folder holds, and the source that reads them. The formats are
// tried in transformers' order of preference: sharded safetensors, safetensors, sharded
// pytorch_model.bin, pytorch_model.bin. A folder with none of them is an error listing
// every name looked for.
import { joinPath } from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';
import { openSafetensorsSource } from './safetensors/safetensors-source.js';
import { openShardedSource } from './sharded.js';
import type { WeightFileOpener, WeightSource } from './source.js';
import { openTorchSource } from './torch/torch-source.node.js';

export interface WeightFormat {
  /** Shown in messages and reports. */
  readonly name: string;
  /** The single-file name (`model.safetensors`). */
  readonly file: string;
  /** The shard index name (`model.safetensors.index.json`). */
  readonly index: string;
  /** Opens one file of this format; null when this build recognises the format but cannot read it. */
  readonly open: WeightFileOpener | null;
}

export const SAFETENSORS_WEIGHTS = 'model.safetensors';
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';
export const PYTORCH_WEIGHTS = 'pytorch_model.bin';
export const PYTORCH_INDEX = 'pytorch_model.bin.index.json';

/** The formats, most preferred first. The pytorch opener is ./torch's restricted unpickler. */
export const WEIGHT_FORMATS: readonly WeightFormat[] = [
  { name: 'safetensors', file: SAFETENSORS_WEIGHTS, index: SAFETENSORS_INDEX, open: openSafetensorsSource },
  { name: 'pytorch', file: PYTORCH_WEIGHTS, index: PYTORCH_INDEX, open: openTorchSource },
];

/** The weight file names a folder is searched for, in order (for "looked for" messages). */
export function weightFileNames(): string[] {
  return WEIGHT_FORMATS.flatMap((f) => [f.index, f.file]);
}

async function exists(path: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

/** The weights file (or index) a folder would load from, without opening it; null when none. */
export async function findWeights(
  dir: string,
): Promise<{ format: WeightFormat; path: string; sharded: boolean } | null> {
  for (const format of WEIGHT_FORMATS) {
    for (const [name, sharded] of [
      [format.index, true],
      [format.file, false],
    ] as const) {
      const path = joinPath(dir, name);
      if (await exists(path)) return { format, path, sharded };
    }
  }
  return null;
}

/** Opens the folder's weights (the most preferred format present) as one source. */
export async function openWeights(dir: string): Promise<WeightSource> {
  const found = await findWeights(dir);
  if (!found) {
    throw new ModelFolderError(
      'MODEL_WEIGHTS_MISSING',
      `no weights in ${dir}: looked for ${weightFileNames().join(', ')}`,
      { path: dir },
    );
  }
  const { format, path, sharded } = found;
  if (!format.open) {
    throw new ModelFolderError(
      'MODEL_WEIGHTS_MISSING',
      `${path} is in the ${format.name} format, which this build cannot read; convert it to safetensors`,
      { path },
    );
  }
  return sharded ? openShardedSource(path, format.open) : format.open(path);
}

// Which weights a model folder on disk holds, and the source that reads them (Node). The
// formats are tried in transformers' order of preference (./layout.ts): sharded
// safetensors, safetensors, sharded pytorch_model.bin, pytorch_model.bin. A folder with
// none of them is an error listing every name looked for. Browsers use ./files.ts.
import { joinPath } from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';
import {
  PYTORCH_INDEX,
  PYTORCH_WEIGHTS,
  pickWeightFile,
  SAFETENSORS_INDEX,
  SAFETENSORS_WEIGHTS,
  WEIGHT_FILE_NAMES,
  type WeightFileNames,
  weightFileNames,
} from './layout.js';
import { openSafetensorsSource } from './safetensors/safetensors-source.js';
import { openShardedSource } from './sharded.js';
import type { WeightFileOpener, WeightSource } from './source.js';
import { openTorchSource } from './torch/torch-source.node.js';

export { PYTORCH_INDEX, PYTORCH_WEIGHTS, SAFETENSORS_INDEX, SAFETENSORS_WEIGHTS, weightFileNames };

export interface WeightFormat extends WeightFileNames {
  /** Opens one file of this format; null when this build recognises the format but cannot read it. */
  readonly open: WeightFileOpener | null;
}

const OPENERS: Record<WeightFileNames['name'], WeightFileOpener> = {
  safetensors: openSafetensorsSource,
  pytorch: openTorchSource,
};

/** The formats, most preferred first. The pytorch opener is ./torch's restricted unpickler. */
export const WEIGHT_FORMATS: readonly WeightFormat[] = WEIGHT_FILE_NAMES.map((names) => ({
  ...names,
  open: OPENERS[names.name],
}));

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
  const found = await pickWeightFile((name) => exists(joinPath(dir, name)));
  if (!found) return null;
  const format = WEIGHT_FORMATS.find((f) => f.name === found.format.name)!;
  return { format, path: joinPath(dir, found.name), sharded: found.sharded };
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

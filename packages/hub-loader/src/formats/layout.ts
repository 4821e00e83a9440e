// The weight file names of a model folder and the order they are preferred in, as in
// transformers: sharded safetensors, safetensors, sharded pytorch_model.bin,
// pytorch_model.bin. Shared by the Node opener (./open.ts, files on disk) and the browser's
// (./files.ts, Blobs); no `node:` import.

export const SAFETENSORS_WEIGHTS = 'model.safetensors';
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';
export const PYTORCH_WEIGHTS = 'pytorch_model.bin';
export const PYTORCH_INDEX = 'pytorch_model.bin.index.json';

/** A weight format's names. */
export interface WeightFileNames {
  /** Shown in messages and reports. */
  readonly name: 'safetensors' | 'pytorch';
  /** The single-file name (`model.safetensors`). */
  readonly file: string;
  /** The shard index name (`model.safetensors.index.json`). */
  readonly index: string;
}

/** The formats' names, most preferred first. */
export const WEIGHT_FILE_NAMES: readonly WeightFileNames[] = [
  { name: 'safetensors', file: SAFETENSORS_WEIGHTS, index: SAFETENSORS_INDEX },
  { name: 'pytorch', file: PYTORCH_WEIGHTS, index: PYTORCH_INDEX },
];

/** The weight file names a folder is searched for, in order (for "looked for" messages). */
export function weightFileNames(): string[] {
  return WEIGHT_FILE_NAMES.flatMap((f) => [f.index, f.file]);
}

/** The most preferred weights file (or index) that `has` says the folder holds; null when none. */
export async function pickWeightFile(
  has: (name: string) => boolean | Promise<boolean>,
): Promise<{ format: WeightFileNames; name: string; sharded: boolean } | null> {
  for (const format of WEIGHT_FILE_NAMES) {
    for (const [name, sharded] of [
      [format.index, true],
      [format.file, false],
    ] as const) {
      if (await has(name)) return { format, name, sharded };
    }
  }
  return null;
}

// Sharded checkpoints, the format part: `model.safetensors.index.json` /
// `pytorch_model.bin.index.json` ({"metadata": {...}, "weight_map": {tensor: shard file}})
// validated, and its shards combined into one `WeightSource`. Shard names must be plain file
// names beside the index (never a path out of the folder); every shard is opened and its
// header checked before anything is read, so a tensor missing from any shard is reported
// up front. Where the files live is the caller's: disk in Node (./sharded.ts), Blobs in a
// browser (./files.ts). No `node:` import.
import { formatZodIssues } from '@tensorlm/tensor-core/errors';
import { z } from 'zod';
import { ModelFolderError } from '../errors.js';
import type { WeightInfo, WeightSource } from './source.js';

const indexSchema = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  weight_map: z.record(z.string(), z.string()),
});

export type ShardIndex = z.infer<typeof indexSchema>;

/** A shard name that stays in the index's folder: no separator, no `..`, no control characters. */
function isPlainFileName(name: string): boolean {
  const control = [...name].some((c) => c.charCodeAt(0) < 0x20);
  return name !== '.' && name !== '..' && name.length > 0 && !/[/\\]/.test(name) && !control;
}

/** The index's JSON text, validated; errors name the index file and the field. */
export function parseShardIndex(text: string, indexPath: string): ShardIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFolderError(
      'MODEL_INDEX_INVALID',
      `cannot read the shard index ${indexPath}: ${(error as Error).message}`,
      { path: indexPath, cause: error },
    );
  }
  const parsed = indexSchema.safeParse(json);
  if (!parsed.success) {
    throw new ModelFolderError(
      'MODEL_INDEX_INVALID',
      `${indexPath} is not a shard index: ${formatZodIssues(parsed.error)}`,
      { path: indexPath },
    );
  }
  for (const [tensor, shard] of Object.entries(parsed.data.weight_map)) {
    if (!isPlainFileName(shard)) {
      throw new ModelFolderError(
        'MODEL_INDEX_INVALID',
        `${indexPath} maps '${tensor}' to '${shard}', which is not a file name beside the index (shards must live in the same folder)`,
        { path: indexPath },
      );
    }
  }
  return parsed.data;
}

/** The shards of an index's folder, by plain file name. */
export interface ShardFolder {
  /** The folder, for messages ('' or '.' for the current one). */
  readonly dir: string;
  has(name: string): Promise<boolean>;
  open(name: string): Promise<WeightSource>;
}

/** Opens every shard `index` names through `folder` as one source; a missing shard is an error naming it. */
export async function combineShards(
  indexPath: string,
  index: ShardIndex,
  folder: ShardFolder,
): Promise<WeightSource> {
  const { dir } = folder;
  const shardNames = [...new Set(Object.values(index.weight_map))];
  const missing: string[] = [];
  for (const name of shardNames) if (!(await folder.has(name))) missing.push(name);
  if (missing.length > 0) {
    throw new ModelFolderError(
      'MODEL_INDEX_INVALID',
      `${indexPath} names shard${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}, ` +
        `which ${missing.length > 1 ? 'do' : 'does'} not exist in ${dir || '.'} (incomplete download or copy?)`,
      { path: indexPath },
    );
  }
  const shards = new Map<string, WeightSource>();
  const infos = new Map<string, WeightInfo>();
  const owner = new Map<string, WeightSource>();
  try {
    for (const name of shardNames) {
      const shard = await folder.open(name);
      shards.set(name, shard);
      for (const [tensor, info] of shard.tensors()) {
        const previous = infos.get(tensor);
        if (previous) {
          throw new ModelFolderError(
            'MODEL_INDEX_INVALID',
            `tensor '${tensor}' is stored twice, in ${previous.file} and ${info.file}`,
            { path: indexPath },
          );
        }
        infos.set(tensor, info);
        owner.set(tensor, shard);
      }
    }
    for (const [tensor, name] of Object.entries(index.weight_map)) {
      if (owner.get(tensor) !== shards.get(name)) {
        throw new ModelFolderError(
          'MODEL_INDEX_INVALID',
          `${indexPath} says '${tensor}' is in '${name}', but ${owner.has(tensor) ? `it is in ${infos.get(tensor)!.file}` : 'no shard holds it'}`,
          { path: indexPath },
        );
      }
    }
  } catch (error) {
    for (const shard of shards.values()) await shard.close().catch(() => {});
    throw error;
  }
  return {
    path: indexPath,
    tensors: () => infos,
    read: async (name) => {
      const shard = owner.get(name);
      if (!shard) throw new ModelFolderError('MODEL_WEIGHTS_MISMATCH', `no tensor '${name}' in ${indexPath}`);
      return shard.read(name);
    },
    close: async () => {
      for (const shard of shards.values()) await shard.close();
    },
  };
}

// Sharded checkpoints on disk (Node): the index read from a file and its shards opened
// beside it; the format rules are ./shard-index.ts's, shared with the browser.
import { joinPath } from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';
import { combineShards, parseShardIndex, type ShardIndex } from './shard-index.js';
import type { WeightFileOpener, WeightSource } from './source.js';

function dirOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '' : path.slice(0, cut);
}

/** The index's JSON, validated; errors name the index file and the field. */
export async function readShardIndex(indexPath: string): Promise<ShardIndex> {
  const fs = await import('node:fs/promises');
  let text: string;
  try {
    text = await fs.readFile(indexPath, 'utf8');
  } catch (error) {
    throw new ModelFolderError(
      'MODEL_INDEX_INVALID',
      `cannot read the shard index ${indexPath}: ${(error as Error).message}`,
      { path: indexPath, cause: error },
    );
  }
  return parseShardIndex(text, indexPath);
}

/** Opens every shard an index names (with `openFile`) as one source. */
export async function openShardedSource(
  indexPath: string,
  openFile: WeightFileOpener,
): Promise<WeightSource> {
  const fs = await import('node:fs/promises');
  const index = await readShardIndex(indexPath);
  const dir = dirOf(indexPath);
  return combineShards(indexPath, index, {
    dir,
    has: async (name) => {
      try {
        await fs.access(joinPath(dir, name));
        return true;
      } catch {
        return false;
      }
    },
    open: (name) => openFile(joinPath(dir, name)),
  });
}

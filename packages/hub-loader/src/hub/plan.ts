// Which files of a repo make a model tensorlm can load, and the order they are looked for:
// config.json (required); generation_config.json and the tokenizer files, each if the repo
// has it; then the first weight layout the repo has — model.safetensors, its sharded index
// and every shard it names, pytorch_model.bin, its sharded index and shards. The same plan
// runs over the cache alone, over the cache plus the Hub, and in the browser: `source`
// decides what "there" means. Browser-safe.
import { z } from 'zod';
import { HubError } from './errors.js';
import { checkRepoFile } from './names.js';

export const CONFIG_FILE = 'config.json';

/** Fetched when the repo has them: generation defaults and every tokenizer format tensorlm reads. */
export const OPTIONAL_FILES: readonly string[] = [
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
  'vocab.txt',
];

/** The weight layouts, most preferred first: a single file, or an index and its shards. */
export const WEIGHT_LAYOUTS: readonly { file: string; sharded: boolean }[] = [
  { file: 'model.safetensors', sharded: false },
  { file: 'model.safetensors.index.json', sharded: true },
  { file: 'pytorch_model.bin', sharded: false },
  { file: 'pytorch_model.bin.index.json', sharded: true },
];

/** Where the plan's files come from. */
export interface SnapshotSource {
  /** Makes `file` available; throws a HubError naming it when it cannot. */
  require(file: string): Promise<void>;
  /** Makes `file` available if the repo has it; false when it does not. */
  optional(file: string): Promise<boolean>;
  /** The text of a file made available before. */
  readText(file: string): Promise<string>;
  /** Says which repo and revision, for messages. */
  readonly describe: string;
}

const shardIndexSchema = z.object({ weight_map: z.record(z.string(), z.string()) });

/** The shard files an index names (each once, in order of first mention), checked as repo file names. */
export function shardFiles(indexFile: string, text: string, describe: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HubError(
      'HUB_BAD_INDEX',
      `'${indexFile}' of ${describe} is not JSON: ${(error as Error).message}`,
    );
  }
  const index = shardIndexSchema.safeParse(parsed);
  if (!index.success)
    throw new HubError(
      'HUB_BAD_INDEX',
      `'${indexFile}' of ${describe} is not a shard index: it needs "weight_map": { tensor name: shard file }`,
    );
  const shards = [...new Set(Object.values(index.data.weight_map))];
  if (shards.length === 0)
    throw new HubError('HUB_BAD_INDEX', `'${indexFile}' of ${describe} names no shard`);
  return shards.map((shard) => checkRepoFile(shard, `shard named in ${indexFile}`));
}

/**
 * Runs the plan (or exactly `files`, each required) over `source`; returns the files the
 * snapshot holds afterwards. Without weights it throws HUB_NO_WEIGHTS listing the layouts tried.
 */
export async function gatherSnapshot(source: SnapshotSource, files?: readonly string[]): Promise<string[]> {
  if (files !== undefined) {
    for (const file of files) await source.require(checkRepoFile(file));
    return [...files];
  }
  const got: string[] = [];
  await source.require(CONFIG_FILE);
  got.push(CONFIG_FILE);
  for (const file of OPTIONAL_FILES) if (await source.optional(file)) got.push(file);
  for (const layout of WEIGHT_LAYOUTS) {
    if (!(await source.optional(layout.file))) continue;
    got.push(layout.file);
    if (layout.sharded) {
      const shards = shardFiles(layout.file, await source.readText(layout.file), source.describe);
      for (const shard of shards) await source.require(shard);
      got.push(...shards);
    }
    return got;
  }
  throw new HubError(
    'HUB_NO_WEIGHTS',
    `${source.describe} has none of the weight files tensorlm reads (${WEIGHT_LAYOUTS.map((l) => l.file).join(', ')})`,
  );
}

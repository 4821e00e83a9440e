// `savePretrained(dir, { model, tokenizer, generationConfig })`: a folder transformers
// loads as it is — config.json (its keys), model.safetensors (tied weights once, names as
// transformers writes them; sharded with model.safetensors.index.json above
// `maxShardBytes`), tokenizer.json in Hugging Face's form with tokenizer_config.json and
// special_tokens_map.json, generation_config.json. Every file is written atomically. A
// user's files are sacred: a folder holding anything savePretrained did not write is
// refused, and a re-save removes only the stale files of its own earlier save (listed in
// SAVED_FILES_MANIFEST).
import { joinPath, type Module, writeFileAtomic } from '@tensorlm/nn';
import type { Tensor } from '@tensorlm/tensor-core';
import { type SpecialTokenRole, type Tokenizer, toHuggingFaceJSON } from '@tensorlm/tokenizers';
import { ModelFolderError } from '../errors.js';
import { SAFETENSORS_INDEX, SAFETENSORS_WEIGHTS } from '../formats/open.js';
import { architectureOfModel } from '../registry/registry.js';
import { storedBytes, writeSafetensorsStreaming } from './safetensors-writer.js';

/** transformers' default shard limit ("5GB" = 5·10⁹ bytes). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;
/** The list of files a savePretrained wrote, so a later save knows which files are its own. */
export const SAVED_FILES_MANIFEST = '.tensorlm-saved.json';

export interface SavePretrainedOptions {
  model: Module;
  tokenizer?: Tokenizer | null;
  /** generation_config.json's content (as transformers' GenerationConfig). */
  generationConfig?: Record<string, unknown> | null;
  /**
   * Further config.json fields to keep (the `rawConfig` of a loaded model: `id2label`,
   * `task_specific_params`, token ids). The model's own fields always win.
   */
  extraConfig?: Record<string, unknown>;
  /** Shard above this many bytes of weights (default 5·10⁹, as transformers). */
  maxShardBytes?: number;
  /** String metadata for the safetensors header(s) (`format: "pt"` is always set). */
  metadata?: Readonly<Record<string, string>>;
}

export interface SavePretrainedResult {
  dir: string;
  /** The files written, relative to `dir`. */
  files: string[];
}

const TOKEN_ID_FIELDS = [
  'bos_token_id',
  'eos_token_id',
  'pad_token_id',
  'sep_token_id',
  'decoder_start_token_id',
];

const HF_TOKENIZER_CLASS: Record<string, string> = { bpe: 'GPT2Tokenizer', wordpiece: 'BertTokenizer' };

async function readOwnManifest(dir: string): Promise<string[]> {
  const fs = await import('node:fs/promises');
  try {
    const json = JSON.parse(await fs.readFile(joinPath(dir, SAVED_FILES_MANIFEST), 'utf8')) as {
      files?: unknown;
    };
    return Array.isArray(json.files) ? json.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/** Refuses a folder holding files that no earlier savePretrained wrote; returns those it did. */
async function checkFolderIsOurs(dir: string): Promise<string[]> {
  const fs = await import('node:fs/promises');
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const ours = await readOwnManifest(dir);
  const foreign = entries.filter((e) => e !== SAVED_FILES_MANIFEST && !ours.includes(e));
  if (foreign.length > 0) {
    throw new ModelFolderError(
      'MODEL_FOLDER_NOT_OURS',
      `savePretrained: ${dir} holds files it did not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); ` +
        'save into a new or empty folder — nothing was changed',
      { path: dir },
    );
  }
  return ours;
}

/** Splits tensors into shards of at most `maxBytes` (a tensor larger than that gets a shard alone), as transformers. */
function shard(entries: [string, Tensor][], maxBytes: number): [string, Tensor][][] {
  const shards: [string, Tensor][][] = [[]];
  let size = 0;
  for (const entry of entries) {
    const bytes = storedBytes(entry[1]);
    if (size + bytes > maxBytes && shards.at(-1)!.length > 0) {
      shards.push([]);
      size = 0;
    }
    shards.at(-1)!.push(entry);
    size += bytes;
  }
  return shards;
}

function tokenId(tokenizer: Tokenizer | null | undefined, role: SpecialTokenRole): number | undefined {
  const token = tokenizer?.specialTokens[role];
  return token === undefined ? undefined : tokenizer!.tokenToId(token);
}

/** The config.json to write: the architecture's fields, then kept extras, then token ids from the tokenizer. */
function configJson(
  model: Module,
  tokenizer: Tokenizer | null | undefined,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const architecture = architectureOfModel(model);
  const own = architecture.configToHF(architecture.configOf(model));
  const json: Record<string, unknown> = { ...extra, ...own };
  // Token ids are not part of the model's config: a kept value beats the default guess, the tokenizer beats both.
  for (const field of TOKEN_ID_FIELDS)
    if (extra[field] !== undefined && extra[field] !== null) json[field] = extra[field];
  if ('bos_token_id' in json) {
    const bos = tokenId(tokenizer, 'bos');
    const eos = tokenId(tokenizer, 'eos');
    if (bos !== undefined) json.bos_token_id = bos;
    if (eos !== undefined) json.eos_token_id = eos;
  }
  delete json.transformers_version;
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => a.localeCompare(b)));
}

function tokenizerFiles(tokenizer: Tokenizer, modelMaxLength: number | undefined): Record<string, unknown> {
  let tokenizerJson: unknown;
  let hfForm = true;
  try {
    tokenizerJson = toHuggingFaceJSON(tokenizer);
  } catch {
    // A kind with no tokenizer.json form in Hugging Face (one registered by another package) keeps tensorlm's own JSON, which loadTokenizer reads.
    tokenizerJson = tokenizer.toJSON();
    hfForm = false;
  }
  const files: Record<string, unknown> = { 'tokenizer.json': tokenizerJson };
  if (!hfForm) return files;
  const specials: Record<string, string> = {};
  for (const [role, token] of Object.entries(tokenizer.specialTokens)) {
    if (typeof token === 'string') specials[`${role}_token`] = token;
  }
  files['special_tokens_map.json'] = specials;
  files['tokenizer_config.json'] = {
    ...specials,
    tokenizer_class: HF_TOKENIZER_CLASS[tokenizer.kind] ?? 'PreTrainedTokenizerFast',
    clean_up_tokenization_spaces: false,
    ...(modelMaxLength !== undefined ? { model_max_length: modelMaxLength } : {}),
    ...(tokenizer.kind === 'wordpiece'
      ? { do_lower_case: Boolean((tokenizer.toJSON() as { lowercase?: unknown }).lowercase) }
      : {}),
    ...(tokenizer.kind === 'bpe'
      ? { add_prefix_space: Boolean((tokenizer.toJSON() as { addPrefixSpace?: unknown }).addPrefixSpace) }
      : {}),
  };
  return files;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * transformers writes a generation config as its diff from `GenerationConfig()`, whose
 * token ids default to None: an unknown id is left out, never written as null.
 */
function withoutUnknownTokenIds(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).filter(([key, value]) => !(key.endsWith('_token_id') && value === null)),
  );
}

/** Writes `dir` as a Hugging Face model folder (see the file header). */
export async function savePretrained(
  dir: string,
  options: SavePretrainedOptions,
): Promise<SavePretrainedResult> {
  const { model, tokenizer } = options;
  const maxShardBytes = options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES;
  if (!(Number.isFinite(maxShardBytes) && maxShardBytes > 0)) {
    throw new ModelFolderError(
      'MODEL_CONFIG_INVALID',
      `savePretrained: maxShardBytes must be a positive number, got ${maxShardBytes}`,
    );
  }
  const config = configJson(model, tokenizer, options.extraConfig ?? {});
  const vocabSize = config.vocab_size;
  if (tokenizer && typeof vocabSize === 'number' && tokenizer.vocabSize > vocabSize) {
    throw new ModelFolderError(
      'MODEL_WEIGHTS_MISMATCH',
      `savePretrained: the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabulary only ${vocabSize}`,
    );
  }
  const previous = await checkFolderIsOurs(dir);
  const fs = await import('node:fs/promises');
  await fs.mkdir(dir, { recursive: true });

  const written: string[] = [];
  const writeJson = async (name: string, value: unknown) => {
    await writeFileAtomic(joinPath(dir, name), json(value));
    written.push(name);
  };
  // The manifest first lists what this save may write, so a crash half-way leaves no file unaccounted for.
  const planned = new Set([...previous]);
  const stateDict = model.stateDict({ dedupeTied: true });
  try {
    const entries = [...stateDict];
    const shards = shard(entries, maxShardBytes);
    const shardName = (i: number) =>
      shards.length === 1
        ? SAFETENSORS_WEIGHTS
        : `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    for (let i = 0; i < shards.length; i++) planned.add(shardName(i));
    for (const name of [
      'config.json',
      SAFETENSORS_INDEX,
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'generation_config.json',
    ]) {
      planned.add(name);
    }
    await writeFileAtomic(joinPath(dir, SAVED_FILES_MANIFEST), json({ files: [...planned].sort() }));

    const metadata = { ...options.metadata, format: 'pt' };
    for (let i = 0; i < shards.length; i++) {
      await writeSafetensorsStreaming(joinPath(dir, shardName(i)), shards[i]!, metadata);
      written.push(shardName(i));
    }
    if (shards.length > 1) {
      const weightMap: Record<string, string> = {};
      shards.forEach((s, i) => {
        for (const [name] of s) weightMap[name] = shardName(i);
      });
      const totalSize = entries.reduce((n, [, t]) => n + storedBytes(t), 0);
      await writeJson(SAFETENSORS_INDEX, {
        metadata: { total_size: totalSize },
        weight_map: Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => a.localeCompare(b))),
      });
    }
  } finally {
    for (const t of stateDict.values()) t.dispose();
  }
  if (tokenizer) {
    const maxLength = [config.n_positions, config.max_position_embeddings].find(
      (v) => typeof v === 'number',
    ) as number | undefined;
    for (const [name, value] of Object.entries(tokenizerFiles(tokenizer, maxLength)))
      await writeJson(name, value);
  }
  const generationConfig =
    options.generationConfig ??
    (architectureOfModel(model).name === 'GPT2LMHeadModel'
      ? { _from_model_config: true, bos_token_id: config.bos_token_id, eos_token_id: config.eos_token_id }
      : null);
  if (generationConfig) await writeJson('generation_config.json', withoutUnknownTokenIds(generationConfig));
  // config.json last: a folder with a config.json has complete weights beside it.
  await writeJson('config.json', config);
  // Stale files of an earlier save (shards of another count, a tokenizer no longer given) go.
  for (const name of previous) {
    if (!written.includes(name)) await fs.rm(joinPath(dir, name), { force: true });
  }
  await writeFileAtomic(joinPath(dir, SAVED_FILES_MANIFEST), json({ files: [...written].sort() }));
  return { dir, files: [...written].sort() };
}
